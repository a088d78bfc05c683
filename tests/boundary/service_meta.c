/* Must not compile: a service includes "meta.h". */
#include "meta.h"

int probe_bad;
