/*
 * fuzz_topology.c — the YAML topology loader (topology_load: yamlwalk.c,
 * params.c, topology.c) on any file content.
 *
 * The input is the file's text (topology_load_text: what topology_load
 * does once it has read the file). A load either succeeds with the required fields
 * set, or fails with one "FILE:LINE:COL: message" line (no control
 * characters); both leave nothing
 * allocated (LeakSanitizer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char path[] = "fuzz.yaml";
    struct topology t;
    char err[512];

    if (topology_load_text(&t, path, size ? (const void *)data : "", size, NULL, err,
                           sizeof err) == 0) {
        check(t.journal_path && t.control_socket && t.metrics_listen && t.log_level);
        for (size_t i = 0; i < t.n_actors; i++)
            check(t.actors[i].id && t.actors[i].kind && t.actors[i].params_canon);
        check(topology_find(&t, "\x01") == -1);
        topology_release(&t);
    } else {
        size_t n = strlen(path);
        check(strncmp(err, path, n) == 0 && err[n] == ':');
        for (const char *c = err; *c; c++)
            check((unsigned char)*c >= 0x20 && *c != 0x7f);
    }
    return 0;
}
