/*
 * rebuild.h — step 3 of a restart: replay the journal into the actors.
 *
 * Entries are scanned in lsn order and decoded once each (entry_decode.c's
 * fast path, else protobuf-c into an arena reset per entry). Each receiver whose watermark is ≥ the entry's lsn
 * handles it in replay mode: its clock is the entry's time, its sends are
 * dropped. Receivers whose watermark is below it get the entry in their
 * mailbox instead, for runtime_go_live() to deliver live. Receivers that are
 * no longer in the topology are skipped.
 */
#ifndef STRATD_REBUILD_H
#define STRATD_REBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

/* Called every few thousand entries and once at the end; a nonzero return
 * stops the rebuild (a stop was requested). */
typedef int (*rebuild_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* 0; 1 when progress asked to stop; -1 with err filled (an undecodable
 * entry). Fills rt->rebuild. */
int rebuild_run(struct runtime *rt, rebuild_progress_fn progress, void *arg,
                char *err, size_t errlen);

#endif
