/**
 * A stand-in for Microsoft Entra ID and the Bot Framework login/token service on loopback, for tests that need the
 * bot's real credentials (@azure/identity, MSAL, botframework-connector) to really send the app password somewhere.
 *
 * The bot keeps its real host names (login.microsoftonline.com, login.botframework.com, …): `redirectTls` makes this
 * process's TLS connections to those hosts go to the stub instead, which presents a certificate for them made for the
 * test (trusted only on those redirected connections). Certificates are still checked, so nothing is switched off.
 *
 * The stub answers instance discovery, the OpenID configurations, their JWKS and the token endpoint. A token request
 * is only answered when its client_secret is the one the test configured (so the bot did send it), with the token
 * the test chooses (e.g. the unsigned Graph tokens the devtenant accepts). The Bot Framework token service's GetToken
 * hands out the test's SSO token for a user; its GetSignInResource (what OAuth cards and `npm run doctor` ask) answers
 * with the test's OAuth connection, only to a caller bearing a token the stub issued.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

export const STUB_HOSTS = [
  'login.microsoftonline.com',
  'login.botframework.com',
  'api.botframework.com',
  'token.botframework.com',
] as const;

export interface StubRequest {
  host: string;
  method: string;
  path: string;
  /** Form fields of a token request, client_secret replaced by whether it matched. */
  form?: Record<string, string>;
  secretMatched?: boolean;
}

export interface StubAuthorityOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /**
   * Instead of the secret: the client assertion a federated credential presents (the managed identity's token for
   * api://AzureADTokenExchange); a token request is answered only when it carries exactly this assertion.
   */
  clientAssertion?: string;
  /** The access token to hand out (the test decides what the resource accepts); `assertion` is OBO's user token. */
  accessToken(request: { scope: string; grantType: string; assertion?: string }): string | Promise<string>;
  /** The Bot Framework token service's answer for a user (their SSO token for the bot), or undefined for none. */
  userToken?(request: { userId: string; connectionName: string }): string | undefined;
  /**
   * `GET /api/botsignin/GetSignInResource`: the connection named in the sign-in state (what the portal's OAuth
   * connection settings hold) → its Token Exchange URL, `undefined` for no such connection (404), or `'reset'` to drop
   * the connection as an unreachable service would.
   */
  signInResource?(request: {
    connectionName: string;
    msAppId: string;
  }): { tokenExchangeUrl: string } | undefined | 'reset';
}

export interface StubAuthority {
  port: number;
  /** PEM of the certificate the stub presents (for every STUB_HOSTS name). */
  ca: string;
  requests: StubRequest[];
  /** Every token the stub handed out (access tokens and the token service's user tokens). */
  issued: string[];
  /** Signs a token with the key the OpenID configurations publish (RS256; endorsed for msteams in the channel JWKS). */
  signedToken(claims: Record<string, unknown>): string;
  close(): Promise<void>;
}

/** The Bot Framework channel's token issuer (botframework-connector's ToBotFromChannelTokenIssuer). */
export const CHANNEL_ISSUER = 'https://api.botframework.com';

