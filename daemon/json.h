/*
 * json.h — the daemon's small JSON writer into a growable buffer (control
 * socket replies, rendered stats, tools' reports). Not strategy API: kinds
 * report figures through <stratd/stats.h>. Commas are placed automatically; keys are written with
 * json_key() or the json_kv_* shorthands inside objects.
 */
#ifndef STRATD_JSON_H
#define STRATD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json {
    char *buf;
    size_t len, cap;
    int depth;
    bool first[JSON_MAX_DEPTH];  /* no member written yet at this depth */
    bool after_key;
};

void json_init(struct json *j);
void json_release(struct json *j);   /* frees buf */
char *json_take(struct json *j);     /* the NUL-terminated text; caller frees */

void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);

void json_str(struct json *j, const char *s);
/* Append text as is (no separator, no quoting). */
void json_raw(struct json *j, const char *s);
/* A value already rendered as JSON (separator placed as for any value). */
void json_raw_value(struct json *j, const char *s);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_hex64(struct json *j, uint64_t v);   /* "0123456789abcdef" */

static inline void json_kv_str(struct json *j, const char *k, const char *v) { json_key(j, k); json_str(j, v); }
static inline void json_kv_int(struct json *j, const char *k, int64_t v) { json_key(j, k); json_int(j, v); }
static inline void json_kv_uint(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_uint(j, v); }
static inline void json_kv_double(struct json *j, const char *k, double v) { json_key(j, k); json_double(j, v); }
static inline void json_kv_bool(struct json *j, const char *k, bool v) { json_key(j, k); json_bool(j, v); }
static inline void json_kv_hex64(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_hex64(j, v); }

#endif
