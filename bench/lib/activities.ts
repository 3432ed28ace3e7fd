import { randomUUID } from 'node:crypto';

/** Teams-shaped activities for benches, as the Teams client would post them to /api/messages. */

export const TENANT_ID = 'c0a70500-0000-4000-8000-000000000001';
export const BOT_ACCOUNT = { id: '28:access-bot', name: 'Access Bot' };

export interface BenchUser {
  aadObjectId: string;
  name: string;
}

export const ALEX: BenchUser = { aadObjectId: '10000000-0000-4000-8000-000000000001', name: 'Alex Wilber' };
export const MEGAN: BenchUser = { aadObjectId: '10000000-0000-4000-8000-000000000002', name: 'Megan Bowen' };

function base(user: BenchUser, serviceUrl: string): Record<string, unknown> {
  return {
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: `29:${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId },
    recipient: BOT_ACCOUNT,
    conversation: { id: `a:personal-${user.aadObjectId}`, conversationType: 'personal', tenantId: TENANT_ID },
    channelData: { tenant: { id: TENANT_ID } },
    locale: 'en-US',
  };
}

export function messageActivity(user: BenchUser, serviceUrl: string, text: string): Record<string, unknown> {
  return { ...base(user, serviceUrl), type: 'message', text, textFormat: 'plain' };
}

export function cardActionActivity(
  user: BenchUser,
  serviceUrl: string,
  verb: string,
  data: Record<string, unknown>,
  replyToId?: string,
): Record<string, unknown> {
  return {
    ...base(user, serviceUrl),
    type: 'invoke',
    name: 'adaptiveCard/action',
    ...(replyToId ? { replyToId } : {}),
    value: { action: { type: 'Action.Execute', id: randomUUID(), verb, data }, trigger: 'manual' },
  };
}
