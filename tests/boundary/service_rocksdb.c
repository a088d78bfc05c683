/* Must not compile: a service includes <rocksdb/c.h>. */
#include <rocksdb/c.h>

int probe_bad;
