/* registry.c — lookup in the kind tables (the tables themselves live in
 * services/registry.c and strategies/registry.c). */
#include <string.h>

#include "registry.h"

const struct actor_kind *registry_find(const struct actor_kind *const *table,
                                       const char *name)
{
    if (!table || !name)
        return NULL;
    for (; *table; table++)
        if (strcmp((*table)->name, name) == 0)
            return *table;
    return NULL;
}
