/* Must not compile: a strategy includes <uv.h>. */
#include <uv.h>

int probe_bad;
