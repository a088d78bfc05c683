/* json.c — see json.h. Out of memory aborts: replies are small. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void put(struct json *j, const char *s, size_t n)
{
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap < j->len + n + 1)
            cap *= 2;
        j->buf = realloc(j->buf, cap);
        if (!j->buf)
            abort();
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void puts_(struct json *j, const char *s)
{
    put(j, s, strlen(s));
}

/* Before any value or key: the separating comma. */
static void sep(struct json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (!j->first[j->depth])
            put(j, ",", 1);
        j->first[j->depth] = false;
    }
}

void json_init(struct json *j)
{
    memset(j, 0, sizeof *j);
    put(j, "", 0);
}

void json_release(struct json *j)
{
    free(j->buf);
    memset(j, 0, sizeof *j);
}

char *json_take(struct json *j)
{
    char *s = j->buf;
    memset(j, 0, sizeof *j);
    return s;
}

static void open_(struct json *j, char c)
{
    sep(j);
    put(j, &c, 1);
    if (j->depth + 1 < JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
    put(j, &c, 1);
    if (j->depth > 0)
        j->depth--;
}

void json_obj_begin(struct json *j) { open_(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr_begin(struct json *j) { open_(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

static void quoted(struct json *j, const char *s)
{
    char esc[8];

    put(j, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c;
            put(j, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            puts_(j, esc);
        } else {
            put(j, (const char *)&c, 1);
        }
    }
    put(j, "\"", 1);
}

void json_raw(struct json *j, const char *s)
{
    puts_(j, s);
}

void json_raw_value(struct json *j, const char *s)
{
    sep(j);
    puts_(j, s);
}

void json_key(struct json *j, const char *key)
{
    sep(j);
    quoted(j, key);
    put(j, ":", 1);
    j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
    sep(j);
    if (s)
        quoted(j, s);
    else
        puts_(j, "null");
}

void json_int(struct json *j, int64_t v)
{
    char b[32];
    sep(j);
    snprintf(b, sizeof b, "%" PRId64, v);
    puts_(j, b);
}

void json_uint(struct json *j, uint64_t v)
{
    char b[32];
    sep(j);
    snprintf(b, sizeof b, "%" PRIu64, v);
    puts_(j, b);
}

void json_double(struct json *j, double v)
{
    char b[40];
    sep(j);
    if (!isfinite(v)) {
        puts_(j, "null");
        return;
    }
    snprintf(b, sizeof b, "%.10g", v);
    puts_(j, b);
}

void json_bool(struct json *j, bool v)
{
    sep(j);
    puts_(j, v ? "true" : "false");
}

void json_null(struct json *j)
{
    sep(j);
    puts_(j, "null");
}

void json_hex64(struct json *j, uint64_t v)
{
    char b[24];
    sep(j);
    snprintf(b, sizeof b, "\"%016" PRIx64 "\"", v);
    puts_(j, b);
}
