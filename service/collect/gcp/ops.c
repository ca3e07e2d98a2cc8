/* ops.c — the Google Cloud operations the collector calls, as data: the REST path under each
 * API's base URL, the answer's list field and page parameter, the resource type written, the
 * IAM permission needed (docs/gcp-permissions.md lists the same) and the per-project quota
 * the collector keeps to. */
#include "gcp_int.h"

#include <string.h>

static const gcp_op OPS[] = {
    {"cloudresourcemanager", "projects.getIamPolicy", "resourcemanager.projects.getIamPolicy",
     "resourcemanager.IamPolicy", GCP_GLOBAL, "POST", "/v3/projects/{p}:getIamPolicy", NULL, NULL,
     0, NULL, NULL, NULL, 5},
    {"serviceusage", "services.list", "serviceusage.services.list", "serviceusage.Service",
     GCP_GLOBAL, "GET", "/v1/projects/{p}/services?filter=state:ENABLED", "services", "pageSize",
     200, NULL, NULL, NULL, 3},
    {"compute", "regions.list", "compute.regions.list", "compute.Region", GCP_GLOBAL, "GET",
     "/compute/v1/projects/{p}/regions", "items", "maxResults", 500, NULL, NULL, NULL, 20},
    {"compute", "networks.list", "compute.networks.list", "compute.Network", GCP_GLOBAL, "GET",
     "/compute/v1/projects/{p}/global/networks", "items", "maxResults", 500, NULL, NULL, NULL, 20},
    {"compute", "subnetworks.list", "compute.subnetworks.list", "compute.Subnetwork", GCP_REGIONAL,
     "GET", "/compute/v1/projects/{p}/regions/{r}/subnetworks", "items", "maxResults", 500, NULL,
     NULL, NULL, 20},
    {"compute", "firewalls.list", "compute.firewalls.list", "compute.Firewall", GCP_GLOBAL, "GET",
     "/compute/v1/projects/{p}/global/firewalls", "items", "maxResults", 500, NULL, NULL, NULL, 20},
    {"compute", "routes.list", "compute.routes.list", "compute.Route", GCP_GLOBAL, "GET",
     "/compute/v1/projects/{p}/global/routes", "items", "maxResults", 500, NULL, NULL, NULL, 20},
    {"compute", "instances.list", "compute.instances.list", "compute.Instance", GCP_ZONAL, "GET",
     "/compute/v1/projects/{p}/zones/{x}/instances", "items", "maxResults", 500, "regions.list",
     NULL, NULL, 20},
    {"compute", "disks.list", "compute.disks.list", "compute.Disk", GCP_ZONAL, "GET",
     "/compute/v1/projects/{p}/zones/{x}/disks", "items", "maxResults", 500, "regions.list", NULL,
     NULL, 20},
    {"storage", "buckets.list", "storage.buckets.list", "storage.Bucket", GCP_GLOBAL, "GET",
     "/storage/v1/b?project={p}", "items", "maxResults", 1000, NULL, NULL, NULL, 20},
    {"storage", "buckets.getIamPolicy", "storage.buckets.getIamPolicy", "storage.BucketIamPolicy",
     GCP_CHILD, "GET", "/storage/v1/b/{x}/iam", NULL, NULL, 0, "buckets.list", NULL, "name", 20},
    {"logging", "sinks.list", "logging.sinks.list", "logging.Sink", GCP_GLOBAL, "GET",
     "/v2/projects/{p}/sinks", "sinks", "pageSize", 200, NULL, NULL, NULL, 10},
    {"logging", "locations.buckets.list", "logging.buckets.list", "logging.LogBucket", GCP_GLOBAL,
     "GET", "/v2/projects/{p}/locations/-/buckets", "buckets", "pageSize", 200, NULL, NULL, NULL,
     10},
    {"cloudkms", "keyRings.list", "cloudkms.keyRings.list", "cloudkms.KeyRing", GCP_REGIONAL, "GET",
     "/v1/projects/{p}/locations/{r}/keyRings", "keyRings", "pageSize", 1000, NULL, NULL, NULL, 10},
    {"cloudkms", "cryptoKeys.list", "cloudkms.cryptoKeys.list", "cloudkms.CryptoKey", GCP_REGIONAL,
     "GET", "/v1/{x}/cryptoKeys", "cryptoKeys", "pageSize", 1000, "keyRings.list", NULL, "name",
     10},
    {"iam", "serviceAccounts.list", "iam.serviceAccounts.list", "iam.ServiceAccount", GCP_GLOBAL,
     "GET", "/v1/projects/{p}/serviceAccounts", "accounts", "pageSize", 100, NULL, NULL, NULL, 10},
    {"iam", "serviceAccountKeys.list", "iam.serviceAccountKeys.list", "iam.ServiceAccountKey",
     GCP_CHILD, "GET", "/v1/{x}/keys?keyTypes=USER_MANAGED", "keys", NULL, 0,
     "serviceAccounts.list", NULL, "name", 10},
    {"orgpolicy", "policies.getEffectivePolicy", "orgpolicy.policy.get", "orgpolicy.Policy",
     GCP_EACH, "GET", "/v2/projects/{p}/policies/{x}:getEffectivePolicy", NULL, NULL, 0, NULL, NULL,
     NULL, 10},
    {"backupdr", "backupPlans.list", "backupdr.backupPlans.list", "backupdr.BackupPlan",
     GCP_REGIONAL, "GET", "/v1/projects/{p}/locations/{r}/backupPlans", "backupPlans", "pageSize",
     500, "services.list", "backupdr.googleapis.com", NULL, 5},
};

