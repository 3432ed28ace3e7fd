import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Card, cardText } from '../helpers/teamsHarness.js';
import {
  ALEX,
  activate,
  eligibleList,
  fetchApprovalCard,
  MEGAN,
  openActivateForm,
  openForm,
  press,
  replyCard,
  sayForCard,
  search,
  submitForm,
} from './drive.js';
import { type Rig, startRig } from './rig.js';

/**
 * Log hygiene over a full demo run on the whole stack (bot + devtenant over HTTP, logger at `trace`): Alex requests a
 * package, Megan approves it and denies another with a reason, the watcher ticks, Alex activates a role, and activates
 * one that needs MFA through the step-up sign-in page. Then no line the bot logged (nor anything written to the
 * console) may contain a JWT (`eyJ`), any token the bot's token provider handed out or received, the payload of one,
 * a secret the bot holds (the card-signing key, step-up states and sign-in codes, its configured password and
 * connection string), or the free text people typed (justifications, the deny reason, a message).
 *
 * The unit suites check single parts (tests/unit/graphClient, authEntra, sso); this one covers every part at once.
 * Local mode and memory storage never read the configured password and connection string, so here those two canaries
 * only catch a config dump: logHygieneEntra.test.ts runs the bot where both are really used (entra mode against a stub
 * authority on loopback, Azure Blob storage on Azurite).
 */

const CANARY_PASSWORD = 'canary-app-password-Zq8vX2';
const CANARY_CONNECTION = 'DefaultEndpointsProtocol=https;AccountName=canary;AccountKey=canaryKeyQ9w8e7r6t5y4==';

// Free text a person types: each long and unique enough that a hit can only be that text.
const REQUEST_WHY = 'Quarter-end board pack for the Lisbon subsidiary (hygiene-7731)';
const DENY_WHY = 'Visio is covered by the new drawing tool licence (hygiene-4410)';
const ACTIVATE_WHY = 'Month-end close journal corrections for entity 0042 (hygiene-2287)';
const STEPUP_WHY = 'Incident INC-88213 phishing triage on the console (hygiene-5519)';
const BULK_WHY = 'Pager rotation for the payments cluster (hygiene-6604)';
const SET_NAME = 'Hygiene night shift 7731';
const TYPED = 'request the payroll thing for Giedre Baltrusaityte';
const TYPED_PHRASE = 'Giedre Baltrusaityte';

