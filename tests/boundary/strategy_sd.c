/* Must not compile: a strategy includes <systemd/sd-daemon.h>. */
#include <systemd/sd-daemon.h>

int probe_bad;
