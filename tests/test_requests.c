/*
 * test_requests.c — the request parsers of the control socket
 * (control_parse_request) and of the metrics endpoint
 * (metrics_parse_head): what each makes of a client's bytes, decided
 * before any reply is rendered. Also fuzzed (fuzz/fuzz_control.c,
 * fuzz/fuzz_metrics.c); these are the cases that matter to stratctl and
 * scrapers.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "metrics.h"

#include "testutil.h"

/* Parse a copy of s (the parser writes into its line). */
static struct control_request parse(const char *s, char *line)
{
    struct control_request r;
    size_t n = strlen(s);

    memcpy(line, s, n);
    control_parse_request(line, n, &r);
    return r;
}

START_TEST(test_control_ops)
{
    char line[CONTROL_MAX_REQUEST];
    struct control_request r;

    r = parse("status\n", line);
    ck_assert_int_eq(r.op, CONTROL_STATUS);
    ck_assert(!r.text);
    r = parse("text actors\r\n", line);
    ck_assert_int_eq(r.op, CONTROL_ACTORS);
    ck_assert(r.text);
    r = parse("actor btc-sma\nstatus\n", line);
    ck_assert_int_eq(r.op, CONTROL_ACTOR);
    ck_assert_str_eq(r.arg, "btc-sma");
    r = parse("text actor md extra", line);   /* the id is the rest of the line */
    ck_assert_int_eq(r.op, CONTROL_ACTOR);
    ck_assert(r.text);
    ck_assert_str_eq(r.arg, "md extra");
    r = parse("status now\n", line);          /* words after status: ignored */
    ck_assert_int_eq(r.op, CONTROL_STATUS);
}
END_TEST

START_TEST(test_control_unknown)
{
    char line[CONTROL_MAX_REQUEST];
    static const char *const bad[] = {"", "\n", "actor\n", "actor \n", "Status\n",
                                      " status\n", "text\n", "text text status\n",
                                      "actorsx\n"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct control_request r = parse(bad[i], line);
        ck_assert_msg(r.op == CONTROL_UNKNOWN, "request %zu", i);
        ck_assert_ptr_null(r.arg);
    }
}
END_TEST

/* A line of the longest length on_read hands over: cut, not overrun. */
START_TEST(test_control_long)
{
    char *line = malloc(CONTROL_MAX_REQUEST);
    struct control_request r;
    size_t n = CONTROL_MAX_REQUEST - 1;

    memcpy(line, "actor ", 6);
    memset(line + 6, 'a', n - 6);
    control_parse_request(line, n, &r);
    ck_assert_int_eq(r.op, CONTROL_ACTOR);
    ck_assert_uint_eq(strlen(r.arg), n - 6);
    free(line);
}
END_TEST

static enum metrics_verdict head(const char *s)
{
    static char buf[METRICS_MAX_HEAD];
    size_t n = strlen(s);

    memcpy(buf, s, n);
    return metrics_parse_head(buf, n);
}

START_TEST(test_metrics_heads)
{
    ck_assert_int_eq(head("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), METRICS_OK);
    ck_assert_int_eq(head("HEAD /metrics HTTP/1.0\n\n"), METRICS_OK);
    ck_assert_int_eq(head("GET /metrics HTTP/1.1\r\nHost: x\r\n"), METRICS_MORE);
    ck_assert_int_eq(head("POST /metrics HTTP/1.1\r\n\r\n"), METRICS_NOT_ALLOWED);
    ck_assert_int_eq(head("GET / HTTP/1.1\r\n\r\n"), METRICS_NOT_FOUND);
    ck_assert_int_eq(head("GET /metrics SPDY/3\r\n\r\n"), METRICS_BAD_REQUEST);
    ck_assert_int_eq(head("GET /metrics\r\n\r\n"), METRICS_BAD_REQUEST);
    ck_assert_int_eq(head(""), METRICS_MORE);
}
END_TEST

START_TEST(test_metrics_limits)
{
    char *buf = malloc(METRICS_MAX_HEAD);
    static const char nul[] = "GET /metrics\0 HTTP/1.1\r\n\r\n";

    memcpy(buf, nul, sizeof nul - 1);
    ck_assert_int_eq(metrics_parse_head(buf, sizeof nul - 1), METRICS_BAD_REQUEST);
    memset(buf, 'x', METRICS_MAX_HEAD - 2);
    ck_assert_int_eq(metrics_parse_head(buf, METRICS_MAX_HEAD - 2), METRICS_MORE);
    memset(buf, 'x', METRICS_MAX_HEAD - 1);
    ck_assert_int_eq(metrics_parse_head(buf, METRICS_MAX_HEAD - 1), METRICS_TOO_LARGE);
    free(buf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("requests");
    TCase *tc;

    tc = tu_tcase(s, "control");
    tcase_add_test(tc, test_control_ops);
    tcase_add_test(tc, test_control_unknown);
    tcase_add_test(tc, test_control_long);

    tc = tu_tcase(s, "metrics");
    tcase_add_test(tc, test_metrics_heads);
    tcase_add_test(tc, test_metrics_limits);
    return tu_run(s);
}
