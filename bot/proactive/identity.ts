import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who is running: `instance` names the place a bot process runs (host and port, or an explicit id) and survives
 * restarts; `incarnation` is new for every process. Only one process can run as an instance at a time (it owns the
 * port), so a lease or claim held by an earlier incarnation of our own instance belongs to a dead process and can be
 * taken over at once instead of waiting for it to expire. Incarnations sort by start time, so a newer process wins and
 * an older one (should it still be running somehow) never takes anything back.
 */
export interface InstanceIdentity {
  instance: string;
  incarnation: string;
}

let lastStartedAt = 0;

export function instanceIdentity(port: number, explicitInstance?: string): InstanceIdentity {
  const instance =
    explicitInstance?.trim() || (port > 0 ? `${hostname()}:${port}` : `${hostname()}:pid-${process.pid}`);
  // Strictly increasing within a process, so two identities made in one millisecond still sort by creation.
  lastStartedAt = Math.max(Date.now(), lastStartedAt + 1);
  const startedAt = lastStartedAt.toString(36).padStart(10, '0');
  return { instance, incarnation: `${startedAt}-${randomUUID()}` };
}

export interface HolderMark {
  instance: string;
  incarnation: string;
}

/** True when `holder` was written by an earlier process of the same instance (which must have died). */
export function isEarlierIncarnation(me: InstanceIdentity, holder: HolderMark): boolean {
  return holder.instance === me.instance && holder.incarnation < me.incarnation;
}

export function isMe(me: InstanceIdentity, holder: HolderMark): boolean {
  return holder.instance === me.instance && holder.incarnation === me.incarnation;
}
