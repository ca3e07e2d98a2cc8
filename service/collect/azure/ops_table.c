/* ops_table.c — every read the Azure collector makes, as data: ARM (management.azure.com, each
 * with its explicit api-version) and Microsoft Graph (v1.0). The collector walks this table in
 * order; a per-resource operation visits each resource its parent operation listed ("{id}" in the
 * path is that resource's ARM id). The permission column is what docs/azure-permissions.md and a
 * denied read's "grant" name. */
#include "ismap/azure.h"

#include <string.h>

#define SUB "/subscriptions/{sub}"
#define A ISM_AZURE_ARM
#define G ISM_AZURE_GRAPH
#define T ISM_AZURE_SCOPE_TENANT
#define S ISM_AZURE_SCOPE_SUBSCRIPTION
#define R ISM_AZURE_SCOPE_PER_RESOURCE

static const ism_azure_op ops[] = {
    /* scope */
    {"resources", "SubscriptionsList", A, T, "/subscriptions", "2022-12-01",
     "resources.Subscription", NULL, "Microsoft.Resources/subscriptions/read", false, 0},
    {"management", "ManagementGroupsList", A, T, "/providers/Microsoft.Management/managementGroups",
     "2021-04-01", "management.ManagementGroup", NULL, "Microsoft.Management/managementGroups/read",
     false, 0},
    {"management", "ManagementGroupsGetDescendants", A, T,
     "/providers/Microsoft.Management/managementGroups/{mg}/descendants", "2021-04-01",
     "management.Descendant", NULL, "Microsoft.Management/managementGroups/descendants/read", false,
     0},
    {"resources", "SubscriptionsGet", A, S, SUB, "2022-12-01", "resources.Subscription", NULL,
     "Microsoft.Resources/subscriptions/read", true, 0},
    {"resources", "SubscriptionsListLocations", A, S, SUB "/locations", "2022-12-01",
     "resources.Location", NULL, "Microsoft.Resources/subscriptions/read", false, 0},
    {"resources", "ResourceGroupsList", A, S, SUB "/resourcegroups", "2021-04-01",
     "resources.ResourceGroup", NULL, "Microsoft.Resources/subscriptions/resourceGroups/read",
     false, 0},
    /* storage */
    {"storage", "StorageAccountsList", A, S, SUB "/providers/Microsoft.Storage/storageAccounts",
     "2023-01-01", "storage.StorageAccount", NULL, "Microsoft.Storage/storageAccounts/read", false,
     0},
    /* key vault */
    {"keyvault", "VaultsListBySubscription", A, S, SUB "/providers/Microsoft.KeyVault/vaults",
     "2023-07-01", "keyvault.Vault", NULL, "Microsoft.KeyVault/vaults/read", false, 0},
    {"keyvault", "KeysList", A, R, "{id}/keys", "2023-07-01", "keyvault.Key",
     "VaultsListBySubscription", "Microsoft.KeyVault/vaults/keys/read", false, 0},
    /* monitor */
    {"monitor", "SubscriptionDiagnosticSettingsList", A, S,
     SUB "/providers/Microsoft.Insights/diagnosticSettings", "2021-05-01-preview",
     "monitor.SubscriptionDiagnosticSetting", NULL, "Microsoft.Insights/DiagnosticSettings/read",
     false, 0},
    {"monitor", "DiagnosticSettingsList", A, R,
     "{id}/providers/Microsoft.Insights/diagnosticSettings", "2021-05-01-preview",
     "monitor.DiagnosticSetting", "VaultsListBySubscription",
     "Microsoft.Insights/DiagnosticSettings/read", false, 0},
    {"monitor", "ActivityLogAlertsListBySubscriptionId", A, S,
     SUB "/providers/Microsoft.Insights/activityLogAlerts", "2020-10-01",
     "monitor.ActivityLogAlert", NULL, "Microsoft.Insights/ActivityLogAlerts/read", false, 0},
    {"loganalytics", "WorkspacesList", A, S,
     SUB "/providers/Microsoft.OperationalInsights/workspaces", "2022-10-01",
     "loganalytics.Workspace", NULL, "Microsoft.OperationalInsights/workspaces/read", false, 0},
    /* network */
    {"network", "NetworkSecurityGroupsListAll", A, S,
     SUB "/providers/Microsoft.Network/networkSecurityGroups", "2023-09-01",
     "network.NetworkSecurityGroup", NULL, "Microsoft.Network/networkSecurityGroups/read", false,
     0},
    {"network", "VirtualNetworksListAll", A, S, SUB "/providers/Microsoft.Network/virtualNetworks",
     "2023-09-01", "network.VirtualNetwork", NULL, "Microsoft.Network/virtualNetworks/read", false,
     0},
    {"network", "VirtualNetworkPeeringsList", A, R, "{id}/virtualNetworkPeerings", "2023-09-01",
     "network.VirtualNetworkPeering", "VirtualNetworksListAll",
     "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read", false, 0},
    {"network", "RouteTablesListAll", A, S, SUB "/providers/Microsoft.Network/routeTables",
     "2023-09-01", "network.RouteTable", NULL, "Microsoft.Network/routeTables/read", false, 0},
    {"network", "PublicIPAddressesListAll", A, S,
     SUB "/providers/Microsoft.Network/publicIPAddresses", "2023-09-01", "network.PublicIPAddress",
     NULL, "Microsoft.Network/publicIPAddresses/read", false, 0},
    {"network", "AzureFirewallsListAll", A, S, SUB "/providers/Microsoft.Network/azureFirewalls",
     "2023-09-01", "network.AzureFirewall", NULL, "Microsoft.Network/azureFirewalls/read", false,
     0},
    {"network", "NetworkWatchersListAll", A, S, SUB "/providers/Microsoft.Network/networkWatchers",
     "2023-09-01", "network.NetworkWatcher", NULL, "Microsoft.Network/networkWatchers/read", false,
     0},
    {"network", "FlowLogsList", A, R, "{id}/flowLogs", "2023-09-01", "network.FlowLog",
     "NetworkWatchersListAll", "Microsoft.Network/networkWatchers/flowLogs/read", false, 0},
    /* compute */
    {"compute", "DisksList", A, S, SUB "/providers/Microsoft.Compute/disks", "2023-04-02",
     "compute.Disk", NULL, "Microsoft.Compute/disks/read", false, 0},
    {"compute", "VirtualMachinesListAll", A, S, SUB "/providers/Microsoft.Compute/virtualMachines",
     "2023-09-01", "compute.VirtualMachine", NULL, "Microsoft.Compute/virtualMachines/read", false,
     0},
    /* Defender for Cloud */
    {"security", "PricingsList", A, S, SUB "/providers/Microsoft.Security/pricings", "2023-01-01",
     "security.Pricing", NULL, "Microsoft.Security/pricings/read", false, 0},
    {"security", "SecurityContactsList", A, S, SUB "/providers/Microsoft.Security/securityContacts",
     "2020-01-01-preview", "security.SecurityContact", NULL,
     "Microsoft.Security/securityContacts/read", false, 0},
    /* backup */
    {"recoveryservices", "VaultsListBySubscriptionId", A, S,
     SUB "/providers/Microsoft.RecoveryServices/vaults", "2023-04-01", "recoveryservices.Vault",
     NULL, "Microsoft.RecoveryServices/vaults/read", false, 0},
    {"recoveryservices", "BackupPoliciesList", A, R, "{id}/backupPolicies", "2023-04-01",
     "recoveryservices.BackupPolicy", "VaultsListBySubscriptionId",
     "Microsoft.RecoveryServices/vaults/backupPolicies/read", false, 0},
    {"recoveryservices", "BackupProtectedItemsList", A, R, "{id}/backupProtectedItems",
     "2023-04-01", "recoveryservices.ProtectedItem", "VaultsListBySubscriptionId",
     "Microsoft.RecoveryServices/vaults/backupProtectedItems/read", false, 0},
    /* governance and access */
    {"policy", "PolicyAssignmentsList", A, S,
     SUB "/providers/Microsoft.Authorization/policyAssignments", "2022-06-01",
     "policy.PolicyAssignment", NULL, "Microsoft.Authorization/policyAssignments/read", false, 0},
    {"authorization", "RoleAssignmentsListForSubscription", A, S,
     SUB "/providers/Microsoft.Authorization/roleAssignments", "2022-04-01",
     "authorization.RoleAssignment", NULL, "Microsoft.Authorization/roleAssignments/read", false,
     0},
    {"authorization", "RoleDefinitionsList", A, S,
     SUB "/providers/Microsoft.Authorization/roleDefinitions", "2022-04-01",
     "authorization.RoleDefinition", NULL, "Microsoft.Authorization/roleDefinitions/read", false,
     0},
    {"authorization", "ClassicAdministratorsList", A, S,
     SUB "/providers/Microsoft.Authorization/classicAdministrators", "2015-07-01",
     "authorization.ClassicAdministrator", NULL,
     "Microsoft.Authorization/classicAdministrators/read", false, 0},
    /* Microsoft Graph: account = the tenant id */
    {"graph", "ConditionalAccessPoliciesList", G, T, "/v1.0/identity/conditionalAccess/policies",
     NULL, "graph.ConditionalAccessPolicy", NULL, "Policy.Read.All (application)", false, 0},
    {"graph", "SecurityDefaultsGet", G, T,
     "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", NULL,
     "graph.SecurityDefaultsPolicy", NULL, "Policy.Read.All (application)", true, 0},
    {"graph", "UserRegistrationDetailsList", G, T,
     "/v1.0/reports/authenticationMethods/userRegistrationDetails", NULL,
     "graph.UserRegistrationDetail", NULL, "AuditLog.Read.All (application)", false, 999},
    {"graph", "DirectoryRolesList", G, T, "/v1.0/directoryRoles?$expand=members", NULL,
     "graph.DirectoryRole", NULL, "RoleManagement.Read.Directory (application)", false, 0},
    {"graph", "GuestUsersList", G, T,
     "/v1.0/users?$filter=userType%20eq%20'Guest'&$select=id,displayName,userPrincipalName,"
     "userType,accountEnabled,createdDateTime,externalUserState",
     NULL, "graph.GuestUser", NULL, "User.Read.All (application)", false, 999},
};

const ism_azure_op *ism_azure_ops(size_t *n)
{
    *n = sizeof ops / sizeof ops[0];
    return ops;
}

const ism_azure_op *ism_azure_op_find(const char *name)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(ops[i].name, name)) return &ops[i];
    return NULL;
}
