/* ops_table.c — the op table: every op of the service, by room, in one place. The nng server
 * and the HTTP gateway both dispatch through ism_rpc_find_op, so there is one way in. A room
 * adds its ops as one section (an array in its ops_<room>.c) and one line here. */
#include "ops.h"

#include <string.h>

static const ism_op *const sections[] = {
    ism_ops_core,     ism_ops_catalog, ism_ops_snapshot, ism_ops_collect,
    ism_ops_evidence, ism_ops_matrix,  ism_ops_eval,     ism_ops_engagement,
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

const ism_op *ism_rpc_find_op(const char *name)
{
    for (size_t i = 0; i < NSECTIONS; i++)
        for (const ism_op *op = sections[i]; op->name; op++)
            if (strcmp(op->name, name) == 0) return op;
    return NULL;
}

void ism_rpc_foreach_op(void (*fn)(const ism_op *op, void *ctx), void *ctx)
{
    for (size_t i = 0; i < NSECTIONS; i++)
        for (const ism_op *op = sections[i]; op->name; op++)
            fn(op, ctx);
}
