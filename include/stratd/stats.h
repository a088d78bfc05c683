/*
 * stats.h — how a kind reports its key figures: a typed list of named
 * values, written by the kind's `stats` function (see actor.h) and rendered
 * by the daemon for `stratctl actors` (text and JSON, under "stats") and
 * for Prometheus (the `stratd_actor_stat{actor,kind,stat}` gauges).
 *
 *     static void my_stats(const void *state, struct stats *out)
 *     {
 *         const struct my_state *s = state;
 *         stats_int(out, "signal", s->signal);
 *         stats_double(out, "fast_ma", s->fast_ma);
 *         stats_group_begin(out, "position");
 *         for (size_t i = 0; i < s->n; i++)
 *             stats_int(out, s->sym[i], s->qty[i]);
 *         stats_group_end(out);
 *     }
 *
 * gives `"stats": {"signal": 1, "fast_ma": 101.5, "position": {"BTCUSD": 3}}`
 * and the gauges stat="signal", stat="fast_ma", stat="position.BTCUSD".
 *
 * Names and texts are borrowed only for the call that passes them (the sink
 * copies them), so a kind may format a name into a local buffer. Figures
 * appear in the order written. The sink belongs to the daemon: a kind only
 * writes into the one it is handed.
 */
#ifndef STRATD_STATS_H
#define STRATD_STATS_H

#include <stdbool.h>
#include <stdint.h>

struct stats;

/* Numbers: JSON numbers, text, and a gauge each. */
void stats_int(struct stats *s, const char *name, int64_t v);
void stats_uint(struct stats *s, const char *name, uint64_t v);
/* Shown with 10 significant digits; NaN and infinities as null (no gauge). */
void stats_double(struct stats *s, const char *name, double v);
/* true/false; the gauge is 1/0. */
void stats_bool(struct stats *s, const char *name, bool v);

/* Shown only (JSON and text, never a gauge). */
void stats_text(struct stats *s, const char *name, const char *text);  /* NULL: null */
void stats_hex(struct stats *s, const char *name, uint64_t v);  /* "0123456789abcdef" */

/* One level of grouping: the figures written between begin and end are
 * members of the object `name` (JSON) and gauges `name.member`. A begin
 * inside a group is a bug: that inner group and its figures are dropped.
 * A group left open is closed when the kind's stats function returns. */
void stats_group_begin(struct stats *s, const char *name);
void stats_group_end(struct stats *s);

#endif
