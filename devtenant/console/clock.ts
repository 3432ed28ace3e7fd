import { z } from 'zod';
import type { User } from '../model.js';
import { type ConsoleContext, type ConsoleDeps, FormError, seeOther } from './context.js';
import { parseForm } from './forms.js';
import { type Html, html } from './html.js';
import { type Area, areaLink } from './nav.js';
import { when } from './time.js';

/** The devtenant clock on every page, with "advance" buttons that move it through the control plane. */

const STEPS = [
  { seconds: 600, label: '+10 minutes' },
  { seconds: 3600, label: '+1 hour' },
  { seconds: 86_400, label: '+1 day' },
] as const;

export function clockPanel(deps: ConsoleDeps, area: Area, person: User | undefined): Html {
  const buttons = STEPS.map(
    (s) => html`<form method="post" action="/console/clock"><input type="hidden" name="back" value="${area}">
${person ? html`<input type="hidden" name="as" value="${person.id}">` : ''}
<button type="submit" name="advance" value="${s.seconds}" title="Advance the devtenant clock ${s.label.slice(1)}">${s.label}</button></form>`,
  );
  return html`<div class="clock" id="clock"><span>Devtenant time: <time data-testid="devtenant-time">${when(deps.state.now())}</time></span>${buttons}</div>`;
}

const clockForm = z.object({
  advance: z.enum(['600', '3600', '86400'], {
    error: 'Advance by 10 minutes, 1 hour or 1 day (600, 3600 or 86400 seconds).',
  }),
  back: z
    .enum(['people', 'access', 'approvals', 'roles', 'log'], { error: 'The page to return to is not a console page.' })
    .default('people'),
});

export function moveClock(ctx: ConsoleContext) {
  const form = parseForm(clockForm, ctx.req.form);
  const res = ctx.control('POST', '/clock', { advanceSeconds: Number(form.advance) });
  if (res.status !== 200) throw new FormError('The devtenant clock did not move.', res.status);
  const as = ctx.req.form.get('as');
  const person = as ? ctx.state.users.get(as.toLowerCase()) : undefined;
  return seeOther(areaLink(form.back, person, { notice: 'clock' }));
}
