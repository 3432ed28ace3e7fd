// Bot state (conversation references, the watcher's lease): a blob container reached with the managed identity only.
// Shared-key access is off, so no account key or connection string exists to leak. API versions: Microsoft.Storage
// 2023-01-01 (UNCONFIRMED against the Agents Toolkit templates, which have no storage; it is a published version of
// the Microsoft.Storage provider) and Microsoft.Authorization/roleAssignments 2022-04-01 (as the toolkit's
// foundry-proxy-agent template uses).

param storageAccountName string
param location string
param containerName string
@description('principalId (object id) of the bot identity that gets Storage Blob Data Contributor on the account')
param identityPrincipalId string

// Built-in role "Storage Blob Data Contributor".
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-01-01' = {
  parent: storage
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

resource blobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identityPrincipalId, storageBlobDataContributorRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output blobEndpoint string = storage.properties.primaryEndpoints.blob
output containerName string = container.name
