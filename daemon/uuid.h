/*
 * uuid.h — RFC 4122 name-based UUIDs (version 5, SHA-1). An actor's identity
 * on disk is uuid_v5(STRATD_NS, its YAML id): stable across restarts and
 * config reorders.
 */
#ifndef STRATD_UUID_H
#define STRATD_UUID_H

#include <stddef.h>
#include <stdint.h>

extern const uint8_t uuid_ns_stratd[16];

void uuid_v5(uint8_t out[16], const uint8_t ns[16], const char *name, size_t len);
/* out gets 36 characters and a NUL. */
void uuid_format(char out[37], const uint8_t u[16]);

/* SHA-1 of a buffer (used by uuid_v5). */
void sha1(uint8_t out[20], const void *data, size_t len);

#endif
