/*
 * service.h — what a service kind may use beyond actor.h.
 *
 * A service is the bridge to the outside world: it may own libuv handles
 * (sockets, timers) and it turns outside events into messages with
 * actor_send*() called from its libuv callbacks. To keep its own state
 * replayable, an outside event that changes the service's state is sent to
 * the service itself too (it is one of the entry's receivers), and the state
 * changes only in on_message. Services never touch the journal or YAML.
 */
#ifndef STRATD_SERVICE_H
#define STRATD_SERVICE_H

#include <uv.h>

#include "actor.h"

struct service_ops {
    /* Rebuild is over and the replayed backlog handled: (re)arm timers,
     * connect sockets. Called once. */
    void (*go_live)(struct actor *a, void *state, uv_loop_t *loop);
    /* Stop input: close handles; no more sends after this returns. */
    void (*stop)(struct actor *a, void *state);
    /* NULL when all is well, else a short phrase for the operator
     * ("not connected to 127.0.0.1:7001"); shown in systemd's STATUS=.
     * May be NULL. */
    const char *(*health)(const void *state);
};

/* True while the actor is being rebuilt (its handlers must not act on the
 * outside world). */
bool actor_replaying(const struct actor *a);

/* True once go_live ran and until stop. */
bool actor_live(const struct actor *a);

/* The wall clock, for services only (the clock of outside events). */
int64_t service_wall_ns(void);

/* Run fn(arg) after the batch holding everything sent so far is committed
 * (and synced under fsync: always): output commit for bytes that leave the
 * process. */
void service_after_commit(struct actor *a, void (*fn)(void *arg), void *arg);

#endif
