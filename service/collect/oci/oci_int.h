/* oci_int.h — the OCI collector's operations table (ops.c) as the collector (collector.c) and the
 * provider adapter (provider.c) read it. */
#ifndef ISMAP_OCI_INT_H
#define ISMAP_OCI_INT_H

#include "ismap/oci.h"

typedef enum oci_scope {
    OCI_TENANCY = 1,     /* once, in the home region; recorded at region "global" */
    OCI_GLOBAL_PER_COMP, /* once per compartment, in the home region; region "global" */
    OCI_REGION_ONCE,     /* once per region */
    OCI_REGION_PER_COMP, /* once per region and compartment */
    OCI_CHILD_PER_ITEM,  /* once per item its parent listed */
    OCI_CHILD_PER_COMP,  /* once per compartment after its parent (once per region) answered */
} oci_scope;

typedef struct oci_op {
    const char *service;   /* endpoint service: "identity", "iaas", ... */
    const char *operation; /* the API's operation name: "ListVcns" */
    const char *path;      /* "/20160918/vcns?compartmentId={compartment}"; {tenancy},
                              {compartment} and {field} of the parent's item are filled in */
    oci_scope scope;
    const char *parent;     /* children: the parent's operation */
    const char *base_field; /* the parent item's field that is the base URL (Vault's
                               managementEndpoint); NULL: the service's endpoint */
    const char *type;       /* resource type written; NULL: none (a list only feeding children) */
    const char *id_field;   /* the item's id ("id"; NULL: the tenancy's OCID, or the region) */
    const char *parent_key; /* children: the parent's id copied into each item under this name */
    const char *permission; /* the IAM policy verb and resource-type: "inspect vcns" */
    bool paginated;
} oci_op;

/* The table, in the order the collector runs it (parents before their children). */
const oci_op *ism_oci_ops(size_t *n);
const oci_op *ism_oci_op_find(const char *operation);
/* Is op `o` global (recorded at region "global")? Children inherit their root's scope. */
bool ism_oci_op_global(const oci_op *o);

/* The collection itself (collector.c). */
typedef struct ism_oci_collect_opts {
    const char *profile, *config_file, *compartment, *endpoint_url;
    const char **regions; /* NULL-terminated or NULL: every subscribed region */
    const ism_collect_run *run;
} ism_oci_collect_opts;

bool ism_oci_collect(const ism_oci_collect_opts *o, struct ism_snapshot *snap,
                     ism_collect_stats *st, ism_error *err);

#endif
