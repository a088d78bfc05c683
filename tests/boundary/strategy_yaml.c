/* Must not compile: a strategy includes <yaml.h>. */
#include <yaml.h>

int probe_bad;
