/*
 * test_stats.c — the stats sink (stats.h) and its three renderers: JSON
 * members (`stratctl actors --json`), text (`stratctl actors`) and the
 * Prometheus `stratd_actor_stat` samples. Every expectation is the exact
 * text, because scripts and scrapers read it.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "strbuf.h"

#include "testutil.h"

/* ---- rendering helpers ------------------------------------------------------ */

/* The members alone, as actor_json embeds them in its open "stats"
 * object ("k":v,...): rendered into {...}, then the braces cut off. */
static char *members(const struct stats *st)
{
    struct json j;
    char *s;
    size_t n;

    json_init(&j);
    json_obj_begin(&j);
    stats_render_json(st, &j);
    json_obj_end(&j);
    s = json_take(&j);
    n = strlen(s);
    ck_assert(n >= 2 && s[0] == '{' && s[n - 1] == '}');
    memmove(s, s + 1, n - 2);
    s[n - 2] = '\0';
    return s;
}

static char *text(const struct stats *st)
{
    struct strbuf b = STRBUF_INIT;
    stats_render_text(st, &b);
    return strbuf_take(&b);
}

static char *prom(const struct stats *st, const char *actor, const char *kind)
{
    struct strbuf b = STRBUF_INIT;
    stats_render_prometheus(st, actor, kind, &b);
    return strbuf_take(&b);
}

/* The rendered text (freed here) is exactly `want`. */
#define ASSERT_RENDER(rendered, want)          \
    do {                                       \
        char *got_ = (rendered);               \
        ck_assert_str_eq(got_, want);          \
        free(got_);                            \
    } while (0)

#define S "stratd_actor_stat{actor=\"a\",kind=\"k\",stat="

/* ---- one type at a time --------------------------------------------------------- */

START_TEST(test_ints)
{
    struct stats st = STATS_INIT;

    stats_int(&st, "pos", 42);
    stats_int(&st, "neg", -7);
    stats_int(&st, "min", INT64_MIN);
    stats_uint(&st, "zero", 0);
    stats_uint(&st, "max", UINT64_MAX);
    ASSERT_RENDER(members(&st),
                  "\"pos\":42,\"neg\":-7,\"min\":-9223372036854775808,\"zero\":0,"
                  "\"max\":18446744073709551615");
    ASSERT_RENDER(text(&st),
                  "{\"pos\":42,\"neg\":-7,\"min\":-9223372036854775808,\"zero\":0,"
                  "\"max\":18446744073709551615}");
    ASSERT_RENDER(prom(&st, "a", "k"),
                  S "\"pos\"} 42\n"
                  S "\"neg\"} -7\n"
                  S "\"min\"} -9.2233720368547758e+18\n"
                  S "\"zero\"} 0\n"
                  S "\"max\"} 1.8446744073709552e+19\n");
    stats_release(&st);
}
END_TEST

START_TEST(test_doubles)
{
    struct stats st = STATS_INIT;

    stats_double(&st, "whole", 3);
    stats_double(&st, "half", -2.5);
    stats_double(&st, "tenth", 0.1);
    stats_double(&st, "third", 1.0 / 3);
    stats_double(&st, "big", 123456789012.5);
    stats_double(&st, "huge", 1e300);
    stats_double(&st, "tiny", 1.5e-9);
    stats_double(&st, "nan", NAN);
    stats_double(&st, "inf", -INFINITY);
    /* json_double: 10 significant digits, non-finite as null */
    ASSERT_RENDER(members(&st),
                  "\"whole\":3,\"half\":-2.5,\"tenth\":0.1,\"third\":0.3333333333,"
                  "\"big\":1.23456789e+11,\"huge\":1e+300,\"tiny\":1.5e-09,"
                  "\"nan\":null,\"inf\":null");
    /* The gauge is the shown figure read back (what the JSON parser of
     * metrics.c gave), printed with 17 digits; null gives no sample. */
    ASSERT_RENDER(prom(&st, "a", "k"),
                  S "\"whole\"} 3\n"
                  S "\"half\"} -2.5\n"
                  S "\"tenth\"} 0.10000000000000001\n"
                  S "\"third\"} 0.33333333329999998\n"
                  S "\"big\"} 123456789000\n"
                  S "\"huge\"} 1.0000000000000001e+300\n"
                  S "\"tiny\"} 1.5e-09\n");
    stats_release(&st);
}
END_TEST

START_TEST(test_bools)
{
    struct stats st = STATS_INIT;

    stats_bool(&st, "yes", true);
    stats_bool(&st, "no", false);
    ASSERT_RENDER(members(&st), "\"yes\":true,\"no\":false");
    ASSERT_RENDER(text(&st), "{\"yes\":true,\"no\":false}");
    ASSERT_RENDER(prom(&st, "a", "k"), S "\"yes\"} 1\n" S "\"no\"} 0\n");
    stats_release(&st);
}
END_TEST

START_TEST(test_text_escaped)
{
    struct stats st = STATS_INIT;

    stats_text(&st, "say", "a \"quoted\" word\\\nnext\tline");
    stats_text(&st, "none", NULL);
    stats_text(&st, "empty", "");
    stats_uint(&st, "n", 1);
    ASSERT_RENDER(members(&st),
                  "\"say\":\"a \\\"quoted\\\" word\\\\\\u000anext\\u0009line\","
                  "\"none\":null,\"empty\":\"\",\"n\":1");
    ASSERT_RENDER(text(&st),
                  "{\"say\":\"a \\\"quoted\\\" word\\\\\\u000anext\\u0009line\","
                  "\"none\":null,\"empty\":\"\",\"n\":1}");
    /* texts are never metrics */
    ASSERT_RENDER(prom(&st, "a", "k"), S "\"n\"} 1\n");
    stats_release(&st);
}
END_TEST

