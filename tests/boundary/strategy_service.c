/* Must not compile: a strategy includes <stratd/service.h>. */
#include <stratd/service.h>

int probe_bad;
