/*
 * fuzz_topology.c — the YAML topology loader (topology_load: yamlwalk.c,
 * params.c, topology.c) on any file content.
 *
 * The loader reads a path, so the input is written to a memfd and loaded
 * through /proc/self/fd. A load either succeeds with the required fields
 * set, or fails with one "FILE:LINE:COL: message" line; both leave nothing
 * allocated (LeakSanitizer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "topology.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    struct topology t;
    char err[512];

    if (fd < 0) {
        fd = memfd_create("topology.yaml", 0);
        check(fd >= 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    check(ftruncate(fd, 0) == 0);
    check(pwrite(fd, data, size, 0) == (ssize_t)size);
    if (topology_load(&t, path, NULL, err, sizeof err) == 0) {
        check(t.journal_path && t.control_socket && t.metrics_listen && t.log_level);
        for (size_t i = 0; i < t.n_actors; i++)
            check(t.actors[i].id && t.actors[i].kind && t.actors[i].params_canon);
        check(topology_find(&t, "\x01") == -1);
        topology_release(&t);
    } else {
        size_t n = strlen(path);
        check(strncmp(err, path, n) == 0 && err[n] == ':');
        check(strchr(err, '\n') == NULL);
    }
    return 0;
}
