import { z } from 'zod';
import { type BotConfig, ConfigError } from '../config.js';

/**
 * Settings of the approver journey. The digest period comes from the validated configuration (services/config.ts,
 * `APPROVAL_DIGEST_HOURS`); the others are still read from the environment here, proposed for services/config.ts,
 * with the same ConfigError that names the variable.
 */
export interface ApproverSettings {
  /** Hours between digests of what still waits for each approver; 0 turns the digest off. */
  digestHours: number;
  /** Minutes between the watcher's looks at the stages of multi-stage requests (with an approver's read); 0 = every tick. */
  stageProbeMinutes: number;
  /** PIM-enabled groups to watch besides those access packages make people eligible for. */
  pimGroupIds: string[];
  /** Hours a requester must wait between two "Remind approvers". */
  reminderGapHours: number;
  /** Hours a request may be off the pending list with its final status unreadable before its cards say so. */
  unconfirmedAfterHours: number;
  /** ROLE_APPROVALS_BETA (services/config.ts): approver cards for Entra role activations, through Graph beta. */
  roleApprovals: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const schema = z.object({
  APPROVAL_STAGE_PROBE_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes' })
    .min(0, 'must be 0 or more')
    .max(1440, 'must be at most 1440 minutes')
    .default(5),
  APPROVAL_UNCONFIRMED_HOURS: z.coerce
    .number({ error: 'must be a number of hours' })
    .gt(0, 'must be more than 0')
    .max(720, 'must be at most 720 hours')
    .default(24),
  APPROVAL_PIM_GROUP_IDS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine((ids) => ids.every((id) => GUID.test(id)), 'must be a comma-separated list of group object ids (GUIDs)'),
});

export function approverSettings(
  config: Pick<BotConfig, 'approvalDigestHours' | 'roleApprovalsBeta'>,
  env: Record<string, string | undefined> = process.env,
): ApproverSettings {
  const picked = {
    APPROVAL_STAGE_PROBE_MINUTES: blankToUndefined(env.APPROVAL_STAGE_PROBE_MINUTES),
    APPROVAL_PIM_GROUP_IDS: blankToUndefined(env.APPROVAL_PIM_GROUP_IDS),
    APPROVAL_UNCONFIRMED_HOURS: blankToUndefined(env.APPROVAL_UNCONFIRMED_HOURS),
  };
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message} (got "${env[String(i.path[0])]}")`);
    throw new ConfigError(`Invalid configuration:\n- ${lines.join('\n- ')}`);
  }
  return {
    digestHours: config.approvalDigestHours,
    stageProbeMinutes: parsed.data.APPROVAL_STAGE_PROBE_MINUTES,
    pimGroupIds: parsed.data.APPROVAL_PIM_GROUP_IDS,
    reminderGapHours: 24,
    unconfirmedAfterHours: parsed.data.APPROVAL_UNCONFIRMED_HOURS,
    roleApprovals: config.roleApprovalsBeta === true,
  };
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value?.trim() ? value.trim() : undefined;
}
