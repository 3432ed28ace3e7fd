import type restify from 'restify';
import { pickKey } from '../../../cards/activation/bulkCard.js';
import { scopeText } from '../../../cards/activation/format.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { momentPlain, plainTimes } from '../../../cards/time.js';
import type { DomainError } from '../../../services/graph/errors.js';
import { pkceChallenge, type StepUpToken } from '../../../services/pim/stepUpAuthority.js';
import type { ActingUser, BotServices } from '../../services.js';
import { directoryScopeOf, submitActivation } from './activating.js';
import { type AfterStepUp, bulkAfterStepUp } from './bulkResults.js';
import { activationContext } from './context.js';
import { consumeStepUp, readStepUp, type StepUpProblem, type StepUpState, stepUpProblem } from './stepUpState.js';
import type { ActivationRecord } from './store.js';

/**
 * `/auth/stepup?state=…` sends the browser to the authority's sign-in with the claims Graph asked for and the PKCE
 * challenge of the link; `/auth/stepup/callback` redeems the code with the link's verifier, checks it is the person
 * the link was made for, and only then spends the link, keeps the token for that person, finishes the activation and
 * updates the card in Teams. Every failure is a page that says what happened and what to do, never a stack trace.
 */

export const STEP_UP_PATH = '/auth/stepup';
export const CALLBACK_PATH = '/auth/stepup/callback';

type Request = restify.Request;
type Response = restify.Response;

export function stepUpRoutes(app: BotServices): (server: restify.Server) => void {
  const context = activationContext(app);
  return (server) => {
    context.attachServer(server);
    // restify tells handlers apart by being async functions (two arguments, no `next`).
    server.get(STEP_UP_PATH, async (req: Request, res: Response) => guarded(app, res, () => start(app, req, res)));
    server.get(CALLBACK_PATH, async (req: Request, res: Response) => guarded(app, res, () => callback(app, req, res)));
  };
}

async function guarded(app: BotServices, res: Response, handle: () => Promise<void>): Promise<void> {
  try {
    await handle();
  } catch (err) {
    app.log.error({ err }, 'step-up page failed');
    if (!res.headersSent) {
      sendPage(res, 500, 'Something went wrong on our side', 'Nothing was activated.', [
        'Go back to Microsoft Teams and select Activate again. If it keeps happening, tell your IT help desk.',
      ]);
    }
  }
}

function queryOf(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 4096) : undefined;
}

function redirectUri(app: BotServices): string {
  return `${activationContext(app).publicUrl()}${CALLBACK_PATH}`;
}

