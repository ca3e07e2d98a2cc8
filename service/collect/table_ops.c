/* table_ops.c — from a provider to its functions (the generated tables are in the same order;
 * table.c says why this is a file of its own). */
#include "ismap/provider.h"

#include <stdlib.h>

extern const ism_provider *const ism_provider_table_[];
extern const ism_provider_ops *const ism_provider_ops_table_[];

const ism_provider_ops *ism_provider_ops_of(const ism_provider *p)
{
    for (size_t i = 0; ism_provider_table_[i]; i++)
        if (ism_provider_table_[i] == p) return ism_provider_ops_table_[i];
    abort(); /* not a provider of the table: a programming error */
}
