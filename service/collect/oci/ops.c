/* ops.c — what the OCI collector reads, as data: each operation's service, REST path, how often
 * it runs (per tenancy, region, compartment, or per item of its parent), the resource type it
 * writes and the IAM policy permission it needs (docs/oci-permissions.md). */
#include "oci_int.h"

#include <string.h>

#define C "compartmentId={compartment}"
static const oci_op k_ops[] = {
    /* Identity: read in the home region, tenancy-wide. The first two run before the rest:
     * they say which regions and compartments there are. */
    {"identity", "ListRegionSubscriptions", "/20160918/tenancies/{tenancy}/regionSubscriptions",
     OCI_TENANCY, NULL, NULL, "identity.RegionSubscription", "regionName", NULL,
     "inspect tenancies", false},
    {"identity", "ListCompartments",
     "/20160918/compartments?compartmentId={tenancy}&compartmentIdInSubtree=true&accessLevel=ANY",
     OCI_TENANCY, NULL, NULL, "identity.Compartment", "id", NULL, "inspect compartments", true},
    {"identity", "GetTenancy", "/20160918/tenancies/{tenancy}", OCI_TENANCY, NULL, NULL,
     "identity.Tenancy", "id", NULL, "inspect tenancies", false},
    {"identity", "ListUsers", "/20160918/users?compartmentId={tenancy}", OCI_TENANCY, NULL, NULL,
     "identity.User", "id", NULL, "inspect users", true},
    {"identity", "ListApiKeys", "/20160918/users/{id}/apiKeys", OCI_CHILD_PER_ITEM, "ListUsers",
     NULL, "identity.ApiKey", "keyId", "userId", "inspect users", false},
    {"identity", "ListGroups", "/20160918/groups?compartmentId={tenancy}", OCI_TENANCY, NULL, NULL,
     "identity.Group", "id", NULL, "inspect groups", true},
    {"identity", "ListDynamicGroups", "/20160918/dynamicGroups?compartmentId={tenancy}",
     OCI_TENANCY, NULL, NULL, "identity.DynamicGroup", "id", NULL, "inspect dynamic-groups", true},
    {"identity", "ListPolicies", "/20160918/policies?" C, OCI_GLOBAL_PER_COMP, NULL, NULL,
     "identity.Policy", "id", NULL, "inspect policies", true},
    {"identity", "GetAuthenticationPolicy", "/20160918/authenticationPolicies/{tenancy}",
     OCI_TENANCY, NULL, NULL, "identity.AuthenticationPolicy", NULL, NULL,
     "inspect authentication-policies", false},
    {"identity", "ListDomains", "/20160918/domains?" C, OCI_GLOBAL_PER_COMP, NULL, NULL,
     "identity.Domain", "id", NULL, "inspect domains", true},
    /* Audit, Cloud Guard: tenancy-wide settings */
    {"audit", "GetConfiguration", "/20190901/configuration?compartmentId={tenancy}", OCI_TENANCY,
     NULL, NULL, "audit.Configuration", NULL, NULL, "inspect tenancies", false},
    {"cloudguard", "GetCloudGuardConfiguration", "/20200131/configuration?compartmentId={tenancy}",
     OCI_TENANCY, NULL, NULL, "cloudguard.Configuration", NULL, NULL, "read cloud-guard-config",
     false},
    {"cloudguard", "ListTargets",
     "/20200131/targets?compartmentId={tenancy}&compartmentIdInSubtree=true&accessLevel=ANY",
     OCI_TENANCY, NULL, NULL, "cloudguard.Target", "id", NULL, "read cloud-guard-targets", true},
    /* Object Storage */
    {"objectstorage", "GetNamespace", "/n", OCI_REGION_ONCE, NULL, NULL, NULL, NULL, NULL,
     "inspect buckets", false},
    {"objectstorage", "ListBuckets", "/n/{namespace}/b?" C, OCI_CHILD_PER_COMP, "GetNamespace",
     NULL, NULL, "name", NULL, "inspect buckets", true},
    {"objectstorage", "GetBucket", "/n/{namespace}/b/{name}", OCI_CHILD_PER_ITEM, "ListBuckets",
     NULL, "objectstorage.Bucket", "name", NULL, "read buckets", false},
    {"objectstorage", "ListRetentionRules", "/n/{namespace}/b/{name}/retentionRules",
     OCI_CHILD_PER_ITEM, "ListBuckets", NULL, "objectstorage.RetentionRule", "id", "bucketName",
     "read buckets", true},
    {"objectstorage", "ListReplicationPolicies", "/n/{namespace}/b/{name}/replicationPolicies",
     OCI_CHILD_PER_ITEM, "ListBuckets", NULL, "objectstorage.ReplicationPolicy", "id", "bucketName",
     "read buckets", true},
    /* Vault */
    {"kms", "ListVaults", "/20180608/vaults?" C, OCI_REGION_PER_COMP, NULL, NULL, "kms.Vault", "id",
     NULL, "inspect vaults", true},
    {"kms", "ListKeys", "/20180608/keys?compartmentId={compartmentId}", OCI_CHILD_PER_ITEM,
     "ListVaults", "managementEndpoint", NULL, "id", NULL, "inspect keys", true},
    {"kms", "GetKey", "/20180608/keys/{id}", OCI_CHILD_PER_ITEM, "ListKeys", NULL, "kms.Key", "id",
     NULL, "read keys", false},
    /* Networking */
    {"iaas", "ListVcns", "/20160918/vcns?" C, OCI_REGION_PER_COMP, NULL, NULL, "iaas.Vcn", "id",
     NULL, "inspect vcns", true},
    {"iaas", "ListSubnets", "/20160918/subnets?" C, OCI_REGION_PER_COMP, NULL, NULL, "iaas.Subnet",
     "id", NULL, "inspect subnets", true},
    {"iaas", "ListSecurityLists", "/20160918/securityLists?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "iaas.SecurityList", "id", NULL, "read security-lists", true},
    {"iaas", "ListNetworkSecurityGroups", "/20160918/networkSecurityGroups?" C, OCI_REGION_PER_COMP,
     NULL, NULL, "iaas.NetworkSecurityGroup", "id", NULL, "inspect network-security-groups", true},
    {"iaas", "ListNetworkSecurityGroupSecurityRules",
     "/20160918/networkSecurityGroups/{id}/securityRules", OCI_CHILD_PER_ITEM,
     "ListNetworkSecurityGroups", NULL, "iaas.NsgSecurityRule", "id", "networkSecurityGroupId",
     "read network-security-groups", true},
    {"iaas", "ListRouteTables", "/20160918/routeTables?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "iaas.RouteTable", "id", NULL, "read route-tables", true},
    {"iaas", "ListInternetGateways", "/20160918/internetGateways?" C, OCI_REGION_PER_COMP, NULL,
     NULL, "iaas.InternetGateway", "id", NULL, "inspect internet-gateways", true},
    {"iaas", "ListNatGateways", "/20160918/natGateways?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "iaas.NatGateway", "id", NULL, "inspect nat-gateways", true},
    {"iaas", "ListServiceGateways", "/20160918/serviceGateways?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "iaas.ServiceGateway", "id", NULL, "inspect service-gateways", true},
    {"iaas", "ListDrgs", "/20160918/drgs?" C, OCI_REGION_PER_COMP, NULL, NULL, "iaas.Drg", "id",
     NULL, "inspect drgs", true},
    {"iaas", "ListDrgAttachments", "/20160918/drgAttachments?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "iaas.DrgAttachment", "id", NULL, "inspect drg-attachments", true},
    /* Compute and Block Volume */
    {"iaas", "ListInstances", "/20160918/instances?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "iaas.Instance", "id", NULL, "inspect instances", true},
    {"iaas", "ListVnicAttachments", "/20160918/vnicAttachments?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "iaas.VnicAttachment", "id", NULL, "inspect vnic-attachments", true},
    {"iaas", "GetVnic", "/20160918/vnics/{vnicId}", OCI_CHILD_PER_ITEM, "ListVnicAttachments", NULL,
     "iaas.Vnic", "id", NULL, "inspect vnics", false},
    {"iaas", "ListVolumes", "/20160918/volumes?" C, OCI_REGION_PER_COMP, NULL, NULL, "iaas.Volume",
     "id", NULL, "inspect volumes", true},
    {"iaas", "ListBootVolumes", "/20160918/bootVolumes?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "iaas.BootVolume", "id", NULL, "inspect volumes", true},
    {"iaas", "GetVolumeBackupPolicyAssetAssignment",
     "/20160918/volumeBackupPolicyAssignments?assetId={id}", OCI_CHILD_PER_ITEM, "ListVolumes",
     NULL, "iaas.VolumeBackupPolicyAssignment", "id", NULL, "inspect volume-backups", true},
    {"iaas", "GetBootVolumeBackupPolicyAssetAssignment",
     "/20160918/volumeBackupPolicyAssignments?assetId={id}", OCI_CHILD_PER_ITEM, "ListBootVolumes",
     NULL, "iaas.VolumeBackupPolicyAssignment", "id", NULL, "inspect volume-backups", true},
    /* Logging, Events, Notifications */
    {"logging", "ListLogGroups", "/20200531/logGroups?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "logging.LogGroup", "id", NULL, "inspect log-groups", true},
    {"logging", "ListLogs", "/20200531/logGroups/{id}/logs", OCI_CHILD_PER_ITEM, "ListLogGroups",
     NULL, "logging.Log", "id", NULL, "inspect log-groups", true},
    {"events", "ListRules", "/20181201/rules?" C, OCI_REGION_PER_COMP, NULL, NULL, "events.Rule",
     "id", NULL, "inspect cloudevents-rules", true},
    {"notification", "ListTopics", "/20181201/topics?" C, OCI_REGION_PER_COMP, NULL, NULL,
     "notification.Topic", "topicId", NULL, "inspect ons-topics", true},
};
#undef C

const oci_op *ism_oci_ops(size_t *n)
{
    *n = sizeof k_ops / sizeof k_ops[0];
    return k_ops;
}

const oci_op *ism_oci_op_find(const char *operation)
{
    for (size_t i = 0; i < sizeof k_ops / sizeof k_ops[0]; i++)
        if (!strcmp(k_ops[i].operation, operation)) return &k_ops[i];
    return NULL;
}

bool ism_oci_op_global(const oci_op *o)
{
    while (o && o->parent)
        o = ism_oci_op_find(o->parent);
    return o && (o->scope == OCI_TENANCY || o->scope == OCI_GLOBAL_PER_COMP);
}
