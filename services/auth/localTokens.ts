import type { Clock } from '../clock.js';
import { StepUpTokenStore } from './stepUpStore.js';
import { StepUpRequiredError, type TokenProvider, type UserRef } from './tokens.js';

export { decodeJwtClaims } from './tokens.js';

/** Least-privileged delegated permissions for the bot's flows (GRAPH-API.md section 1). */
export const LOCAL_DELEGATED_SCOPES = [
  'User.Read',
  'EntitlementMgmt-SubjectAccess.ReadWrite',
  'EntitlementManagement.ReadWrite.All',
  'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'RoleManagementPolicy.Read.AzureADGroup',
  'RoleEligibilitySchedule.Read.Directory',
  'RoleAssignmentSchedule.ReadWrite.Directory',
  'RoleManagementPolicy.Read.Directory',
] as const;

/**
 * Application permissions for the watcher's reads, the proactive app installation, the doctor's catalog check and the
 * names of the authentication contexts activation cards show.
 */
export const LOCAL_APP_ROLES = [
  'EntitlementManagement.Read.All',
  'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'RoleManagementPolicy.Read.AzureADGroup',
  'User.Read.All',
  'GroupMember.Read.All',
  'TeamsAppInstallation.ReadWriteSelfForUser.All',
  'AppCatalog.Read.All',
  'AuthenticationContext.Read.All',
] as const;

export const LOCAL_APP_OBJECT_ID = 'b0700000-0000-4000-8000-0000000000b0';
export const LOCAL_APP_CLIENT_ID = 'b0700000-0000-4000-8000-0000000000a1';

const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
const TOKEN_LIFETIME_SECONDS = 3600;

export interface LocalTokenOptions {
  tenantId: string;
  clock: Clock;
  appObjectId?: string;
  appClientId?: string;
  /**
   * Whether this person has talked to the bot (the bot holds a conversation reference for them): only they get tokens
   * outside their own turns, as in entra mode only people who signed in have one in the token store. Absent: nobody.
   */
  talkedToBot?: (aadObjectId: string) => Promise<boolean>;
}

/**
 * Unsigned JWTs (`alg: none`) with real Entra claim names, for the devtenant. Nothing here is secret: the devtenant
 * trusts the claims, exactly as DESIGN.md's local mode describes.
 */
export class LocalTokenProvider implements TokenProvider {
  private readonly stepUp: StepUpTokenStore;

  constructor(private readonly opts: LocalTokenOptions) {
    if (!opts.tenantId) throw new Error('LocalTokenProvider needs a tenantId.');
    this.stepUp = new StepUpTokenStore(opts.clock);
  }

  async userToken(user: UserRef, scopes: string[], claims?: string): Promise<string> {
    if (!user?.aadObjectId) throw new Error('A user token needs the user (aadObjectId).');
    const stepUpToken = this.stepUp.get(user);
    if (stepUpToken) return stepUpToken;
    // A claims challenge cannot be met silently, just as on-behalf-of cannot: the user must go through step-up.
    if (claims) throw new StepUpRequiredError(claims, user);
    return encodeUnsignedJwt({
      aud: GRAPH_AUDIENCE,
      iss: `https://sts.windows.net/${user.tenantId ?? this.opts.tenantId}/`,
      ...this.timestamps(),
      oid: user.aadObjectId,
      tid: user.tenantId ?? this.opts.tenantId,
      ...(user.name ? { name: user.name } : {}),
      ...(user.upn ? { upn: user.upn } : {}),
      scp: delegatedScopes(scopes).join(' '),
      appid: this.opts.appClientId ?? LOCAL_APP_CLIENT_ID,
      ver: '2.0',
    });
  }

  async appToken(_scopes: string[]): Promise<string> {
    return encodeUnsignedJwt({
      aud: GRAPH_AUDIENCE,
      iss: `https://sts.windows.net/${this.opts.tenantId}/`,
      ...this.timestamps(),
      oid: this.opts.appObjectId ?? LOCAL_APP_OBJECT_ID,
      tid: this.opts.tenantId,
      roles: [...LOCAL_APP_ROLES],
      idtyp: 'app',
      appid: this.opts.appClientId ?? LOCAL_APP_CLIENT_ID,
      ver: '2.0',
    });
  }

  storeStepUpToken(user: UserRef, token: string, expiresOn: Date): void {
    this.stepUp.store(user, token, expiresOn);
  }

  async backgroundUserToken(user: UserRef, scopes: string[]): Promise<string | undefined> {
    if (!user?.aadObjectId || !(await this.opts.talkedToBot?.(user.aadObjectId))) return undefined;
    return this.userToken({ aadObjectId: user.aadObjectId, tenantId: user.tenantId }, scopes);
  }

  private timestamps(): { iat: number; nbf: number; exp: number } {
    const now = Math.floor(this.opts.clock.now().getTime() / 1000);
    return { iat: now, nbf: now, exp: now + TOKEN_LIFETIME_SECONDS };
  }
}

/** `.default` means "everything the app was granted"; `https://graph.microsoft.com/X` is scope X. */
function delegatedScopes(requested: string[]): string[] {
  const names = requested.flatMap((scope) => {
    const name = scope.replace(/^https:\/\/graph\.microsoft\.com\//i, '');
    return name === '.default' ? [...LOCAL_DELEGATED_SCOPES] : [name];
  });
  const unique = [...new Set(names.filter((n) => n.length > 0))];
  return unique.length > 0 ? unique : [...LOCAL_DELEGATED_SCOPES];
}

export function encodeUnsignedJwt(payload: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
}
