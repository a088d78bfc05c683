/* Must not compile: a service includes "topology.h". */
#include "topology.h"

int probe_bad;
