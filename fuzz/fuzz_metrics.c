/*
 * fuzz_metrics.c — the metrics endpoint's HTTP request-head parser
 * (metrics_parse_head, daemon/metrics.c), fed as on_read feeds it.
 *
 * Byte 0 seeds the chunk sizes; the rest arrives in chunks into a buffer of
 * METRICS_MAX_HEAD bytes, the parser judging the head after each, until it
 * answers or the bytes run out. A head is judged complete only once a blank
 * line is in; 200 only for GET or HEAD of /metrics.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum metrics_verdict v = METRICS_MORE;
    unsigned seed;
    size_t off = 1, len = 0;
    char *head;

    if (size < 1)
        return 0;
    seed = data[0];
    head = malloc(METRICS_MAX_HEAD);
    check(head != NULL);
    while (v == METRICS_MORE && off < size) {
        size_t n = size - off;

        seed = seed * 1103515245u + 12345u;
        if (seed & 0x10000)
            n = 1 + (seed >> 17) % 64;
        if (n > size - off)
            n = size - off;
        if (n > METRICS_MAX_HEAD - 1 - len)   /* on_alloc's room */
            n = METRICS_MAX_HEAD - 1 - len;
        memcpy(head + len, data + off, n);
        off += n;
        len += n;
        v = metrics_parse_head(head, len);
        check(head[len] == '\0');
        check(v != METRICS_MORE || len < METRICS_MAX_HEAD - 1);
    }
    if (v != METRICS_MORE && v != METRICS_BAD_REQUEST && v != METRICS_TOO_LARGE)
        check(strstr(head, "\n\n") || strstr(head, "\r\n\r\n"));
    if (v == METRICS_OK)
        check(strstr(head, "/metrics") && (strstr(head, "GET") || strstr(head, "HEAD")));
    free(head);
    return 0;
}
