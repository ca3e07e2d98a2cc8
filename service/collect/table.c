/* table.c — the providers the build found, by name, and the functions of each: the two tables
 * generated from service/collect/<name>/info.c and provider.c (build/generated/providers.c,
 * provider_ops.c). Only ism_provider_ops_of names the second, so a program that lists or
 * describes the providers (ismapctl) does not link the collectors. */
#include "ismap/provider.h"

#include <string.h>

extern const ism_provider *const ism_provider_table_[];
extern const ism_provider_ops *const ism_provider_ops_table_[];

const ism_provider *const *ism_providers(size_t *n)
{
    size_t k = 0;
    while (ism_provider_table_[k])
        k++;
    if (n) *n = k;
    return ism_provider_table_;
}

const ism_provider *ism_provider_find(const char *name)
{
    for (size_t i = 0; name && ism_provider_table_[i]; i++)
        if (!strcmp(ism_provider_table_[i]->name, name)) return ism_provider_table_[i];
    return NULL;
}
