import type { User } from '../model.js';
import type { ConsoleContext } from './context.js';
import { href } from './html.js';

/** The console's areas and links between them (the person rides along as `?as=`). */

export type Area = 'people' | 'access' | 'approvals' | 'roles' | 'log';

export const AREAS: Record<Exclude<Area, 'people'>, { path: string; title: string }> = {
  access: { path: '/console/access', title: 'My Access' },
  approvals: { path: '/console/approvals', title: 'Approvals' },
  roles: { path: '/console/roles', title: 'PIM roles' },
  log: { path: '/console/log', title: 'Request log' },
};

export const areaLink = (area: Area, person: User | undefined, extra: Record<string, string> = {}): string =>
  area === 'people' ? href('/', { as: person?.id }) : href(AREAS[area].path, { as: person?.id, ...extra });

const NOTICES = {
  clock: 'The devtenant clock moved.',
  requested: 'Request submitted. It appears in Graph reads for this person at once.',
  canceled: 'Request canceled.',
  approved: 'Approved.',
  denied: 'Denied.',
  activated: 'Activation requested.',
  deactivated: 'Deactivated.',
  pimCanceled: 'Activation request canceled.',
} as const;

export type Notice = keyof typeof NOTICES;

/** The notice a redirect after an action asked for (`?notice=`), from a fixed list. */
export function noticeOf(ctx: ConsoleContext): string | undefined {
  const key = ctx.req.query.get('notice');
  return key && Object.hasOwn(NOTICES, key) ? NOTICES[key as Notice] : undefined;
}
