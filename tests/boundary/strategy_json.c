/* Must not compile: a strategy includes the daemon's JSON writer. */
#include "json.h"

int probe_bad;
