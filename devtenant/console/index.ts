import type { PageResponse } from '../stepup.js';
import { accessPage, cancelRequest, requestFormPage, submitRequest } from './access.js';
import { approvalsPage, decide } from './approvals.js';
import { moveClock } from './clock.js';
import { type ConsoleContext, type ConsoleDeps, type ConsoleRequest, FormError, htmlPage } from './context.js';
import { crossSiteRefusal, hostRefusal } from './crossSite.js';
import { GraphRefusal } from './graph.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { logPage } from './log.js';
import type { Area } from './nav.js';
import { peoplePage } from './people.js';
import { activate, cancelActivation, deactivate, rolesPage } from './roles.js';
import { CONSOLE_SCRIPT } from './script.js';
import { finishStepUp } from './stepUpFlow.js';

/**
 * The devtenant console (`/` and `/console/*`): act as any demo person in a browser. A test and demo tool, not part
 * of the bot; every action is a Graph call dispatched inside the devtenant with that person's user token.
 */

type Page = (ctx: ConsoleContext) => PageResponse | Promise<PageResponse>;

const ROUTES: Record<string, Page> = {
  'GET /': peoplePage,
  'GET /console/access': accessPage,
  'GET /console/access/request': (ctx) => requestFormPage(ctx),
  'POST /console/access/request': submitRequest,
  'POST /console/access/cancel': cancelRequest,
  'GET /console/approvals': (ctx) => approvalsPage(ctx),
  'POST /console/approvals/decide': decide,
  'GET /console/roles': (ctx) => rolesPage(ctx),
  'POST /console/roles/activate': activate,
  'POST /console/roles/deactivate': deactivate,
  'POST /console/roles/cancel': cancelActivation,
  'GET /console/stepup': finishStepUp,
  'POST /console/clock': moveClock,
  'GET /console/log': logPage,
  'GET /console/console.js': () => ({
    status: 200,
    headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' },
    body: CONSOLE_SCRIPT,
  }),
};

const AREA_OF: [RegExp, Area][] = [
  [/^\/console\/access/, 'access'],
  [/^\/console\/approvals/, 'approvals'],
  [/^\/console\/(roles|stepup)/, 'roles'],
  [/^\/console\/log/, 'log'],
];

export const isConsolePath = (path: string): boolean =>
  path === '/' || path === '/console' || path.startsWith('/console/');

export class DevtenantConsole {
  private readonly deps: ConsoleDeps;

  constructor(deps: Omit<ConsoleDeps, 'pendingStepUps'>) {
    this.deps = { ...deps, pendingStepUps: new Map() };
  }

  /** Forgets activations waiting for a sign-in (devtenant reset). */
  clear(): void {
    this.deps.pendingStepUps.clear();
  }

  async handle(req: ConsoleRequest): Promise<PageResponse> {
    const ctx: ConsoleContext = { ...this.deps, req };
    const refusal = hostRefusal(req.headers.host) ?? crossSiteRefusal(req.method, req.headers, req.origin);
    if (refusal) return this.problem(ctx, 403, refusal);
    const path = req.path.replace(/\/+$/, '') || '/';
    const page = ROUTES[`${req.method} ${path}`];
    if (!page) {
      const known = Object.keys(ROUTES).some((k) => k.endsWith(` ${path}`));
      return known
        ? this.problem(ctx, 405, `${req.method} is not supported on ${path}.`)
        : this.problem(ctx, 404, `There is no console page ${path}.`);
    }
    try {
      return await page(ctx);
    } catch (err) {
      if (err instanceof FormError) return this.problem(ctx, err.status, err.message);
      if (err instanceof GraphRefusal)
        return this.problem(ctx, err.status, `Graph refused (${err.status} ${err.code}): ${err.message}`);
      throw err;
    }
  }

  /** A page that says what went wrong, in the frame of the area it happened in. */
  private problem(ctx: ConsoleContext, status: number, message: string): PageResponse {
    const area = AREA_OF.find(([re]) => re.test(ctx.req.path))?.[1] ?? 'people';
    const id = (ctx.req.method === 'POST' ? ctx.req.form.get('as') : null) ?? ctx.req.query.get('as');
    const person = id ? ctx.state.users.get(id.toLowerCase()) : undefined;
    const body = html`<p><a href="${person ? `/?as=${person.id}` : '/'}">Back to the people list</a></p>`;
    return htmlPage(status, layout(ctx, { title: 'That did not work', area, person, error: message, body }));
  }
}
