import { z } from 'zod';

/**
 * The minimum an activity must have before botbuilder sees it. botbuilder itself throws (and answers 500) on
 * several malformed shapes; we answer 400 with the reason instead.
 */
const member = z.object({ id: z.string().max(512), aadObjectId: z.string().max(64).optional() });

const activitySchema = z.object({
  type: z.string().min(1, 'type must not be empty').max(64),
  id: z.string().max(512).optional(),
  channelId: z.string().max(64).optional(),
  serviceUrl: z.string().max(2048).optional(),
  text: z.string().optional(),
  name: z.string().max(256).optional(),
  from: z
    .object({
      id: z.string().max(512),
      name: z.string().max(512).optional(),
      aadObjectId: z.string().max(64).optional(),
    })
    .optional(),
  recipient: z.object({ id: z.string().max(512) }).optional(),
  conversation: z.object({ id: z.string().min(1).max(1024) }).optional(),
  // botbuilder and TeamsActivityHandler walk these without checking their shape.
  membersAdded: z.array(member).max(256).optional(),
  membersRemoved: z.array(member).max(256).optional(),
  channelData: z
    .object({ eventType: z.string().max(64).optional(), tenant: z.object({ id: z.string().max(64) }).optional() })
    .optional(),
  attachments: z
    .array(z.object({ contentType: z.string().max(256) }))
    .max(16)
    .optional(),
  entities: z
    .array(z.object({ type: z.string().max(256) }))
    .max(32)
    .optional(),
});

export type ActivityCheck = { ok: true } | { ok: false; reason: string };

export function checkActivity(body: unknown): ActivityCheck {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: 'The request body must be a JSON object (a Bot Framework activity).' };
  }
  const parsed = activitySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || 'activity';
    return { ok: false, reason: `Invalid activity: ${field}: ${issue.message}.` };
  }
  const activity = parsed.data;
  if ((activity.type === 'message' || activity.type === 'invoke') && (!activity.conversation || !activity.serviceUrl)) {
    return {
      ok: false,
      reason: 'Invalid activity: message and invoke activities need conversation.id and serviceUrl.',
    };
  }
  return { ok: true };
}
