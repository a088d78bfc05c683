/* Must not compile: a service includes "runtime.h". */
#include "runtime.h"

int probe_bad;
