// Access Bot on Azure: Linux App Service (Node 20) running dist/bot.mjs as a user-assigned managed identity, the
// Azure Bot (UserAssignedMSI) with Teams and the SSO OAuth connection, blob storage reached with that identity, and
// Log Analytics + Application Insights. Laid out like the Agents Toolkit TypeScript default-bot template
// (OfficeDev/microsoft-365-agents-toolkit templates/vsc/ts/default-bot/infra/azure.bicep, m365agents.yml v1.11;
// identity @2023-01-31) with the Linux/health/TLS settings and API version (Microsoft.Web 2023-12-01) of its
// foundry-proxy-agent template. Outputs are written by arm/deploy into env/.env.<env> under their names.

@maxLength(20)
@minLength(4)
@description('Used to generate names for all resources in this file')
param resourceBaseName string

@description('App Service plan SKU; B1 or larger (alwaysOn and more than one instance need a paid tier)')
param webAppSKU string

@maxLength(42)
param botDisplayName string

@minValue(1)
@maxValue(10)
@description('Web App instances. Two or more are safe: the watcher lease in blob storage lets one instance poll at a time.')
param instanceCount int = 1

@description('Name of the Azure Bot OAuth connection for Teams SSO (OAUTH_CONNECTION_NAME)')
param oauthConnectionName string

@description('Client id of the Entra app registration from aad.manifest.json (aadApp/create writes AAD_APP_CLIENT_ID)')
param aadAppClientId string

@secure()
@description('Its client secret, for the Azure Bot OAuth connection only (kept by the Bot Service, not an app setting)')
param aadAppClientSecret string

@description('Teams app id of the app package (TEAMS_APP_ID), used for the proactive install for approvers')
param teamsAppId string

param storageContainerName string = 'botstate'
param serverfarmsName string = resourceBaseName
param webAppName string = resourceBaseName
param identityName string = resourceBaseName
param storageAccountName string = toLower(take(replace('${resourceBaseName}${uniqueString(resourceGroup().id)}', '-', ''), 24))
param location string = resourceGroup().location

var tenantId = tenant().tenantId
// The Linux Node image starts the app with this port in PORT; WEBSITES_PORT tells the front end the same.
var appPort = '8080'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  location: location
  name: identityName
}

module monitoring './modules/monitoring.bicep' = {
  name: 'Monitoring'
  params: {
    resourceBaseName: resourceBaseName
    location: location
  }
}

module storage './modules/storage.bicep' = {
  name: 'Bot-state-storage'
  params: {
    storageAccountName: storageAccountName
    location: location
    containerName: storageContainerName
    identityPrincipalId: identity.properties.principalId
  }
}

resource serverfarm 'Microsoft.Web/serverfarms@2023-12-01' = {
  kind: 'linux'
  location: location
  name: serverfarmsName
  sku: {
    name: webAppSKU
    capacity: instanceCount
  }
  properties: {
    reserved: true // Linux
  }
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  kind: 'app,linux'
  location: location
  name: webAppName
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'node dist/bot.mjs'
      alwaysOn: true
      healthCheckPath: '/healthz'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        // zipDeploy ships dist/, package.json and package-lock.json (npm run pack:deploy); the platform build
        // installs the production dependencies instead of running npm run build (Oryx doc/runtimes/nodejs.md:
        // CUSTOM_BUILD_COMMAND replaces its npm install + npm run build).
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
        { name: 'CUSTOM_BUILD_COMMAND', value: 'npm ci --omit=dev' }
        { name: 'NODE_ENV', value: 'production' }
        { name: 'WEBSITES_PORT', value: appPort }
        { name: 'PORT', value: appPort }
        { name: 'HOST', value: '0.0.0.0' }
        { name: 'AUTH_MODE', value: 'entra' }
        { name: 'PUBLIC_URL', value: 'https://${webAppName}.azurewebsites.net' }
        { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
        { name: 'MicrosoftAppId', value: identity.properties.clientId }
        { name: 'MicrosoftAppTenantId', value: tenantId }
        // The Entra app's credential is this identity, as a federated credential of the app
        // (entra/federatedCredentials.bicep): no secret in any setting.
        { name: 'APP_CREDENTIAL', value: 'managedIdentity' }
        { name: 'MANAGED_IDENTITY_CLIENT_ID', value: identity.properties.clientId }
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'AAD_APP_CLIENT_ID', value: aadAppClientId }
        { name: 'OAUTH_CONNECTION_NAME', value: oauthConnectionName }
        { name: 'STORAGE', value: 'azureblob:${storageContainerName}' }
        { name: 'AZURE_STORAGE_ACCOUNT_URL', value: storage.outputs.blobEndpoint }
        { name: 'TEAMS_APP_ID', value: teamsAppId }
        { name: 'LOG_LEVEL', value: 'info' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: monitoring.outputs.connectionString }
        { name: 'ApplicationInsightsAgent_EXTENSION_VERSION', value: '~3' }
      ]
    }
  }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
}

// pino writes to stdout: App Service console logs (and HTTP logs) go to the workspace. API version 2021-05-01-preview
// UNCONFIRMED against the toolkit templates (they have no diagnostic settings); it is the one Azure Monitor documents.
resource webAppLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: webApp
  name: 'logs-to-workspace'
  properties: {
    workspaceId: monitoring.outputs.workspaceId
    logs: [
      { category: 'AppServiceConsoleLogs', enabled: true }
      { category: 'AppServiceHTTPLogs', enabled: true }
    ]
  }
}

module azureBotRegistration './botRegistration/azurebot.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    resourceBaseName: resourceBaseName
    identityClientId: identity.properties.clientId
    identityResourceId: identity.id
    identityTenantId: tenantId
    botAppDomain: webApp.properties.defaultHostName
    botDisplayName: botDisplayName
    oauthConnectionName: oauthConnectionName
    aadAppClientId: aadAppClientId
    aadAppClientSecret: aadAppClientSecret
  }
}

// The output will be persisted in .env.{envName}. Visit https://aka.ms/teamsfx-actions/arm-deploy for more details.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = tenantId
// For infra/entra/federatedCredentials.bicep: the subject of the Entra app's federated credential.
output BOT_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
output PUBLIC_URL string = 'https://${webApp.properties.defaultHostName}'
output OAUTH_CONNECTION_NAME string = azureBotRegistration.outputs.oauthConnectionName
output AZURE_STORAGE_ACCOUNT_URL string = storage.outputs.blobEndpoint
output STORAGE string = 'azureblob:${storage.outputs.containerName}'
output LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.workspaceName
