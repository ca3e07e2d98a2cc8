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
    {NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, 0},
};

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
    return NULL;
}
