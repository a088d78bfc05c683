/* Must not compile: a service includes <yaml.h>. */
#include <yaml.h>

int probe_bad;