export async function startStubAuthority(opts: StubAuthorityOptions): Promise<StubAuthority> {
  const { key, cert } = selfSignedCertificate();
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `stub-${randomUUID()}`;
  const jwk = { ...signingKey.publicKey.export({ format: 'jwk' }), kid, kty: 'RSA', use: 'sig', alg: 'RS256' };
  const requests: StubRequest[] = [];
  const issued: string[] = [];

  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      const url = new URL(req.url ?? '/', `https://${host}`);
      const entry: StubRequest = { host, method: req.method ?? 'GET', path: url.pathname };
      requests.push(entry);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const base = `https://${host}`;
      const tenantPath = /^\/([^/]+)\//.exec(url.pathname)?.[1] ?? opts.tenantId;

      if (url.pathname.endsWith('/discovery/instance')) {
        const authority = url.searchParams.get('authorization_endpoint') ?? '';
        const tenant = /^https:\/\/[^/]+\/([^/]+)\//.exec(authority)?.[1] ?? opts.tenantId;
        return json(200, {
          tenant_discovery_endpoint: `https://login.microsoftonline.com/${tenant}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [
            {
              preferred_network: 'login.microsoftonline.com',
              preferred_cache: 'login.windows.net',
              aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
            },
          ],
        });
      }
      if (host === 'login.botframework.com' && /openidconfiguration$/.test(url.pathname)) {
        return json(200, {
          issuer: CHANNEL_ISSUER,
          authorization_endpoint: `${base}/v1/auth`,
          jwks_uri: `${base}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        });
      }
      if (host === 'login.botframework.com' && url.pathname.endsWith('/keys')) {
        return json(200, { keys: [{ ...jwk, endorsements: ['msteams', 'emulator', 'webchat'] }] });
      }
      if (url.pathname.endsWith('/.well-known/openid-configuration')) {
        return json(200, {
          issuer: `https://login.microsoftonline.com/${tenantPath}/v2.0`,
          authorization_endpoint: `${base}/${tenantPath}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/${tenantPath}/oauth2/v2.0/token`,
          end_session_endpoint: `${base}/${tenantPath}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/${tenantPath}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        });
      }
      if (url.pathname.endsWith('/discovery/v2.0/keys') || url.pathname.endsWith('/discovery/keys')) {
        return json(200, { keys: [jwk] });
      }
      if (req.method === 'POST' && url.pathname.endsWith('/oauth2/v2.0/token')) {
        const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        entry.secretMatched = opts.clientAssertion
          ? form.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
            form.client_assertion === opts.clientAssertion &&
            form.client_secret === undefined
          : form.client_secret === opts.clientSecret;
        entry.form = {
          ...form,
          ...(form.client_secret === undefined ? {} : { client_secret: entry.secretMatched ? '(matched)' : '(other)' }),
        };
        if (!entry.secretMatched || form.client_id !== opts.clientId) {
          return json(401, {
            error: 'invalid_client',
            error_description: 'AADSTS7000215: Invalid client secret provided.',
            error_codes: [7000215],
          });
        }
        const accessToken = await opts.accessToken({
          scope: form.scope ?? '',
          grantType: form.grant_type ?? '',
          assertion: form.assertion,
        });
        issued.push(accessToken);
        return json(200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: accessToken,
        });
      }
      if (host === 'api.botframework.com' && url.pathname === '/api/usertoken/GetToken') {
        const userId = url.searchParams.get('userId') ?? '';
        const connectionName = url.searchParams.get('connectionName') ?? '';
        const token = opts.userToken?.({ userId, connectionName });
        if (!token) return json(404, { error: { code: 'NotFound', message: 'No token' } });
        issued.push(token);
        return json(200, {
          channelId: url.searchParams.get('channelId') ?? 'msteams',
          connectionName,
          token,
          expiration: new Date(Date.now() + 3600_000).toISOString(),
        });
      }
      if (
        (host === 'api.botframework.com' || host === 'token.botframework.com') &&
        url.pathname === '/api/botsignin/GetSignInResource' &&
        opts.signInResource
      ) {
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!bearer || !issued.includes(bearer)) return json(401, { message: 'Authorization has been denied.' });
        let signInState: { connectionName?: string; msAppId?: string } = {};
        try {
          signInState = JSON.parse(Buffer.from(url.searchParams.get('state') ?? '', 'base64').toString('utf8'));
        } catch {
          return json(400, { error: { code: 'BadArgument', message: 'The state is not valid.' } });
        }
        const answer = opts.signInResource({
          connectionName: signInState.connectionName ?? '',
          msAppId: signInState.msAppId ?? '',
        });
        if (answer === 'reset') {
          req.socket.destroy();
          return;
        }
        if (!answer) return json(404, { error: { code: 'NotFound', message: 'The OAuth connection was not found.' } });
        return json(200, {
          signInLink: `https://token.botframework.com/api/oauth/signin?signin=${randomUUID()}`,
          tokenExchangeResource: { id: randomUUID(), uri: answer.tokenExchangeUrl, providerId: randomUUID() },
        });
      }
      json(404, { error: 'not_found', error_description: `The stub authority has no ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    ca: cert,
    requests,
    issued,
    signedToken: (claims) => signJwt(signingKey.privateKey, kid, claims),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends this process's TLS connections for STUB_HOSTS to the stub (the certificate is checked against the stub's
 * own, under the original host name). Returns the function that puts tls.connect back.
 */
export function redirectTls(stub: Pick<StubAuthority, 'port' | 'ca'>): () => void {
  const original = tls.connect;
  const hosts = new Set<string>(STUB_HOSTS);
  const patched = ((...args: unknown[]) => {
    const [first] = args;
    if (first && typeof first === 'object') {
      const options = first as tls.ConnectionOptions;
      const host = options.servername || options.host;
      if (host && hosts.has(host)) {
        const redirected = { ...options, host: '127.0.0.1', port: stub.port, servername: host, ca: [stub.ca] };
        return (original as (...a: unknown[]) => tls.TLSSocket)(redirected, ...args.slice(1));
      }
    }
    return (original as (...a: unknown[]) => tls.TLSSocket)(...args);
  }) as typeof tls.connect;
  tls.connect = patched;
  return () => {
    tls.connect = original;
  };
}

function signJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid, x5t: kid })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ nbf: now - 60, iat: now - 60, exp: now + 3600, ...claims })).toString(
    'base64url',
  );
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

/** A short-lived self-signed certificate for every STUB_HOSTS name (openssl; the key never leaves memory after). */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stub-authority-'));
  try {
    const san = STUB_HOSTS.map((h) => `DNS:${h}`).join(',');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=login.microsoftonline.com',
        '-addext',
        `subjectAltName=${san}`,
      ],
      { stdio: 'ignore' },
    );
    const key = createPrivateKey(readFileSync(join(dir, 'key.pem'))).export({ format: 'pem', type: 'pkcs8' });
    return { key: key.toString(), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
