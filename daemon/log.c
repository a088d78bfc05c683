/* log.c — see log.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static enum log_level max_level = LOG_INFO;
static int journald = -1;   /* unknown until the first line */

void log_init(enum log_level level)
{
    max_level = level;
}

enum log_level log_max_level(void)
{
    return max_level;
}

int log_parse_level(const char *s, enum log_level *out)
{
    static const struct { const char *name; enum log_level level; } names[] = {
        {"error", LOG_ERROR}, {"warn", LOG_WARN}, {"info", LOG_INFO}, {"debug", LOG_DEBUG},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    return -1;
}

static const char *level_name(enum log_level l)
{
    switch (l) {
    case LOG_ERROR: return "error";
    case LOG_WARN:  return "warn";
    case LOG_INFO:  return "info";
    default:        return "debug";
    }
}

void log_vmsg(enum log_level level, const char *tag, const char *fmt, va_list ap)
{
    char line[2048];
    int n = 0;

    if (level > max_level)
        return;
    if (journald < 0)
        journald = getenv("JOURNAL_STREAM") != NULL;
    if (journald) {
        n = snprintf(line, sizeof line, "<%d>", (int)level);
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        n = snprintf(line, sizeof line, "%02d:%02d:%02d.%03ld %-5s ", tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level_name(level));
    }
    if (tag && n < (int)sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, "[%s] ", tag);
    if (n < (int)sizeof line)
        n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    if (n >= (int)sizeof line - 1)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    fwrite(line, 1, (size_t)n, stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, NULL, fmt, ap);
    va_end(ap);
}
