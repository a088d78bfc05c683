/*
 * fuzz_control.c — the control socket's request parser
 * (control_parse_request, daemon/control.c) on any bytes a client may send.
 *
 * The parser gets what on_read collects: at most CONTROL_MAX_REQUEST - 1
 * bytes in a buffer one byte longer, so a write past it is caught. A
 * parsed request names a known operation, and an actor request carries a
 * non-empty id inside the buffer, with no line end in it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct control_request r;
    char *line;
    size_t n = size < CONTROL_MAX_REQUEST - 1 ? size : CONTROL_MAX_REQUEST - 1;

    line = malloc(n + 1);
    check(line != NULL);
    memcpy(line, data, n);
    control_parse_request(line, n, &r);
    switch (r.op) {
    case CONTROL_STATUS:
    case CONTROL_ACTORS:
    case CONTROL_UNKNOWN:
        check(r.arg == NULL);
        break;
    case CONTROL_ACTOR:
        check(r.arg != NULL && r.arg > line && r.arg <= line + n && *r.arg != '\0');
        check(strlen(r.arg) <= (size_t)(line + n - r.arg));
        check(strpbrk(r.arg, "\r\n") == NULL);
        break;
    default:
        check(0);
    }
    check(!r.text || (n >= 5 && memcmp(data, "text ", 5) == 0));
    free(line);
    return 0;
}
