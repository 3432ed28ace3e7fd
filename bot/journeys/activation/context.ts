import type { AddressInfo } from 'node:net';
import type restify from 'restify';
import { readAppCredentialSettings } from '../../../services/auth/credentials.js';
import { entraAppIdOf } from '../../../services/config.js';
import type { EligibleRole, GroupAccess, RoleList } from '../../../services/model/pim.js';
import {
  AuthContextNames,
  needsContextNames,
  readContextNames,
  withContextNames,
} from '../../../services/pim/authContexts.js';
import { loadEligibleRoles, roleKey } from '../../../services/pim/roles.js';
import {
  EntraStepUpAuthority,
  LocalStepUpAuthority,
  type StepUpAuthority,
} from '../../../services/pim/stepUpAuthority.js';
import type { ActingUser, BotServices } from '../../services.js';

/**
 * Per-bot state of the activation journey that is not worth storing: the person's eligible roles with their group
 * policies, read a moment ago. Policies change rarely but their ids change when a group is onboarded, so nothing is
 * kept longer than a few minutes (the bound); a miss just reads Graph again.
 */
export const ROLES_TTL_MS = 3 * 60_000;

interface CachedRoles {
  at: number;
  list: RoleList<EligibleRole>;
}

export class ActivationContext {
  private readonly roles = new Map<string, CachedRoles>();
  private server?: restify.Server;
  private authority?: StepUpAuthority;
  /** The tenant's authentication context names, read app-only and shared by everyone (they are not personal). */
  readonly contextNames: AuthContextNames;

  constructor(private readonly app: BotServices) {
    this.contextNames = new AuthContextNames(() => readContextNames(app.graph.forApp()), app.clock, app.log);
  }

  /** The person's eligible roles: from the last few minutes, or read now (two round trips). */
  async eligibleRoles(user: ActingUser, fresh = false): Promise<EligibleRole[]> {
    return (await this.eligibleRoleList(user, fresh)).roles;
  }

  /**
   * The roles with the parts Graph could not give (a list with gaps is not kept for the next look), each policy with
   * its authentication context's name when the tenant's names are known. Those are read (when not kept) alongside
   * the person's roles, so the list waits for no extra round trip.
   */
  async eligibleRoleList(user: ActingUser, fresh = false): Promise<RoleList<EligibleRole>> {
    const names = this.contextNames.names();
    const list = await this.rawRoleList(user, fresh);
    return needsContextNames(list) ? withContextNames(list, await this.contextNames.namesWithin(names)) : list;
  }

  private async rawRoleList(user: ActingUser, fresh: boolean): Promise<RoleList<EligibleRole>> {
    const key = user.aadObjectId.toLowerCase();
    const hit = this.roles.get(key);
    const now = this.app.clock.now().getTime();
    if (!fresh && hit && now - hit.at < ROLES_TTL_MS) return hit.list;
    const { graph, clock, config } = this.app;
    const list = await loadEligibleRoles(graph.forUser(user), clock.now(), config.pimScheduledStatuses, {
      roleApprovers: config.roleApprovalsBeta === true,
    });
    if (list.unavailable.length === 0) this.roles.set(key, { at: now, list });
    else this.roles.delete(key);
    return list;
  }

  /** One eligible group role, or (with `directoryScopeId`) one eligible Entra role at that scope. */
  async eligibleRole(
    user: ActingUser,
    groupId: string,
    accessId: GroupAccess,
    directoryScopeId?: string,
  ): Promise<EligibleRole | undefined> {
    const key = roleKey({ groupId, accessId, directoryScopeId });
    return (await this.eligibleRoles(user)).find(
      (r) => roleKey({ groupId: r.group.id, accessId: r.accessId, directoryScopeId: r.directoryScope?.id }) === key,
    );
  }

  /** After a write the cached active/pending state is wrong; the next look reads Graph. */
  forget(user: { aadObjectId: string }): void {
    this.roles.delete(user.aadObjectId.toLowerCase());
  }

  attachServer(server: restify.Server): void {
    this.server = server;
  }

  /** PUBLIC_URL, or the address the server really listens on when the configured port was 0 (tests). */
  publicUrl(): string {
    const configured = this.app.config.publicUrl;
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!/:0$/.test(configured) || !address?.port) return configured;
    return configured.replace(/:0$/, `:${address.port}`);
  }

  stepUpAuthority(): StepUpAuthority {
    this.authority ??= createAuthority(this.app);
    return this.authority;
  }
}

function createAuthority(app: BotServices): StepUpAuthority {
  const { config } = app;
  if (config.authMode === 'local') {
    return new LocalStepUpAuthority({ graphBaseUrl: config.graphBaseUrl, tenantId: config.localTenantId });
  }
  const entraAppId = entraAppIdOf(config);
  if (!entraAppId || !config.appTenantId) {
    throw new Error(
      'Step-up sign-in needs the Entra app id (AAD_APP_CLIENT_ID or MicrosoftAppId) and MicrosoftAppTenantId.',
    );
  }
  return new EntraStepUpAuthority({
    clientId: entraAppId,
    tenantId: config.appTenantId,
    settings: readAppCredentialSettings(
      { ...process.env, MicrosoftAppPassword: config.appPassword ?? process.env.MicrosoftAppPassword },
      config.appType,
    ),
  });
}

const contexts = new WeakMap<BotServices, ActivationContext>();

export function activationContext(app: BotServices): ActivationContext {
  let context = contexts.get(app);
  if (!context) {
    context = new ActivationContext(app);
    contexts.set(app, context);
  }
  return context;
}