/* Read while walking the organization (account = the organization or folder). */
const gcp_op ism_gcp_tree_ops[] = {
    {"cloudresourcemanager", "organizations.get", "resourcemanager.organizations.get",
     "resourcemanager.Organization", GCP_GLOBAL, "GET", "/v3/{x}", NULL, NULL, 0, NULL, NULL, NULL,
     5},
    {"cloudresourcemanager", "organizations.getIamPolicy",
     "resourcemanager.organizations.getIamPolicy", "resourcemanager.IamPolicy", GCP_GLOBAL, "POST",
     "/v3/{x}:getIamPolicy", NULL, NULL, 0, NULL, NULL, NULL, 5},
    {"cloudresourcemanager", "folders.getIamPolicy", "resourcemanager.folders.getIamPolicy",
     "resourcemanager.IamPolicy", GCP_GLOBAL, "POST", "/v3/{x}:getIamPolicy", NULL, NULL, 0, NULL,
     NULL, NULL, 5},
    {"cloudresourcemanager", "folders.list", "resourcemanager.folders.list",
     "resourcemanager.Folder", GCP_GLOBAL, "GET", "/v3/folders?parent={x}", "folders", "pageSize",
     1000, NULL, NULL, NULL, 5},
    {"cloudresourcemanager", "projects.list", "resourcemanager.projects.list",
     "resourcemanager.Project", GCP_GLOBAL, "GET", "/v3/projects?parent={x}", "projects",
     "pageSize", 1000, NULL, NULL, NULL, 5},
    {"cloudresourcemanager", "projects.get", "resourcemanager.projects.get",
     "resourcemanager.Project", GCP_GLOBAL, "GET", "/v3/projects/{x}", NULL, NULL, 0, NULL, NULL,
     NULL, 5},
    /* Security Command Center's sources of findings (its built-in services once it is
       activated), read on the organization */
    {"securitycenter", "sources.list", "securitycenter.sources.list", "securitycenter.Source",
     GCP_GLOBAL, "GET", "/v1/{x}/sources", "sources", "pageSize", 1000, NULL, NULL, NULL, 5},
    {NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, 0},
};

