/* Must compile: a service sees the public API, service.h and its helpers. */
#include "service.h"
#include "conn.h"

int64_t probe_ok(void) { return service_wall_ns(); }
