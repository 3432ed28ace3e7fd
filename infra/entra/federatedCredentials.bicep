// The Entra app registration's credentials, as federated identity credentials (no secret exists):
// 1. the bot's managed identity: the bot exchanges its token (audience api://AzureADTokenExchange) for the app's
//    tokens, which on-behalf-of, step-up and the app-only reads use (APP_CREDENTIAL=managedIdentity);
// 2. the Azure Bot OAuth connection ("AAD v2 with Federated Credentials") used by Teams SSO.
// Follows the Agents Toolkit's foundry-proxy-agent template (modules/app-registration.bicep: the app made by
// aadApp/create, referenced by its uniqueName; the Bot Service subject /eid1/c/pub/t/<tenant>/a/9ExAW52n_ky4ZiS_jhpJIQ/<id>)
// with the Microsoft Graph Bicep extension v1.0 1.0.0. Deploying it needs a Bicep CLI that supports extensions.

extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0'

@description('uniqueName of the Entra app registration created from aad.manifest.json')
param aadAppUniqueName string
param tenantId string
@description('principalId (object id) of the bot managed identity')
param identityPrincipalId string
@description('Tenant id in base64url of its 16 bytes (little-endian GUID layout), as the Bot Service subject wants it')
param encodedTenantId string
param oauthConnectionUniqueId string

resource app 'Microsoft.Graph/applications@v1.0' existing = {
  uniqueName: aadAppUniqueName
}

var issuer = '${environment().authentication.loginEndpoint}${tenantId}/v2.0'

resource botIdentityCredential 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0' = {
  name: '${app.uniqueName}/bot-managed-identity'
  audiences: ['api://AzureADTokenExchange']
  issuer: issuer
  subject: identityPrincipalId
  description: 'The bot managed identity (OBO, step-up, app-only Graph reads)'
}

resource botServiceCredential 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0' = {
  name: '${app.uniqueName}/${oauthConnectionUniqueId}'
  audiences: ['api://AzureADTokenExchange']
  issuer: issuer
  subject: '/eid1/c/pub/t/${encodedTenantId}/a/9ExAW52n_ky4ZiS_jhpJIQ/${oauthConnectionUniqueId}'
  description: 'Azure Bot OAuth connection for Teams SSO'
}

output aadAppClientId string = app.appId