/* Cloud Asset Inventory's assets.list (cloudasset v1) on the scope's node ({x}: organizations/N,
 * folders/N or projects/ID), once per content type; the asset types asked for are appended
 * (ism_gcp_cai_types). ListAssets' quota is 100 per minute per consumer project (and 800 per
 * minute per organization): the collector keeps to 1.5/s with a burst of 10. */
const gcp_op ism_gcp_cai_ops[] = {
    {"cloudasset", "assets.listResource", "cloudasset.assets.listResource", NULL, GCP_GLOBAL, "GET",
     "/v1/{x}/assets?contentType=RESOURCE", "assets", "pageSize", 1000, NULL, NULL, NULL, 1.5},
    {"cloudasset", "assets.listIamPolicy", "cloudasset.assets.listIamPolicy", NULL, GCP_GLOBAL,
     "GET", "/v1/{x}/assets?contentType=IAM_POLICY", "assets", "pageSize", 1000, NULL, NULL, NULL,
     1.5},
    {NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, 0},
};

/* The per-service operations whose resources Cloud Asset Inventory gives (resource.data is the
 * service's REST resource; an IAM_POLICY asset's iamPolicy the getIamPolicy answer). */
const gcp_cai_type ism_gcp_cai_types[] = {
    {"serviceusage", "services.list", "serviceusage.googleapis.com/Service", false},
    {"compute", "networks.list", "compute.googleapis.com/Network", false},
    {"compute", "subnetworks.list", "compute.googleapis.com/Subnetwork", false},
    {"compute", "firewalls.list", "compute.googleapis.com/Firewall", false},
    {"compute", "routes.list", "compute.googleapis.com/Route", false},
    {"compute", "instances.list", "compute.googleapis.com/Instance", false},
    {"compute", "disks.list", "compute.googleapis.com/Disk", false},
    {"storage", "buckets.list", "storage.googleapis.com/Bucket", false},
    {"logging", "sinks.list", "logging.googleapis.com/LogSink", false},
    {"logging", "locations.buckets.list", "logging.googleapis.com/LogBucket", false},
    {"cloudkms", "keyRings.list", "cloudkms.googleapis.com/KeyRing", false},
    {"cloudkms", "cryptoKeys.list", "cloudkms.googleapis.com/CryptoKey", false},
    {"iam", "serviceAccounts.list", "iam.googleapis.com/ServiceAccount", false},
    {"iam", "serviceAccountKeys.list", "iam.googleapis.com/ServiceAccountKey", false},
    {"cloudresourcemanager", "projects.getIamPolicy", "cloudresourcemanager.googleapis.com/Project",
     true},
    {"storage", "buckets.getIamPolicy", "storage.googleapis.com/Bucket", true},
    {NULL, NULL, NULL, false},
};

const gcp_cai_type *ism_gcp_cai_type_of(const char *operation, const char *asset_type, bool iam)
{
    for (const gcp_cai_type *t = ism_gcp_cai_types; t->operation; t++) {
        if (operation && !strcmp(t->operation, operation)) return t;
        if (asset_type && t->iam_policy == iam && !strcmp(t->asset_type, asset_type)) return t;
    }
    return NULL;
}

const char *const ism_gcp_constraints[] = {
    "gcp.resourceLocations",
    "compute.vmExternalIpAccess",
    "iam.disableServiceAccountKeyCreation",
    "storage.publicAccessPrevention",
    NULL,
};

const gcp_op *ism_gcp_ops(size_t *n)
{
    *n = sizeof OPS / sizeof OPS[0];
    return OPS;
}

const gcp_op *ism_gcp_op_find(const char *operation)
{
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
        if (!strcmp(OPS[i].operation, operation)) return &OPS[i];
    for (const gcp_op *o = ism_gcp_tree_ops; o->operation; o++)
        if (!strcmp(o->operation, operation)) return o;
    for (const gcp_op *o = ism_gcp_cai_ops; o->operation; o++)
        if (!strcmp(o->operation, operation)) return o;
    return NULL;
}
