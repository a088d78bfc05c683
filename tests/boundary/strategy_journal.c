/* Must not compile: a strategy includes "journal.h". */
#include "journal.h"

int probe_bad;
