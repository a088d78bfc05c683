/* Build rule (DESIGN.md, Layout): strategies and services never touch the
 * journal or the YAML parser. This file stands in for <rocksdb/c.h> on their
 * include path. */
#error "strategies and services may not include <rocksdb/c.h>: the journal and the topology belong to the daemon"
