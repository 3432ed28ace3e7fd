// Azure Bot registration for the bot's user-assigned managed identity, with the Teams channel and the OAuth
// connection Teams SSO uses. Follows the Agents Toolkit templates (OfficeDev/microsoft-365-agents-toolkit,
// templates/vs/csharp/foundry-proxy-agent/infra, generator bicep 0.38.33): botServices and channels @2021-03-01,
// connections @2022-09-15 ("Azure Active Directory v2" provider, as the Toolkit-era Teams SSO samples have it, e.g.
// OfficeDev/Copilot-for-M365-Samples msgext-product-support-sso-ts infra/botRegistration/azurebot.bicep). The
// connection's client secret is a secure deployment parameter kept by the Bot Service; it is never an app setting.

@maxLength(20)
@minLength(4)
@description('Used to generate names for all resources in this file')
param resourceBaseName string

@maxLength(42)
param botDisplayName string

param botServiceName string = resourceBaseName
param botServiceSku string = 'F0'
param identityResourceId string
param identityClientId string
param identityTenantId string
param botAppDomain string

@description('Name of the OAuth connection setting; the bot reads it as OAUTH_CONNECTION_NAME.')
param oauthConnectionName string

@description('Client id of the Entra app registration (aad.manifest.json) whose access_as_user scope Teams SSO asks for.')
param aadAppClientId string

@secure()
@description('Client secret of that app (aadApp/create writes SECRET_AAD_APP_CLIENT_SECRET to .env.dev.user)')
param aadAppClientSecret string

resource botService 'Microsoft.BotService/botServices@2021-03-01' = {
  kind: 'azurebot'
  location: 'global'
  name: botServiceName
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${botAppDomain}/api/messages'
    msaAppId: identityClientId
    msaAppMSIResourceId: identityResourceId
    msaAppTenantId: identityTenantId
    msaAppType: 'UserAssignedMSI'
  }
  sku: {
    name: botServiceSku
  }
}

resource botServiceMsTeamsChannel 'Microsoft.BotService/botServices/channels@2021-03-01' = {
  parent: botService
  location: 'global'
  name: 'MsTeamsChannel'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

// Token Exchange URL = the app's Application ID URI, scope = its access_as_user (README "Running against a real tenant").
resource ssoConnection 'Microsoft.BotService/botServices/connections@2022-09-15' = {
  parent: botService
  name: oauthConnectionName
  location: 'global'
  properties: {
    serviceProviderDisplayName: 'Azure Active Directory v2'
    serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'
    clientId: aadAppClientId
    clientSecret: aadAppClientSecret
    scopes: 'api://botid-${identityClientId}/access_as_user'
    parameters: [
      { key: 'tenantID', value: identityTenantId }
      { key: 'tokenExchangeUrl', value: 'api://botid-${identityClientId}' }
    ]
  }
}

output botServiceName string = botService.name
output oauthConnectionName string = ssoConnection.name
