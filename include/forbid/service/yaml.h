/* Build rule (DESIGN.md, Layout): strategies and services never touch the
 * journal or the YAML parser. This file stands in for <yaml.h> on their
 * include path. */
#error "strategies and services may not include <yaml.h>: the journal and the topology belong to the daemon"
