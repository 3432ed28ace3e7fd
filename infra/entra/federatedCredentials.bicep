// The Entra app registration's credential for the bot: a federated identity credential that trusts the bot's
// managed identity, so the bot exchanges the identity's token (audience api://AzureADTokenExchange) for the app's
// tokens (on-behalf-of, step-up, app-only reads; APP_CREDENTIAL=managedIdentity) and no secret exists for it.
// Follows the Agents Toolkit's foundry-proxy-agent template (infra/modules/app-registration.bicep: the app made by
// aadApp/create referenced by its uniqueName) with the Microsoft Graph Bicep extension v1.0 1.0.0.
// Deployed on its own, after `atk provision` (the Toolkit's bicepCliVersion v0.9.1 predates extensions):
//   az deployment group create -g <group> -f infra/entra/federatedCredentials.bicep \
//     -p aadAppUniqueName=<uniqueName> identityPrincipalId=<principalId of the bot identity>
// UNCONFIRMED: that aadApp/create sets the app's uniqueName; set it once (Graph PATCH) if the reference fails.

extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0'

@description('uniqueName of the Entra app registration created from aad.manifest.json')
param aadAppUniqueName string
@description('principalId (object id) of the bot managed identity')
param identityPrincipalId string
param tenantId string = tenant().tenantId

resource app 'Microsoft.Graph/applications@v1.0' existing = {
  uniqueName: aadAppUniqueName
}

resource botIdentityCredential 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0' = {
  name: '${app.uniqueName}/bot-managed-identity'
  audiences: ['api://AzureADTokenExchange']
  issuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
  subject: identityPrincipalId
  description: 'The Access Bot managed identity (OBO, step-up, app-only Graph reads)'
}

output aadAppClientId string = app.appId