START_TEST(test_hex)
{
    struct stats st = STATS_INIT;

    stats_hex(&st, "hash", 0xdeadbeefULL);
    stats_hex(&st, "all", UINT64_MAX);
    ASSERT_RENDER(members(&st), "\"hash\":\"00000000deadbeef\",\"all\":\"ffffffffffffffff\"");
    ASSERT_RENDER(prom(&st, "a", "k"), "");
    stats_release(&st);
}
END_TEST

/* ---- groups ----------------------------------------------------------------------- */

START_TEST(test_group)
{
    struct stats st = STATS_INIT;

    stats_int(&st, "before", 1);
    stats_group_begin(&st, "position");
    stats_int(&st, "BTCUSD", 3);
    stats_int(&st, "ETHUSD", -2);
    stats_text(&st, "note", "x");
    stats_group_end(&st);
    stats_group_begin(&st, "empty");
    stats_group_end(&st);
    stats_uint(&st, "after", 2);
    ASSERT_RENDER(members(&st),
                  "\"before\":1,\"position\":{\"BTCUSD\":3,\"ETHUSD\":-2,\"note\":\"x\"},"
                  "\"empty\":{},\"after\":2");
    ASSERT_RENDER(text(&st),
                  "{\"before\":1,\"position\":{\"BTCUSD\":3,\"ETHUSD\":-2,\"note\":\"x\"},"
                  "\"empty\":{},\"after\":2}");
    ASSERT_RENDER(prom(&st, "a", "k"),
                  S "\"before\"} 1\n"
                  S "\"position.BTCUSD\"} 3\n"
                  S "\"position.ETHUSD\"} -2\n"
                  S "\"after\"} 2\n");
    stats_release(&st);
}
END_TEST

START_TEST(test_empty)
{
    struct stats st = STATS_INIT;

    ASSERT_RENDER(members(&st), "");
    ASSERT_RENDER(text(&st), "{}");
    ASSERT_RENDER(prom(&st, "a", "k"), "");
    stats_release(&st);
}
END_TEST

/* ---- stats_add: a kind's function, names borrowed, misuse ----------------------- */

/* What runtime_stats does for a kind that does not trade. */
static void collect(struct stats *st, const struct actor_kind *kind, const void *state)
{
    stats_reset(st);
    stats_add(st, kind, state);
}

static void borrowing_stats(const void *state, struct stats *out)
{
    const int *n = state;
    char name[16];

    for (int i = 0; i < *n; i++) {
        snprintf(name, sizeof name, "s%d", i);   /* reused buffer: copied */
        stats_int(out, name, i);
    }
    snprintf(name, sizeof name, "note");
    stats_text(out, "text", name);
    snprintf(name, sizeof name, "clobbered");
}

static void nested_stats(const void *state, struct stats *out)
{
    (void)state;
    stats_group_end(out);                  /* no group open: ignored */
    stats_group_begin(out, "outer");
    stats_int(out, "a", 1);
    stats_group_begin(out, "inner");       /* one level only: dropped... */
    stats_int(out, "b", 2);
    stats_group_end(out);
    stats_int(out, "c", 3);                /* ...and the outer goes on */
    stats_group_end(out);
    stats_group_begin(out, "open");        /* closed by stats_add */
    stats_int(out, "d", 4);
}

START_TEST(test_collect)
{
    static const struct actor_kind borrowing = {.name = "borrowing", .stats = borrowing_stats};
    static const struct actor_kind nested = {.name = "nested", .stats = nested_stats};
    static const struct actor_kind none = {.name = "none"};
    struct stats st = STATS_INIT;
    int n = 40;
    char *first;

    collect(&st, &borrowing, &n);
    first = members(&st);
    ck_assert_ptr_nonnull(strstr(first, "\"s0\":0,\"s1\":1,"));
    ck_assert_ptr_nonnull(strstr(first, ",\"s39\":39,\"text\":\"note\""));
    /* the sink is reused: the same figures again, nothing left over */
    collect(&st, &borrowing, &n);
    ASSERT_RENDER(members(&st), first);
    free(first);

    collect(&st, &nested, NULL);
    ASSERT_RENDER(text(&st), "{\"outer\":{\"a\":1,\"c\":3},\"open\":{\"d\":4}}");
    ASSERT_RENDER(prom(&st, "a", "k"),
                  S "\"outer.a\"} 1\n" S "\"outer.c\"} 3\n" S "\"open.d\"} 4\n");

    collect(&st, &none, NULL);
    ASSERT_RENDER(text(&st), "{}");
    stats_release(&st);
}
END_TEST

START_TEST(test_labels_escaped)
{
    struct stats st = STATS_INIT;

    stats_group_begin(&st, "pos\"x");
    stats_int(&st, "a\\b\nc", 1);
    stats_group_end(&st);
    ASSERT_RENDER(prom(&st, "id\"1", "k\\"),
                  "stratd_actor_stat{actor=\"id\\\"1\",kind=\"k\\\\\","
                  "stat=\"pos\\\"x.a\\\\b\\nc\"} 1\n");
    stats_release(&st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats");
    TCase *tc;

    tc = tu_tcase(s, "types");
    tcase_add_test(tc, test_ints);
    tcase_add_test(tc, test_doubles);
    tcase_add_test(tc, test_bools);
    tcase_add_test(tc, test_text_escaped);
    tcase_add_test(tc, test_hex);

    tc = tu_tcase(s, "groups");
    tcase_add_test(tc, test_group);
    tcase_add_test(tc, test_empty);

    tc = tu_tcase(s, "sink");
    tcase_add_test(tc, test_collect);
    tcase_add_test(tc, test_labels_escaped);
    return tu_run(s);
}
