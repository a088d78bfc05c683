/*
 * orders.h — what other modules need to know of the orders service.
 */
#ifndef STRATD_ORDERS_H
#define STRATD_ORDERS_H

#include <stdint.h>

/* The client order id of the order requested by the entry at `lsn` from the
 * actor whose stable key (hash of its uuid) is `owner_key`: the same request
 * always gets the same id, nonzero, below 2^63. */
static inline uint64_t orders_client_order_id(uint64_t owner_key, uint64_t lsn)
{
    uint64_t h = owner_key ^ (lsn + 0x9e3779b97f4a7c15ull + (owner_key << 6) + (owner_key >> 2));
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    h >>= 1;
    return h ? h : 1;
}

#ifdef STRATD_TEST_HOOKS
/* Test builds only (fault injection): kill the process when the nth order
 * accepted by this process's orders services is about to be sent, i.e.
 * after the batch that accepted it is committed and before its bytes
 * leave. 0: off. */
void orders_test_crash_before_send(uint64_t nth);
#endif

#endif