describe('log hygiene over a full demo run', () => {
  let rig: Rig;
  const consoleLines: string[] = [];
  const secrets = new Map<string, string>();
  let stepUpDone = false;

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      const original = console[method].bind(console);
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleLines.push(args.map((a) => (typeof a === 'string' ? a : safeStringify(a))).join(' '));
        original(...args);
      });
    }
    rig = await startRig({
      env: {
        LOG_LEVEL: 'trace',
        AUTH_MODE: 'local',
        MicrosoftAppPassword: CANARY_PASSWORD,
        AZURE_STORAGE_CONNECTION_STRING: CANARY_CONNECTION,
      },
    });
    secrets.set('configured app password', CANARY_PASSWORD);
    secrets.set('configured storage connection string', CANARY_CONNECTION);
    secrets.set('storage account key', 'canaryKeyQ9w8e7r6t5y4');
    await demoRun();
    await rig.settle(300);
    // What the bot keeps that must stay secret: the card-signing key and step-up states (in storage).
    for (const key of await rig.storage.keys('')) {
      const item = (await rig.storage.read([key]))[key] as Record<string, unknown> | undefined;
      if (typeof item?.secret === 'string') secrets.set(`stored secret ${key}`, item.secret);
      const state = /^activation\/stepup\/(.+)$/.exec(key)?.[1];
      if (state) secrets.set('step-up state', state);
      if (state && typeof item?.codeVerifier === 'string') secrets.set('step-up PKCE verifier', item.codeVerifier);
    }
  }, 120_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    await rig?.stop();
  });

  async function demoRun(): Promise<void> {
    const { teams } = rig;
    await teams.install(ALEX);
    await teams.install(MEGAN);
    // Requester.
    const list = await search(teams, ALEX, 'finance reports');
    await press(teams, ALEX, list, 'Details');
    const form = await openForm(teams, ALEX, list);
    const status = replyCard(await submitForm(teams, ALEX, form, REQUEST_WHY), 'submit');
    expect(cardText(status)).toMatch(/Pending approval/);
    await sayForCard(teams, ALEX, 'my requests');
    await sayForCard(teams, ALEX, TYPED);
    // Approver: approve Alex's new request, deny his Visio request with a reason.
    const approval = await fetchApprovalCard(teams, MEGAN, ALEX.name, 'Finance Reports – Read');
    expect(cardText(await press(teams, MEGAN, approval.card, 'Approve', {}, approval.activityId))).toMatch(
      /Approved by you/,
    );
    const visio = await fetchApprovalCard(teams, MEGAN, ALEX.name, 'Visio & Project Licences');
    expect(cardText(await press(teams, MEGAN, visio.card, 'Deny', { reason: DENY_WHY }, visio.activityId))).toMatch(
      /Denied by you/,
    );
    await rig.bot.watcher.tickNow();
    await sayForCard(teams, ALEX, 'my access');
    // Activation, then one that needs MFA: the step-up sign-in page finishes it.
    const roles = await eligibleList(teams, ALEX);
    const finance = await openActivateForm(teams, ALEX, roles, 'Finance Admins');
    expect(cardText(replyCard(await activate(teams, ALEX, finance, ACTIVATE_WHY), 'activate'))).toMatch(
      /You are a member of \*\*Finance Admins\*\*/,
    );
    const sent = teams.events.length;
    const secops = await openActivateForm(teams, ALEX, await eligibleList(teams, ALEX), 'Security Operations');
    const listId = teams.events.slice(sent).find((e) => e.kind === 'send')?.activityId;
    const verify = replyCard(await teams.click(ALEX, secops, 'Activate', { justification: STEPUP_WHY }, listId), 'mfa');
    expect(cardText(verify)).toMatch(/Verify your identity/);
    await stepUp(openUrl(verify, 'Verify my identity'));
    stepUpDone = await teams
      .waitFor(
        () =>
          teams.cardsFor(ALEX).some((c) => /You are a member of \*\*Security Operations\*\*/.test(cardText(c.card))),
        10_000,
        'the step-up activation to finish',
      )
      .then(() => true);
    await rig.bot.watcher.tickNow();
    // Activate several, saved as a named set and opened again by its name (issue 16, item 3).
    const several = await press(teams, ALEX, await eligibleList(teams, ALEX), 'Activate several…');
    const picked = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451|member|/';
    const inputs = { picked, duration: '60', justification: BULK_WHY, saveAs: SET_NAME };
    expect(cardText(await press(teams, ALEX, several, 'Activate selected', inputs))).toMatch(/1 of 1 requested/);
    expect(cardText(await sayForCard(teams, ALEX, `activate ${SET_NAME}`))).toContain(`Your saved set **${SET_NAME}**`);
  }

  /** The person opens the link, signs in on the devtenant's page and comes back (codes and state are secrets). */
  async function stepUp(url: string): Promise<void> {
    secrets.set('step-up link state', new URL(url).searchParams.get('state') as string);
    const toAuthority = await fetch(url, { redirect: 'manual' });
    const authorize = toAuthority.headers.get('location') as string;
    const page = await (await fetch(authorize)).text();
    const fields = new URLSearchParams();
    for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      fields.set(
        m[1],
        m[2]
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&amp;/g, '&'),
      );
    }
    if (!fields.has('otc')) fields.set('otc', '482915');
    const verified = await fetch(authorize, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
      redirect: 'manual',
    });
    const callback = verified.headers.get('location') as string;
    secrets.set('sign-in code', new URL(callback).searchParams.get('code') as string);
    const done = await fetch(callback);
    expect(await done.text()).toContain('You are verified and activated');
  }

  function allLines(): string[] {
    return [...rig.logs, ...consoleLines];
  }

  function offending(needle: string): string[] {
    return allLines().filter((l) => l.includes(needle));
  }

  it('ran the whole demo with a full log: tokens for both people and the app, a step-up token, Graph holds the texts', () => {
    expect(stepUpDone).toBe(true);
    expect(rig.logs.length).toBeGreaterThan(30);
    expect(rig.logs.some((l) => /"msg":"graph request"/.test(l))).toBe(true);
    const claims = [...rig.tokens].map((t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()));
    expect(claims.some((c) => c.oid === ALEX.aadObjectId && !c.amr)).toBe(true);
    expect(claims.some((c) => c.oid === MEGAN.aadObjectId)).toBe(true);
    expect(claims.some((c) => c.idtyp === 'app')).toBe(true);
    expect(
      claims.some((c) => c.amr?.includes('mfa')),
      'the step-up token',
    ).toBe(true);
    for (const label of [
      'step-up state',
      'step-up PKCE verifier',
      'step-up link state',
      'sign-in code',
      'stored secret',
    ]) {
      expect(
        [...secrets.keys()].some((k) => k.startsWith(label)),
        label,
      ).toBe(true);
    }
    // The texts went through the bot to Graph, so their absence from the log means something.
    const { state } = rig.devtenant;
    const justifications = [
      ...[...state.emRequests.values()].map((r) => r.justification),
      ...[...state.pimRequests.values()].map((r) => r.justification),
    ];
    for (const why of [REQUEST_WHY, ACTIVATE_WHY, STEPUP_WHY]) expect(justifications).toContain(why);
    const reasons = [...state.emRequests.values()].flatMap((r) => r.approval?.stages.map((s) => s.justification) ?? []);
    expect(reasons).toContain(DENY_WHY);
  });

  it('logs no JWT and no Bearer header', () => {
    expect(offending('eyJ')).toEqual([]);
    expect(allLines().filter((l) => /Bearer\s+\S/i.test(l))).toEqual([]);
  });

  it('logs none of the tokens the bot used, whole or any part of them', () => {
    expect(rig.tokens.size).toBeGreaterThanOrEqual(4);
    for (const token of rig.tokens) {
      const [header, payload, signature] = token.split('.');
      for (const part of [token, payload, signature].filter((p) => p && p.length >= 16)) {
        expect(offending(part), `a token part (${header.slice(0, 6)}…)`).toEqual([]);
      }
    }
  });

  it('logs no secret: card-signing key, step-up state and sign-in code, configured password and connection string', () => {
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    for (const [what, secret] of secrets) expect(offending(secret), what).toEqual([]);
  });

  it('logs no justification, deny reason or typed message text', () => {
    for (const text of [REQUEST_WHY, DENY_WHY, ACTIVATE_WHY, STEPUP_WHY, BULK_WHY, SET_NAME, TYPED, TYPED_PHRASE]) {
      expect(offending(text), text).toEqual([]);
    }
    // Not even most of it: the distinctive middle of each text.
    for (const text of [REQUEST_WHY, DENY_WHY, ACTIVATE_WHY, STEPUP_WHY]) {
      const middle = text.slice(Math.floor(text.length / 4), Math.floor((text.length * 3) / 4));
      expect(offending(middle), middle).toEqual([]);
    }
  });
});

function openUrl(card: Card, title: string): string {
  const action = (card.actions ?? []).find((a: any) => a.type === 'Action.OpenUrl' && a.title === title);
  if (!action) throw new Error(`no link "${title}" on the card: ${cardText(card)}`);
  return action.url;
}

function safeStringify(value: unknown): string {
  try {
    return value instanceof Error ? `${value.message}\n${value.stack}` : JSON.stringify(value);
  } catch {
    return String(value);
  }
}
