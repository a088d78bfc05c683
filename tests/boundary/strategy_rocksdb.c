/* Must not compile: a strategy includes <rocksdb/c.h>. */
#include <rocksdb/c.h>

int probe_bad;
