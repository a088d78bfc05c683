/* Must not compile: a service includes "journal.h". */
#include "journal.h"

int probe_bad;
