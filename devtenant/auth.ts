import { GraphError } from './errors.js';

/** Claims the devtenant reads from a (unsigned) bearer token; real Entra claim names. */
export interface TokenClaims {
  oid?: string;
  tid?: string;
  name?: string;
  upn?: string;
  scp?: string;
  roles?: string[];
  idtyp?: string;
  amr?: string[];
  acrs?: string[];
  iat?: number;
  exp?: number;
  [claim: string]: unknown;
}

export interface Caller {
  kind: 'user' | 'app';
  oid: string;
  claims: TokenClaims;
}

const invalidToken = (message: string): GraphError =>
  new GraphError(401, 'InvalidAuthenticationToken', message, {
    'WWW-Authenticate': 'Bearer realm="", error="invalid_token"',
  });

const decodeCache = new Map<string, TokenClaims | null>();
const CACHE_LIMIT = 2000;

function decodeSegment(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(segment)) return null;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/** Decodes `header.payload.signature` (signature ignored: the devtenant trusts any signature, like alg none). */
export function decodeToken(token: string): TokenClaims | null {
  const cached = decodeCache.get(token);
  if (cached !== undefined) return cached;
  const parts = token.split('.');
  let claims: TokenClaims | null = null;
  if (parts.length === 3 || parts.length === 2) {
    const header = decodeSegment(parts[0]);
    const payload = decodeSegment(parts[1]);
    if (header && typeof header === 'object' && payload && typeof payload === 'object' && !Array.isArray(payload)) {
      claims = payload as TokenClaims;
    }
  }
  if (decodeCache.size >= CACHE_LIMIT) decodeCache.clear();
  decodeCache.set(token, claims);
  return claims;
}

export interface AuthContext {
  tenantId: string;
  now: number;
  isKnownUser(oid: string): boolean;
}

/** The caller of a Graph request, or a 401 Graph error exactly as Graph words it for a bad token. */
export function authenticate(authorization: string | undefined, ctx: AuthContext): Caller {
  if (!authorization?.trim()) throw invalidToken('Access token is empty.');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m) throw invalidToken('Access token validation failure. The Authorization header must be "Bearer <token>".');
  const claims = decodeToken(m[1]);
  if (!claims)
    throw invalidToken(
      'IDX14100: JWT is not well formed, there are no dots (.) or a segment is not valid base64url JSON.',
    );
  if (typeof claims.oid !== 'string' || !claims.oid)
    throw invalidToken('Access token validation failure. The token has no oid claim.');
  if (typeof claims.exp === 'number' && claims.exp * 1000 < ctx.now) {
    throw invalidToken('Lifetime validation failed, the token is expired.');
  }
  if (typeof claims.tid === 'string' && claims.tid.toLowerCase() !== ctx.tenantId.toLowerCase()) {
    throw invalidToken(
      `Access token validation failure. The token was issued for tenant '${claims.tid}', not this tenant.`,
    );
  }
  if (claims.idtyp === 'app') return { kind: 'app', oid: claims.oid, claims };
  if (!ctx.isKnownUser(claims.oid)) {
    throw invalidToken(`Access token validation failure. The user '${claims.oid}' does not exist in this tenant.`);
  }
  return { kind: 'user', oid: claims.oid, claims };
}

export const callerLabel = (caller: Caller | null): string | null =>
  caller ? (caller.kind === 'app' ? `app:${caller.oid}` : caller.oid) : null;

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned JWT (`alg: none`, empty signature) like the bot mints in local mode. */
export function mintToken(claims: TokenClaims): string {
  return `${b64({ typ: 'JWT', alg: 'none' })}.${b64(claims)}.`;
}
