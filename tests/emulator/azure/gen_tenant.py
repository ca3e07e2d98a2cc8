#!/usr/bin/env python3
"""gen_tenant.py — writes tenants/minato-azure.json, みなと市's Azure estate for azureemu: two
subscriptions (the My Number domain, well configured; the internet domain, badly configured) and
the Entra ID tenant, every object in the ARM / Microsoft Graph JSON shape of the REST reference.
Generation-time tool (Python stdlib); the JSON is committed. Run: python3 gen_tenant.py

With --subscriptions N it writes a synthetic tenant of N copies of the two subscriptions (for the
benchmark) to stdout instead."""
import copy
import json
import os
import sys

TENANT = "7a3c0e6d-1f2b-4c5d-9e8f-0a1b2c3d4e5f"
S1 = "11111111-aaaa-4aaa-8aaa-000000000001"
S2 = "22222222-bbbb-4bbb-8bbb-000000000002"
CLIENT = "5c1e2d3f-4a5b-4c6d-8e7f-901234567890"


def rid(sub, rg, prov, *parts):
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{prov}/" + "/".join(parts)


def sub_estate(sub, good, name, loc, peer_vnet=None):
    """(lists keyed by path, objects keyed by path) of one subscription."""
    rg = f"rg-{name}"
    arm = {}
    p = f"/subscriptions/{sub}"
    tags = {"ismap:domain": "mynumber" if good else "internet"}

    arm[p + "/resourcegroups"] = [{
        "id": f"{p}/resourceGroups/{rg}", "name": rg, "type": "Microsoft.Resources/resourceGroups",
        "location": loc, "tags": tags, "properties": {"provisioningState": "Succeeded"}}]
    arm[p + "/locations"] = [
        {"id": f"{p}/locations/japaneast", "name": "japaneast", "type": "Region",
         "displayName": "Japan East", "regionalDisplayName": "(Asia Pacific) Japan East",
         "metadata": {"regionType": "Physical", "geographyGroup": "Asia Pacific",
                      "physicalLocation": "Tokyo, Saitama", "pairedRegion": [{"name": "japanwest"}]}},
        {"id": f"{p}/locations/japanwest", "name": "japanwest", "type": "Region",
         "displayName": "Japan West", "regionalDisplayName": "(Asia Pacific) Japan West",
         "metadata": {"regionType": "Physical", "geographyGroup": "Asia Pacific",
                      "physicalLocation": "Osaka", "pairedRegion": [{"name": "japaneast"}]}}]
    st = f"st{name.replace('-', '')}01"[:24]
    arm[p + "/providers/microsoft.storage/storageaccounts"] = [{
        "id": rid(sub, rg, "Microsoft.Storage", "storageAccounts", st), "name": st,
        "type": "Microsoft.Storage/storageAccounts", "location": loc, "tags": tags,
        "kind": "StorageV2", "sku": {"name": "Standard_ZRS" if good else "Standard_LRS", "tier": "Standard"},
        "properties": {
            "supportsHttpsTrafficOnly": good, "minimumTlsVersion": "TLS1_2" if good else "TLS1_0",
            "allowBlobPublicAccess": not good, **({"allowSharedKeyAccess": False} if good else {}),
            "publicNetworkAccess": "Disabled" if good else "Enabled",
            "encryption": {"keySource": "Microsoft.Keyvault" if good else "Microsoft.Storage",
                           "requireInfrastructureEncryption": good,
                           "services": {"blob": {"enabled": True, "keyType": "Account"},
                                        "file": {"enabled": True, "keyType": "Account"}},
                           **({"keyvaultproperties": {"keyname": "cmk-storage",
                                                      "keyvaulturi": f"https://kv-{name}.vault.azure.net/"}}
                              if good else {})},
            "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny" if good else "Allow",
                            "ipRules": [], "virtualNetworkRules": []},
            "provisioningState": "Succeeded", "primaryLocation": loc, "statusOfPrimary": "available"}}]
    kv = f"kv-{name}"
    kvid = rid(sub, rg, "Microsoft.KeyVault", "vaults", kv)
    arm[p + "/providers/microsoft.keyvault/vaults"] = [{
        "id": kvid, "name": kv, "type": "Microsoft.KeyVault/vaults", "location": loc, "tags": tags,
        "properties": {"tenantId": TENANT, "sku": {"family": "A", "name": "premium" if good else "standard"},
                       "enableSoftDelete": True, "softDeleteRetentionInDays": 90 if good else 7,
                       **({"enablePurgeProtection": True} if good else {}),
                       "enableRbacAuthorization": good,
                       "publicNetworkAccess": "Disabled" if good else "Enabled",
                       "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny" if good else "Allow"},
                       "vaultUri": f"https://{kv}.vault.azure.net/", "provisioningState": "Succeeded"}}]
    key = {"id": kvid + "/keys/cmk-storage", "name": "cmk-storage",
           "type": "Microsoft.KeyVault/vaults/keys", "location": loc, "tags": {},
           "properties": {"kty": "RSA-HSM" if good else "RSA", "keySize": 3072 if good else 2048,
                          "keyOps": ["wrapKey", "unwrapKey"],
                          "attributes": {"enabled": True, "created": 1700000000, "updated": 1700000000,
                                         "recoveryLevel": "Recoverable" if good else "Recoverable+Purgeable",
                                         "exportable": False},
                          "keyUri": f"https://{kv}.vault.azure.net/keys/cmk-storage",
                          "keyUriWithVersion": f"https://{kv}.vault.azure.net/keys/cmk-storage/0a1b2c3d"}}
    if good:
        key["properties"]["rotationPolicy"] = {
            "attributes": {"expiryTime": "P2Y", "created": 1700000000, "updated": 1700000000},
            "lifetimeActions": [{"trigger": {"timeAfterCreate": "P1Y"}, "action": {"type": "rotate"}},
                                {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "notify"}}]}
    arm[kvid + "/keys"] = [key]
    law = f"log-{name}"
    lawid = rid(sub, rg, "Microsoft.OperationalInsights", "workspaces", law)
    if good:
        arm[p + "/providers/microsoft.insights/diagnosticsettings"] = [{
            "id": f"{p}/providers/microsoft.insights/diagnosticSettings/activity-to-law",
            "name": "activity-to-law", "type": "Microsoft.Insights/diagnosticSettings",
            "properties": {"workspaceId": lawid, "logs": [
                {"category": c, "enabled": True} for c in
                ["Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy",
                 "Autoscale", "ResourceHealth"]]}}]
        arm[kvid + "/providers/microsoft.insights/diagnosticsettings"] = [{
            "id": kvid + "/providers/microsoft.insights/diagnosticSettings/kv-audit",
            "name": "kv-audit", "type": "Microsoft.Insights/diagnosticSettings",
            "properties": {"workspaceId": lawid, "logs": [
                {"category": "AuditEvent", "categoryGroup": None, "enabled": True,
                 "retentionPolicy": {"enabled": False, "days": 0}}],
                "metrics": [{"category": "AllMetrics", "enabled": True}]}}]
        arm[p + "/providers/microsoft.insights/activitylogalerts"] = [
            {"id": rid(sub, rg, "Microsoft.Insights", "activityLogAlerts", f"alert-{op.split('/')[1]}-{op.split('/')[-2]}"),
             "name": f"alert-{op.split('/')[-2]}", "type": "Microsoft.Insights/ActivityLogAlerts",
             "location": "Global", "tags": {},
             "properties": {"scopes": [p], "enabled": True, "condition": {"allOf": [
                 {"field": "category", "equals": "Administrative"},
                 {"field": "operationName", "equals": op}]},
                 "actions": {"actionGroups": [{"actionGroupId": rid(sub, rg, "Microsoft.Insights", "actionGroups", "ag-security")}]}}}
            for op in ["Microsoft.Authorization/policyAssignments/write",
                       "Microsoft.Network/networkSecurityGroups/write",
                       "Microsoft.Network/networkSecurityGroups/securityRules/write",
                       "Microsoft.Authorization/roleAssignments/write"]]
    arm[p + "/providers/microsoft.operationalinsights/workspaces"] = [{
        "id": lawid, "name": law, "type": "Microsoft.OperationalInsights/workspaces", "location": loc,
        "tags": tags, "properties": {"retentionInDays": 365 if good else 30,
                                     "sku": {"name": "PerGB2018"}, "publicNetworkAccessForIngestion": "Enabled",
                                     "provisioningState": "Succeeded"}}]
    nsg = f"nsg-{name}"
    rules = [{"name": "deny-internet-in", "id": rid(sub, rg, "Microsoft.Network", "networkSecurityGroups", nsg, "securityRules", "deny-internet-in"),
              "type": "Microsoft.Network/networkSecurityGroups/securityRules",
              "properties": {"protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
                             "sourceAddressPrefix": "Internet", "destinationAddressPrefix": "*",
                             "access": "Deny", "priority": 4000, "direction": "Inbound"}}]
    if not good:
        rules.insert(0, {"name": "allow-rdp", "id": rid(sub, rg, "Microsoft.Network", "networkSecurityGroups", nsg, "securityRules", "allow-rdp"),
                         "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                         "properties": {"protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "3389",
                                        "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
                                        "access": "Allow", "priority": 100, "direction": "Inbound"}})
        rules.insert(1, {"name": "allow-ssh", "id": rid(sub, rg, "Microsoft.Network", "networkSecurityGroups", nsg, "securityRules", "allow-ssh"),
                         "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                         "properties": {"protocol": "Tcp", "sourcePortRange": "*", "destinationPortRanges": ["22", "8080"],
                                        "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "*",
                                        "access": "Allow", "priority": 110, "direction": "Inbound"}})
    nsgid = rid(sub, rg, "Microsoft.Network", "networkSecurityGroups", nsg)
    arm[p + "/providers/microsoft.network/networksecuritygroups"] = [{
        "id": nsgid, "name": nsg, "type": "Microsoft.Network/networkSecurityGroups", "location": loc,
        "tags": tags, "properties": {"securityRules": rules, "defaultSecurityRules": [],
                                     "provisioningState": "Succeeded"}}]
    vnet = f"vnet-{name}"
    vnetid = rid(sub, rg, "Microsoft.Network", "virtualNetworks", vnet)
    arm[p + "/providers/microsoft.network/virtualnetworks"] = [{
        "id": vnetid, "name": vnet, "type": "Microsoft.Network/virtualNetworks", "location": loc,
        "tags": dict(tags, Name=("マイナンバー利用事務系" if good else "インターネット接続系")),
        "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16" if good else "10.2.0.0/16"]},
                       "subnets": [{"name": "default", "id": vnetid + "/subnets/default",
                                    "properties": {"addressPrefix": "10.1.0.0/24" if good else "10.2.0.0/24",
                                                   "networkSecurityGroup": {"id": nsgid}}}],
                       "enableDdosProtection": good, "provisioningState": "Succeeded"}}]
    if peer_vnet:
        arm[vnetid + "/virtualnetworkpeerings"] = [{
            "id": vnetid + "/virtualNetworkPeerings/to-peer", "name": "to-peer",
            "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            "properties": {"remoteVirtualNetwork": {"id": peer_vnet}, "allowVirtualNetworkAccess": True,
                           "allowForwardedTraffic": False, "allowGatewayTransit": False,
                           "useRemoteGateways": False, "peeringState": "Connected",
                           "provisioningState": "Succeeded"}}]
    rt = f"rt-{name}"
    arm[p + "/providers/microsoft.network/routetables"] = [{
        "id": rid(sub, rg, "Microsoft.Network", "routeTables", rt), "name": rt,
        "type": "Microsoft.Network/routeTables", "location": loc, "tags": tags,
        "properties": {"disableBgpRoutePropagation": good, "routes": [
            {"name": "default", "id": rid(sub, rg, "Microsoft.Network", "routeTables", rt, "routes", "default"),
             "properties": {"addressPrefix": "0.0.0.0/0",
                            "nextHopType": "VirtualAppliance" if good else "Internet",
                            **({"nextHopIpAddress": "10.1.255.4"} if good else {})}}]}}]
    vm = f"vm-{name}"
    vmid = rid(sub, rg, "Microsoft.Compute", "virtualMachines", vm)
    nic = rid(sub, rg, "Microsoft.Network", "networkInterfaces", f"nic-{name}")
    if not good:
        arm[p + "/providers/microsoft.network/publicipaddresses"] = [{
            "id": rid(sub, rg, "Microsoft.Network", "publicIPAddresses", f"pip-{name}"), "name": f"pip-{name}",
            "type": "Microsoft.Network/publicIPAddresses", "location": loc, "tags": tags,
            "sku": {"name": "Standard", "tier": "Regional"},
            "properties": {"ipAddress": "20.48.0.10", "publicIPAllocationMethod": "Static",
                           "ipConfiguration": {"id": nic + "/ipConfigurations/ipconfig1"},
                           "provisioningState": "Succeeded"}}]
    else:
        fw = f"afw-{name}"
        arm[p + "/providers/microsoft.network/azurefirewalls"] = [{
            "id": rid(sub, rg, "Microsoft.Network", "azureFirewalls", fw), "name": fw,
            "type": "Microsoft.Network/azureFirewalls", "location": loc, "tags": tags,
            "properties": {"threatIntelMode": "Deny", "sku": {"name": "AZFW_VNet", "tier": "Premium"},
                           "ipConfigurations": [], "provisioningState": "Succeeded"}}]
    nw = f"NetworkWatcher_{loc}"
    nwid = f"/subscriptions/{sub}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/{nw}"
    arm[p + "/providers/microsoft.network/networkwatchers"] = [{
        "id": nwid, "name": nw, "type": "Microsoft.Network/networkWatchers", "location": loc,
        "tags": {}, "properties": {"provisioningState": "Succeeded"}}]
    if good:
        arm[nwid + "/flowlogs"] = [{
            "id": nwid + f"/flowLogs/fl-{nsg}", "name": f"fl-{nsg}", "type": "Microsoft.Network/networkWatchers/flowLogs",
            "location": loc, "properties": {"targetResourceId": nsgid,
                                            "storageId": rid(sub, rg, "Microsoft.Storage", "storageAccounts", st),
                                            "enabled": True, "retentionPolicy": {"days": 365, "enabled": True},
                                            "format": {"type": "JSON", "version": 2},
                                            "flowAnalyticsConfiguration": {"networkWatcherFlowAnalyticsConfiguration": {
                                                "enabled": True, "workspaceResourceId": lawid}},
                                            "provisioningState": "Succeeded"}}]
    disk = f"disk-{name}-os"
    arm[p + "/providers/microsoft.compute/disks"] = [{
        "id": rid(sub, rg, "Microsoft.Compute", "disks", disk), "name": disk, "type": "Microsoft.Compute/disks",
        "location": loc, "tags": tags, "managedBy": vmid, "sku": {"name": "Premium_LRS", "tier": "Premium"},
        "properties": {"osType": "Windows", "diskSizeGB": 128, "diskState": "Attached",
                       "encryption": {"type": "EncryptionAtRestWithCustomerKey" if good else "EncryptionAtRestWithPlatformKey",
                                      **({"diskEncryptionSetId": rid(sub, rg, "Microsoft.Compute", "diskEncryptionSets", "des-cmk")} if good else {})},
                       "networkAccessPolicy": "DenyAll" if good else "AllowAll",
                       "publicNetworkAccess": "Disabled" if good else "Enabled",
                       "provisioningState": "Succeeded"}}]
    arm[p + "/providers/microsoft.compute/virtualmachines"] = [{
        "id": vmid, "name": vm, "type": "Microsoft.Compute/virtualMachines", "location": loc, "tags": tags,
        "properties": {"vmId": f"{sub[:8]}-0000-4000-8000-00000000000{1 if good else 2}",
                       "hardwareProfile": {"vmSize": "Standard_D4s_v5"},
                       "securityProfile": {"encryptionAtHost": good,
                                           **({"securityType": "TrustedLaunch",
                                               "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True}} if good else {})},
                       "storageProfile": {"osDisk": {"name": disk, "osType": "Windows", "createOption": "FromImage",
                                                     "managedDisk": {"id": rid(sub, rg, "Microsoft.Compute", "disks", disk)}}},
                       "networkProfile": {"networkInterfaces": [{"id": nic}]},
                       "provisioningState": "Succeeded"}}]
    plans = ["VirtualMachines", "StorageAccounts", "KeyVaults", "Arm", "SqlServers", "Containers"]
    arm[p + "/providers/microsoft.security/pricings"] = [{
        "id": f"{p}/providers/Microsoft.Security/pricings/{n}", "name": n, "type": "Microsoft.Security/pricings",
        "properties": {"pricingTier": "Standard" if good else "Free",
                       **({"subPlan": "P2"} if good and n == "VirtualMachines" else {}),
                       "freeTrialRemainingTime": "PT0S"}} for n in plans]
    if good:
        arm[p + "/providers/microsoft.security/securitycontacts"] = [{
            "id": f"{p}/providers/Microsoft.Security/securityContacts/default", "name": "default",
            "type": "Microsoft.Security/securityContacts",
            "properties": {"emails": "security@city.minato.example", "phone": "+81-3-0000-0000",
                           "alertNotifications": {"state": "On", "minimalSeverity": "Medium"},
                           "notificationsByRole": {"state": "On", "roles": ["Owner"]}}}]
        rsv = f"rsv-{name}"
        rsvid = rid(sub, rg, "Microsoft.RecoveryServices", "vaults", rsv)
        arm[p + "/providers/microsoft.recoveryservices/vaults"] = [{
            "id": rsvid, "name": rsv, "type": "Microsoft.RecoveryServices/vaults", "location": loc,
            "tags": tags, "sku": {"name": "RS0", "tier": "Standard"},
            "properties": {"provisioningState": "Succeeded",
                           "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant",
                                                  "crossRegionRestore": "Enabled"},
                           "securitySettings": {"immutabilitySettings": {"state": "Locked"},
                                                "softDeleteSettings": {"softDeleteState": "Enabled",
                                                                       "softDeleteRetentionPeriodInDays": 14}}}}]
        arm[rsvid + "/backuppolicies"] = [{
            "id": rsvid + "/backupPolicies/daily-vm", "name": "daily-vm",
            "type": "Microsoft.RecoveryServices/vaults/backupPolicies",
            "properties": {"backupManagementType": "AzureIaasVM", "policyType": "V2",
                           "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicyV2", "scheduleRunFrequency": "Daily",
                                              "dailySchedule": {"scheduleRunTimes": ["2026-01-01T17:00:00Z"]}},
                           "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                                               "dailySchedule": {"retentionTimes": ["2026-01-01T17:00:00Z"],
                                                                 "retentionDuration": {"count": 30, "durationType": "Days"}}},
                           "timeZone": "Tokyo Standard Time", "protectedItemsCount": 1}}]
        arm[rsvid + "/backupprotecteditems"] = [{
            "id": rsvid + f"/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;{rg};{vm}/protectedItems/VM;iaasvmcontainerv2;{rg};{vm}",
            "name": f"VM;iaasvmcontainerv2;{rg};{vm}",
            "type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
            "properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "workloadType": "VM",
                           "sourceResourceId": vmid, "policyId": rsvid + "/backupPolicies/daily-vm",
                           "protectionState": "Protected", "protectionStatus": "Healthy",
                           "lastBackupStatus": "Completed", "lastBackupTime": "2026-12-04T17:05:00Z",
                           "healthStatus": "Passed"}}]
        arm[p + "/providers/microsoft.authorization/policyassignments"] = [{
            "id": f"{p}/providers/Microsoft.Authorization/policyAssignments/allowed-locations",
            "name": "allowed-locations", "type": "Microsoft.Authorization/policyAssignments",
            "location": None,
            "properties": {"displayName": "Allowed locations (Japan)", "enforcementMode": "Default",
                           "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c",
                           "scope": p, "parameters": {"listOfAllowedLocations": {"value": ["japaneast", "japanwest"]}}}}]
    owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    ras = [("u-admin-1", owner, "User"), ("sp-ismap", reader, "ServicePrincipal")]
    if not good:
        ras += [("u-admin-2", owner, "User"), ("u-admin-3", owner, "User"), ("g-guest-1", owner, "User")]
    arm[p + "/providers/microsoft.authorization/roleassignments"] = [{
        "id": f"{p}/providers/Microsoft.Authorization/roleAssignments/{sub[:8]}-{i:04d}-4000-8000-000000000000",
        "name": f"{sub[:8]}-{i:04d}-4000-8000-000000000000", "type": "Microsoft.Authorization/roleAssignments",
        "properties": {"roleDefinitionId": f"{p}/providers/Microsoft.Authorization/roleDefinitions/{rd}",
                       "principalId": princ, "principalType": ptype, "scope": p,
                       "createdOn": "2026-04-01T00:00:00Z"}} for i, (princ, rd, ptype) in enumerate(ras)]
    defs = [{"id": f"{p}/providers/Microsoft.Authorization/roleDefinitions/{owner}", "name": owner,
             "type": "Microsoft.Authorization/roleDefinitions",
             "properties": {"roleName": "Owner", "type": "BuiltInRole", "assignableScopes": ["/"],
                            "permissions": [{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}]}},
            {"id": f"{p}/providers/Microsoft.Authorization/roleDefinitions/{reader}", "name": reader,
             "type": "Microsoft.Authorization/roleDefinitions",
             "properties": {"roleName": "Reader", "type": "BuiltInRole", "assignableScopes": ["/"],
                            "permissions": [{"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}]}}]
    if not good:
        defs.append({"id": f"{p}/providers/Microsoft.Authorization/roleDefinitions/c0ffee00-0000-4000-8000-000000000001",
                     "name": "c0ffee00-0000-4000-8000-000000000001", "type": "Microsoft.Authorization/roleDefinitions",
                     "properties": {"roleName": "vendor-everything", "type": "CustomRole", "assignableScopes": [p],
                                    "permissions": [{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}]}})
    arm[p + "/providers/microsoft.authorization/roledefinitions"] = defs
    if not good:
        arm[p + "/providers/microsoft.authorization/classicadministrators"] = [{
            "id": f"{p}/providers/Microsoft.Authorization/classicAdministrators/vendor@contoso.example",
            "name": "vendor@contoso.example", "type": "Microsoft.Authorization/classicAdministrators",
            "properties": {"emailAddress": "vendor@contoso.example", "role": "CoAdministrator"}}]
    subobj = {"id": p, "authorizationSource": "RoleBased", "subscriptionId": sub, "tenantId": TENANT,
              "displayName": f"minato-{name}", "state": "Enabled",
              "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "EnterpriseAgreement_2014-09-01",
                                       "spendingLimit": "Off"}, "tags": tags}
    return subobj, arm


def graph_estate():
    users = [
        ("u-admin-1", "admin1@city.minato.example", "Member", True, ["microsoftAuthenticatorPush", "fido2"]),
        ("u-admin-2", "admin2@city.minato.example", "Member", True, []),
        ("u-admin-3", "admin3@city.minato.example", "Member", True, ["softwareOneTimePasscode"]),
        ("u-staff-1", "staff1@city.minato.example", "Member", False, []),
        ("g-guest-1", "vendor_contoso.example#EXT#@cityminato.onmicrosoft.com", "Guest", False, ["email"]),
        ("g-guest-2", "auditor_example.org#EXT#@cityminato.onmicrosoft.com", "Guest", False, []),
    ]
    reg = [{"id": i, "userPrincipalName": upn, "userDisplayName": upn.split("@")[0], "userType": "member" if t == "Member" else "guest",
            "isAdmin": admin, "isSsprRegistered": bool(m), "isSsprEnabled": True, "isSsprCapable": bool(m),
            "isMfaRegistered": any(x != "email" for x in m), "isMfaCapable": any(x != "email" for x in m),
            "isPasswordlessCapable": "fido2" in m, "methodsRegistered": m,
            "isSystemPreferredAuthenticationMethodEnabled": True, "systemPreferredAuthenticationMethods": [],
            "userPreferredMethodForSecondaryAuthentication": m[0] if m else "none",
            "lastUpdatedDateTime": "2026-12-01T00:00:00Z"} for i, upn, t, admin, m in users]
    guests = [{"id": i, "displayName": upn.split("_")[0], "userPrincipalName": upn, "userType": t,
               "accountEnabled": True, "createdDateTime": "2025-01-10T00:00:00Z" if i == "g-guest-1" else "2026-10-01T00:00:00Z",
               "externalUserState": "Accepted"} for i, upn, t, _a, _m in users]
    roles = [{"id": "r-ga", "displayName": "Global Administrator", "description": "Can manage all aspects of Microsoft Entra ID.",
              "roleTemplateId": "62e90394-69f5-4237-9190-012177145e10",
              "members": [{"@odata.type": "#microsoft.graph.user", "id": u, "userPrincipalName": upn}
                          for u, upn, *_ in users[:3]] +
              [{"@odata.type": "#microsoft.graph.user", "id": "g-guest-1", "userPrincipalName": users[4][1]}]},
             {"id": "r-sr", "displayName": "Security Reader", "description": "Can read security information.",
              "roleTemplateId": "5d6b6bb7-de71-4623-b4af-96380a352509",
              "members": [{"@odata.type": "#microsoft.graph.servicePrincipal", "id": "sp-ismap", "appId": CLIENT}]}]
    ca = [{"id": "ca-mfa-all", "displayName": "Require MFA for all users", "state": "enabled",
           "createdDateTime": "2026-04-01T00:00:00Z", "modifiedDateTime": "2026-04-01T00:00:00Z",
           "conditions": {"clientAppTypes": ["all"], "users": {"includeUsers": ["All"], "excludeUsers": [],
                                                              "includeRoles": [], "excludeRoles": [], "includeGroups": [], "excludeGroups": []},
                          "applications": {"includeApplications": ["All"], "excludeApplications": []}},
           "grantControls": {"operator": "OR", "builtInControls": ["mfa"], "customAuthenticationFactors": [], "termsOfUse": []},
           "sessionControls": None},
          {"id": "ca-block-legacy", "displayName": "Block legacy authentication", "state": "enabledForReportingButNotEnforced",
           "createdDateTime": "2026-04-01T00:00:00Z", "modifiedDateTime": "2026-04-01T00:00:00Z",
           "conditions": {"clientAppTypes": ["exchangeActiveSync", "other"], "users": {"includeUsers": ["All"], "excludeUsers": []},
                          "applications": {"includeApplications": ["All"]}},
           "grantControls": {"operator": "OR", "builtInControls": ["block"]}, "sessionControls": None}]
    lists = {"/v1.0/identity/conditionalaccess/policies": ca,
             "/v1.0/reports/authenticationmethods/userregistrationdetails": reg,
             "/v1.0/directoryroles": roles,
             "/v1.0/users": guests}
    objs = {"/v1.0/policies/identitysecuritydefaultsenforcementpolicy": {
        "id": "00000000-0000-0000-0000-000000000005", "displayName": "Security Defaults",
        "description": "Security defaults is a set of basic identity security mechanisms recommended by Microsoft.",
        "isEnabled": False}}
    return lists, objs


def build(n_pairs=1):
    subs, arm = [], {}
    for k in range(n_pairs):
        s1 = S1 if k == 0 else f"11111111-aaaa-4aaa-8aaa-{k:012d}"
        s2 = S2 if k == 0 else f"22222222-bbbb-4bbb-8bbb-{k:012d}"
        sfx = "" if k == 0 else f"-{k}"
        peer = rid(s2, f"rg-internet{sfx}", "Microsoft.Network", "virtualNetworks", f"vnet-internet{sfx}")
        o1, a1 = sub_estate(s1, True, "mynumber" + sfx, "japaneast", peer_vnet=peer)
        o2, a2 = sub_estate(s2, False, "internet" + sfx, "eastus" if k == 0 else "japanwest")
        subs += [o1, o2]
        arm.update(a1)
        arm.update(a2)
    arm["/providers/microsoft.management/managementgroups"] = [{
        "id": "/providers/Microsoft.Management/managementGroups/minato-city", "name": "minato-city",
        "type": "Microsoft.Management/managementGroups",
        "properties": {"tenantId": TENANT, "displayName": "みなと市"}}]
    arm["/providers/microsoft.management/managementgroups/minato-city/descendants"] = [{
        "id": f"/subscriptions/{s['subscriptionId']}", "name": s["subscriptionId"],
        "type": "Microsoft.Management/managementGroups/subscriptions",
        "properties": {"displayName": s["displayName"],
                       "parent": {"id": "/providers/Microsoft.Management/managementGroups/minato-city"}}} for s in subs]
    glists, gobjs = graph_estate()
    return {"tenant_id": TENANT,
            "clients": [{"client_id": CLIENT, "secret": "minato-emulator-secret",
                         "certificate": "../../../fixtures/azure/cert.pem"}],
            "subscriptions": subs, "arm": arm, "graph": glists, "graph_objects": gobjs}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--subscriptions":
        t = build(max(1, int(sys.argv[2]) // 2))
        del t["clients"][0]["certificate"]  # the synthetic tenant lives elsewhere: secret only
        json.dump(t, sys.stdout, ensure_ascii=False)
    else:
        out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tenants", "minato-azure.json")
        with open(out, "w", encoding="utf-8") as f:
            json.dump(build(), f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