async function start(app: BotServices, req: Request, res: Response): Promise<void> {
  const state = queryOf(req, 'state');
  if (!state) return missingState(res);
  const record = await readStepUp(app, state);
  const problem = stepUpProblem(app, record);
  if (problem || !record) return problemPage(res, problem ?? 'unknown');
  const url = await activationContext(app)
    .stepUpAuthority()
    .authorizeUrl({
      state,
      redirectUri: redirectUri(app),
      claims: record.claims,
      userObjectId: record.user.aadObjectId,
      codeChallenge: pkceChallenge(record.codeVerifier),
    });
  res.writeHead(302, { Location: url, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
  res.end();
}

async function callback(app: BotServices, req: Request, res: Response): Promise<void> {
  const state = queryOf(req, 'state');
  if (!state) return missingState(res);
  const authorityError = queryOf(req, 'error');
  if (authorityError) return signInFailed(app, res, state, authorityError, queryOf(req, 'error_description'));
  const code = queryOf(req, 'code');
  if (!code) {
    return sendPage(res, 400, 'The sign-in answer is incomplete', 'It did not carry a sign-in code.', [
      'Go back to Microsoft Teams and select Verify my identity on the card again.',
    ]);
  }
  // Read, not consumed: a code that cannot be used (another account, refused by the authority) leaves the link working.
  const record = await readStepUp(app, state);
  const problem = stepUpProblem(app, record);
  if (problem || !record) return problemPage(res, problem ?? 'unknown');
  const token = await redeem(app, res, record, code);
  if (!token) return;
  // Of two callbacks that both redeemed a code of this person (double submit), exactly one goes on.
  const consumed = await consumeStepUp(app, state);
  if (!consumed.record) return problemPage(res, consumed.problem ?? 'unknown');
  if (!keepToken(app, res, record, token)) return;
  const outcome = await finish(app, consumed.record);
  sendPage(
    res,
    200,
    outcome.title,
    outcome.text,
    ['You can close this window and go back to Microsoft Teams.'],
    'good',
  );
}

/** Swaps the code for a token of the person the link was made for; undefined when a page was sent. */
async function redeem(
  app: BotServices,
  res: Response,
  record: StepUpState,
  code: string,
): Promise<StepUpToken | undefined> {
  let token: StepUpToken;
  try {
    token = await activationContext(app)
      .stepUpAuthority()
      .redeem({ code, redirectUri: redirectUri(app), claims: record.claims, codeVerifier: record.codeVerifier });
  } catch (err) {
    app.log.warn(
      { err: err instanceof Error ? err.message.slice(0, 200) : 'unknown' },
      'step-up code redemption failed',
    );
    sendPage(res, 502, 'The sign-in could not be completed', 'Microsoft Entra did not accept the sign-in code.', [
      'Go back to Microsoft Teams and select Verify my identity on the card again. The link works for 10 minutes; after that, select Activate again.',
    ]);
    return undefined;
  }
  // A token that names no user cannot be shown to be the link's person: refused like another account.
  if (!token.objectId || token.objectId.toLowerCase() !== record.user.aadObjectId.toLowerCase()) {
    app.log.warn({ user: record.user.aadObjectId }, 'step-up sign-in by a different account refused');
    sendPage(
      res,
      403,
      'You signed in as someone else',
      'This link was made for another account, so nothing was activated.',
      [
        'Go back to Microsoft Teams, select Verify my identity on the card again, and sign in with the account you use in Teams.',
      ],
    );
    return undefined;
  }
  return token;
}

/** Keeps the step-up token for the person the link was made for; false when a page was sent. */
function keepToken(app: BotServices, res: Response, record: StepUpState, token: StepUpToken): boolean {
  if (!app.tokens.storeStepUpToken) {
    sendPage(res, 500, 'Step-up sign-in is not available', 'This bot cannot keep step-up sign-ins.', [
      'Activate the role in the Microsoft Entra portal instead.',
    ]);
    return false;
  }
  app.tokens.storeStepUpToken(userOf(record), token.accessToken, token.expiresOn);
  app.log.info({ user: record.user.aadObjectId }, 'step-up sign-in completed');
  return true;
}

function userOf(record: StepUpState): ActingUser {
  return { ...record.user };
}

/** Retries the activation with the new sign-in and puts the result on the card the person clicked. */
async function finish(app: BotServices, record: StepUpState): Promise<{ title: string; text: string }> {
  if (record.alsoTargets) return finishSeveral(app, record, record.alsoTargets);
  const user = userOf(record);
  const input = {
    ...record.input,
    startDateTime: record.input.startDateTime ? new Date(record.input.startDateTime) : undefined,
  };
  const place = { activityId: record.activityId, conversationId: record.conversationId };
  const result = await submitActivation(app, user, record.target, input, place, record.claimKey);
  await showOnCard(app, user, place.activityId, result.card);
  return summary(record, result.record, result.error);
}

/**
 * Activate several: every item that waited for this sign-in is sent now. The run's result card shows where each
 * stands; an item Graph refused (and every item, when that card is not known) also gets its own card, with the reason
 * and a way on.
 */
async function finishSeveral(
  app: BotServices,
  record: StepUpState,
  others: NonNullable<StepUpState['alsoTargets']>,
): Promise<{ title: string; text: string }> {
  const user = userOf(record);
  const all = [{ target: record.target, input: record.input }, ...others];
  const sent: (AfterStepUp & { card: AdaptiveCard })[] = [];
  for (const item of all) {
    const input = {
      ...item.input,
      startDateTime: item.input.startDateTime ? new Date(item.input.startDateTime) : undefined,
    };
    const result = await submitActivation(app, user, item.target, input, {});
    sent.push({
      key: keyOf(item.target),
      record: result.record,
      refused: result.error ? `${result.error.userMessage} ${result.error.nextStep}`.trim() : undefined,
      card: result.card,
    });
  }
  const resultCard = record.bulk
    ? await bulkAfterStepUp(app, user, record.bulk.op, sent).catch((err) => {
        app.log.warn({ err }, 'could not redraw the result of several activations');
        return undefined;
      })
    : undefined;
  if (resultCard && record.bulk) await showOnCard(app, user, record.bulk.activityId, resultCard);
  for (const item of sent) if (!resultCard || !item.record) await showOnCard(app, user, undefined, item.card);
  const done = sent.filter((s) => s.record).length;
  return {
    title: 'You are verified',
    text: `${done} of ${all.length} activations requested; ${resultCard ? 'the result card in Teams shows each one.' : 'Teams shows each one on its own card.'}`,
  };
}

/** The item's pick key, from what the step-up state keeps of it. */
function keyOf(target: StepUpState['target']): string {
  const scope = target.directoryScopeId === undefined ? {} : { directoryScope: { id: target.directoryScopeId } };
  return pickKey({ group: { id: target.groupId }, accessId: target.accessId, ...scope });
}

async function showOnCard(app: BotServices, user: ActingUser, activityId: string | undefined, card: AdaptiveCard) {
  try {
    if (activityId) await app.proactive.messenger.updateCard(user.aadObjectId, activityId, card);
    else await app.proactive.messenger.sendCard(user.aadObjectId, card);
  } catch (err) {
    app.log.warn({ err }, 'could not put the step-up result on the card');
  }
}

function summary(state: StepUpState, record?: ActivationRecord, error?: DomainError): { title: string; text: string } {
  const scope = directoryScopeOf(state.target);
  const role = scope
    ? `${state.target.groupName} (${scopeText(scope)})`
    : `${state.target.accessId === 'owner' ? 'an owner' : 'a member'} of ${state.target.groupName}`;
  if (record?.phase === 'active') {
    const until = record.endDateTime ? ` until ${momentPlain(record.endDateTime)}` : '';
    return {
      title: 'You are verified and activated',
      text: `You are now ${role}${until}. The card in Teams shows it too.`,
    };
  }
  if (record?.phase === 'pendingApproval') {
    return {
      title: 'You are verified',
      text: `Your request to become ${role} is waiting for approval; the card in Teams shows when it is decided.`,
    };
  }
  if (record?.phase === 'scheduled') {
    return {
      title: 'You are verified',
      text: `Your activation as ${role} is scheduled; the card in Teams shows when it starts.`,
    };
  }
  if (error?.kind === 'stepUp') {
    return {
      title: 'One more sign-in is needed',
      text: 'The group asks for more than this sign-in gave. The card in Teams has a new link.',
    };
  }
  return {
    title: 'You are verified, but the activation was refused',
    // A web page, not a card: DATE/TIME functions in the error's words are written out in UTC.
    text: plainTimes(
      `${error?.userMessage ?? 'Microsoft Entra refused the activation.'} ${error?.nextStep ?? ''}`.trim(),
    ),
  };
}

function missingState(res: Response): void {
  sendPage(res, 400, 'This sign-in link is incomplete', 'It does not say which activation it is for.', [
    'Go back to Microsoft Teams and select Verify my identity on the card.',
  ]);
}

function problemPage(res: Response, problem: StepUpProblem): void {
  const pages: Record<StepUpProblem, [number, string, string]> = {
    unknown: [
      400,
      'This sign-in link is not valid',
      'I do not know this link: it may be mistyped, or it was not made for you.',
    ],
    used: [
      410,
      'This sign-in link was already used',
      'Each link works once. The card in Teams shows how the activation went.',
    ],
    expired: [410, 'This sign-in link has expired', 'Links work for 10 minutes. Nothing was activated.'],
  };
  const [status, title, text] = pages[problem];
  sendPage(res, status, title, text, [
    'Go back to Microsoft Teams and select Activate again if you still need access.',
  ]);
}

async function signInFailed(app: BotServices, res: Response, state: string, error: string, description?: string) {
  const record = await readStepUp(app, state);
  const problem = stepUpProblem(app, record);
  if (problem) return problemPage(res, problem);
  const said = description
    ? `Microsoft Entra said: ${description.split(/\r?\n/)[0].slice(0, 300)}`
    : `Error: ${error.slice(0, 80)}`;
  app.log.info({ error: error.slice(0, 80) }, 'step-up sign-in was not completed');
  sendPage(res, 400, 'The sign-in did not finish', `Nothing was activated. ${said}`, [
    'Go back to Microsoft Teams and select Verify my identity on the card again; the link works for 10 minutes.',
  ]);
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function sendPage(
  res: Response,
  status: number,
  title: string,
  text: string,
  next: string[],
  tone: 'good' | 'bad' = 'bad',
): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Access Bot: ${escapeHtml(title)}</title><style>body{font-family:Segoe UI,Arial,sans-serif;background:#f5f5f5;display:flex;justify-content:center;padding-top:8vh}
main{background:#fff;padding:28px 36px;max-width:480px;box-shadow:0 2px 6px rgba(0,0,0,.2)}h1{font-size:20px;color:${tone === 'good' ? '#107c10' : '#a4262c'}}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${next.map((n) => `<p>${escapeHtml(n)}</p>`).join('')}</main></body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(body);
}
