/* Must not compile: a strategy includes "runtime.h". */
#include "runtime.h"

int probe_bad;
