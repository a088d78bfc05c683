/*
 * log.h — one line per event on stderr: time, level, message. Under
 * systemd (JOURNAL_STREAM set) lines carry "<N>" priority prefixes instead
 * of the time, so journald records levels. Errors name the failing call and
 * the reason, once, where they are found.
 */
#ifndef STRATD_LOG_H
#define STRATD_LOG_H

#include <stdarg.h>

#include "actor.h"   /* enum log_level */

void log_init(enum log_level max_level);
int log_parse_level(const char *s, enum log_level *out);  /* 0 or -1 */
enum log_level log_max_level(void);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *tag, const char *fmt, va_list ap);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
