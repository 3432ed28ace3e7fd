import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningDevtenant, type SeedData, startDevtenant } from '../../devtenant/index.js';
import { graphAs } from '../helpers/devtenantGraph.js';
import { GROUPS, PACKAGES, QUESTIONS, SEEDED } from './client.js';
import { PEOPLE } from './tokens.js';

/**
 * The devtenant console over real HTTP: the person list, escaping, actions that land in Graph as that person (and
 * the request log says so), the cross-site guard and form errors that explain themselves.
 */

const EM = '/identityGovernance/entitlementManagement';
const PIM = '/identityGovernance/privilegedAccess/group';

interface Page {
  status: number;
  text: string;
  location: string | null;
}

let tenant: RunningDevtenant;

async function get(pathAndQuery: string): Promise<Page> {
  const res = await fetch(tenant.url + pathAndQuery, { redirect: 'manual' });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

/** A form post as a browser on a console page sends it (same origin), unless `headers` say otherwise. */
async function post(
  pathAndQuery: string,
  fields: Record<string, string> | [string, string][],
  headers: Record<string, string> = { origin: tenant.url, 'sec-fetch-site': 'same-origin' },
): Promise<Page> {
  const res = await fetch(tenant.url + pathAndQuery, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

/** The visible text of a page (tags dropped, entities decoded), for assertions a reader would make. */
function visible(pageHtml: string): string {
  return pageHtml
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

function rowOf(pageHtml: string, attribute: string, id: string): string {
  const m = new RegExp(`<tr ${attribute}="${id}"[\\s\\S]*?</tr>`).exec(pageHtml);
  if (!m) throw new Error(`no row ${attribute}=${id}`);
  return visible(m[0]);
}

beforeAll(async () => {
  tenant = await startDevtenant({ port: 0 });
});
afterAll(() => tenant.close());
beforeEach(async () => {
  await fetch(`${tenant.url}/_devtenant/reset`, { method: 'POST' });
});

describe('devtenant console: people', () => {
  it('lists every demo person with job title and manager, each linking to their My Access', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(rowOf(page.text, 'data-person', PEOPLE.alex)).toMatch(
      /Alex Wilber\s+Cloud Operations Engineer\s+Megan Bowen\s+alexw@contoso\.example/,
    );
    expect(rowOf(page.text, 'data-person', PEOPLE.debra)).toMatch(/Debra Berger\s+Chief Executive Officer\s+—/);
    expect(page.text).toContain(`href="/console/access?as=${PEOPLE.megan}"`);
    expect(page.text.match(/<tr data-person=/g)).toHaveLength(18);
  });

  it('keeps the chosen person in every link of the page', async () => {
    const page = await get(`/console/roles?as=${PEOPLE.lee}`);
    expect(visible(page.text)).toContain('Acting as Lee Gu');
    for (const area of ['access', 'approvals', 'roles', 'log']) {
      expect(page.text).toContain(`href="/console/${area}?as=${PEOPLE.lee}"`);
    }
  });

  it('says which person is unknown instead of failing', async () => {
    const unknown = await get('/console/access?as=10000000-0000-4000-8000-000000000099');
    expect(unknown.status).toBe(400);
    expect(visible(unknown.text)).toContain("There is no person with the id '10000000-0000-4000-8000-000000000099'");
    const missing = await get('/console/approvals');
    expect(missing.status).toBe(400);
    expect(visible(missing.text)).toContain('Pick a person first');
  });
});

describe('devtenant console: escaping', () => {
  let hostile: RunningDevtenant;
  const NAME = '<script>alert("x")</script> Alex';

  beforeAll(async () => {
    const seed = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json'), 'utf8'),
    ) as SeedData & { users: { id: string; displayName: string; jobTitle?: string }[] };
    const alex = seed.users.find((u) => u.id === PEOPLE.alex);
    if (!alex) throw new Error('no Alex in the seed');
    alex.displayName = NAME;
    alex.jobTitle = `Engineer' onmouseover='alert(1)`;
    hostile = await startDevtenant({ port: 0, seed });
  });
  afterAll(() => hostile.close());

  it('escapes names and titles from the directory', async () => {
    const text = await (await fetch(`${hostile.url}/`)).text();
    expect(text).not.toContain('<script>alert');
    expect(text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Alex');
    expect(text).toContain('Engineer&#39; onmouseover=&#39;alert(1)');
  });

  it('escapes what a requester typed, on the approver page', async () => {
    await graphAs(hostile.url, PEOPLE.lee, 'POST', `${EM}/assignmentRequests`, {
      requestType: 'userAdd',
      justification: '<img src=x onerror=alert(1)> please',
      assignment: { accessPackageId: PACKAGES.devToolsOwner },
    });
    const text = await (await fetch(`${hostile.url}/console/approvals?as=${PEOPLE.megan}`)).text();
    expect(text).not.toContain('<img src=x');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt; please');
  });
});

describe('devtenant console: My Access', () => {
  it('a request submitted in the console is in Graph for that person, made with their user token', async () => {
    const form = await get(`/console/access/request?as=${PEOPLE.alex}&package=${PACKAGES.sandbox}`);
    expect(form.status).toBe(200);
    expect(visible(form.text)).toContain('Which cost centre should be charged? (format CC-1234) (required)');
    await fetch(`${tenant.url}/_devtenant/requests`, { method: 'DELETE' });

    const done = await post('/console/access/request', [
      ['as', PEOPLE.alex],
      ['package', PACKAGES.sandbox],
      ['policy', '50000000-0000-4000-8000-000000000004'],
      [`q:${QUESTIONS.costCentre}`, 'CC-1234'],
      [`q:${QUESTIONS.region}`, 'northeurope'],
      [`q:${QUESTIONS.purpose}`, ''],
      ['justification', 'Trying the new AKS preview'],
    ]);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/console/access?as=${PEOPLE.alex}&notice=requested`);

    const mine = await graphAs(
      tenant.url,
      PEOPLE.alex,
      'GET',
      `${EM}/assignmentRequests/filterByCurrentUser(on='target')`,
    );
    const made = mine.value.find((r: any) => r.justification === 'Trying the new AKS preview');
    expect(made).toBeDefined();
    expect(made.answers.map((a: any) => [a.answeredQuestion.id, a.value])).toEqual([
      [QUESTIONS.costCentre, 'CC-1234'],
      [QUESTIONS.region, 'northeurope'],
    ]);
    const log = (await (await fetch(`${tenant.url}/_devtenant/requests`)).json()) as any[];
    const create = log.find((e) => e.method === 'POST' && e.path.endsWith(`${EM}/assignmentRequests`));
    expect(create).toMatchObject({ caller: PEOPLE.alex, via: 'console', status: 201 });

    const page = await get(done.location as string);
    expect(visible(page.text)).toContain('Request submitted.');
    expect(rowOf(page.text, 'data-request', made.id)).toMatch(/Cloud Sandbox Subscription/);
  });

  it("shows Graph's refusal on the form, with what was typed still there", async () => {
    const page = await post('/console/access/request', [
      ['as', PEOPLE.alex],
      ['package', PACKAGES.sandbox],
      ['policy', '50000000-0000-4000-8000-000000000004'],
      [`q:${QUESTIONS.costCentre}`, 'twelve'],
      [`q:${QUESTIONS.region}`, 'northeurope'],
      ['justification', 'Second try'],
    ]);
    expect(page.status).toBe(400);
    expect(visible(page.text)).toContain(
      "Graph refused the request (400 BadRequest): The answer to 'Which cost centre should be charged? (format CC-1234)' does not match the required format.",
    );
    expect(page.text).toContain('value="twelve"');
    expect(page.text).toContain('>Second try</textarea>');
  });

  it('cancels a pending request', async () => {
    const before = await get(`/console/access?as=${PEOPLE.alex}`);
    expect(rowOf(before.text, 'data-request', SEEDED.alexVisioRequest)).toContain('Cancel request');
    const done = await post('/console/access/cancel', { as: PEOPLE.alex, request: SEEDED.alexVisioRequest });
    expect(done.status).toBe(303);
    const r = await graphAs(tenant.url, PEOPLE.alex, 'GET', `${EM}/assignmentRequests/${SEEDED.alexVisioRequest}`);
    expect(r.state).toBe('canceled');
  });
});

describe('devtenant console: approvals and PIM', () => {
  it("Megan approves Alex's request with a reason; Graph holds her decision", async () => {
    const page = await get(`/console/approvals?as=${PEOPLE.megan}`);
    expect(visible(page.text)).toContain('Alex Wilber asks for Visio & Project Licences');
    const done = await post('/console/approvals/decide', {
      as: PEOPLE.megan,
      kind: 'em',
      id: SEEDED.alexVisioRequest,
      decision: 'Approve',
      reason: 'Go ahead, the landing zone needs it',
    });
    expect(done.status).toBe(303);
    const approval = await graphAs(
      tenant.url,
      PEOPLE.alex,
      'GET',
      `${EM}/accessPackageAssignmentApprovals/${SEEDED.alexVisioRequest}`,
    );
    expect(approval.stages[0]).toMatchObject({
      reviewResult: 'Approved',
      justification: 'Go ahead, the landing zone needs it',
      reviewedBy: { id: PEOPLE.megan, displayName: 'Megan Bowen' },
    });
  });

  it("Alex approves Lee's activation; Lee is then active", async () => {
    const page = await get(`/console/approvals?as=${PEOPLE.alex}`);
    expect(visible(page.text)).toContain('Lee Gu asks to activate member of Network Admins');
    const done = await post('/console/approvals/decide', {
      as: PEOPLE.alex,
      kind: 'pim',
      id: SEEDED.leeNetworkActivation,
      decision: 'Approve',
      reason: '',
    });
    expect(done.status).toBe(303);
    const active = await graphAs(
      tenant.url,
      PEOPLE.lee,
      'GET',
      `${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`,
    );
    expect(active.value.map((a: any) => a.groupId)).toContain(GROUPS.networkAdmins);
  });

  it('activates within the policy, and shows the refusal of a too long one', async () => {
    const tooLong = await post('/console/roles/activate', {
      as: PEOPLE.alex,
      group: GROUPS.prodServers,
      accessId: 'member',
      minutes: '600',
      justification: 'Patching',
      ticketNumber: 'CHG1',
    });
    expect(tooLong.status).toBe(400);
    expect(visible(tooLong.text)).toContain('ExpirationRule');

    const done = await post('/console/roles/activate', {
      as: PEOPLE.alex,
      group: GROUPS.prodServers,
      accessId: 'member',
      minutes: '120',
      justification: 'Patching',
      ticketNumber: 'CHG1',
    });
    expect(done.status).toBe(303);
    const roles = await get(done.location as string);
    expect(rowOf(roles.text, 'data-group', GROUPS.prodServers)).toMatch(/Active until .* UTC/);
  });

  it.each([
    ['MFA', GROUPS.secOps, 'Incident INC0042'],
    ['the authentication context c1', GROUPS.azureOwners, 'Subscription quota change'],
  ])(
    "%s: the devtenant's sign-in page first, then the activation is made with the verified token",
    async (_, group, why) => {
      const start = await post('/console/roles/activate', {
        as: PEOPLE.alex,
        group,
        accessId: 'member',
        minutes: '60',
        justification: why,
      });
      expect(start.status).toBe(303);
      const signIn = await get(start.location as string);
      expect(visible(signIn.text)).toContain('Contoso sign-in: verify your identity');
      const fields = [...signIn.text.matchAll(/<input type="(?:hidden|text)"[^>]*name="([^"]+)" value="([^"]*)"/g)].map(
        (m) => [m[1], m[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&')] as [string, string],
      );
      const verified = await post(start.location as string, fields, {});
      expect(verified.status).toBe(302);
      const callback = new URL(verified.location as string);
      const back = await get(callback.pathname + callback.search);
      expect(back.status).toBe(303);
      expect(back.location).toBe(`/console/roles?as=${PEOPLE.alex}&notice=activated`);
      const active = await graphAs(
        tenant.url,
        PEOPLE.alex,
        'GET',
        `${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`,
      );
      expect(active.value.map((a: any) => a.groupId)).toContain(group);
      // The sign-in answer works once.
      const again = await get(callback.pathname + callback.search);
      expect(again.status).toBe(400);
      expect(visible(again.text)).toContain('This sign-in was already used or has expired');
    },
  );

  it('deactivates once Graph allows it (5 minutes after the start), with the console clock', async () => {
    const fields = { as: PEOPLE.alex, group: GROUPS.dba, accessId: 'member' };
    // Alex is not eligible for the DBA group: Graph's refusal is the page's message.
    const notEligible = await post('/console/roles/activate', { ...fields, minutes: '60', justification: 'x' });
    expect(notEligible.status).toBe(400);
    expect(visible(notEligible.text)).toContain('EligibilityRule');

    const finance = { as: PEOPLE.alex, group: GROUPS.financeAdmins, accessId: 'member' };
    expect((await post('/console/roles/activate', { ...finance, minutes: '30', justification: 'Close' })).status).toBe(
      303,
    );
    const tooSoon = await post('/console/roles/deactivate', finance);
    expect(tooSoon.status).toBe(400);
    expect(visible(tooSoon.text)).toContain('ActiveDurationTooShort');
    await post('/console/clock', { advance: '600', as: PEOPLE.alex, back: 'roles' });
    const done = await post('/console/roles/deactivate', finance);
    expect(done.status).toBe(303);
    const active = await graphAs(
      tenant.url,
      PEOPLE.alex,
      'GET',
      `${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`,
    );
    expect(active.value.map((a: any) => a.groupId)).not.toContain(GROUPS.financeAdmins);
  });
});

describe('devtenant console: guard and form errors', () => {
  it('refuses a form posted from another site with 403, and nothing happens', async () => {
    const fields = { as: PEOPLE.alex, request: SEEDED.alexVisioRequest };
    const fromOrigin = await post('/console/access/cancel', fields, { origin: 'http://evil.example' });
    expect(fromOrigin.status).toBe(403);
    expect(visible(fromOrigin.text)).toContain('Refused: this form was sent from http://evil.example');
    const fromSite = await post('/console/access/cancel', fields, { 'sec-fetch-site': 'same-site' });
    expect(fromSite.status).toBe(403);
    const clock = await post('/console/clock', { advance: '86400' }, { 'sec-fetch-site': 'cross-site' });
    expect(clock.status).toBe(403);
    const r = await graphAs(tenant.url, PEOPLE.alex, 'GET', `${EM}/assignmentRequests/${SEEDED.alexVisioRequest}`);
    expect(r.state).toBe('pendingApproval');
  });

  it('answers only for a loopback host name', async () => {
    // A page whose name was rebound to 127.0.0.1 talks to the devtenant with its own name as Host.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(`${tenant.url}/`, { headers: { host: 'rebound.example' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
    });
    expect(status).toBe(403);
    expect(visible(body)).toContain('only on a loopback address');
  });

  it('bad form fields get a 400 page that says which field and why', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['/console/access/request', { as: PEOPLE.alex, package: 'finance', policy: '' }, 'The package must be an id'],
      [
        '/console/roles/activate',
        { as: PEOPLE.alex, group: GROUPS.financeAdmins, accessId: 'member', minutes: 'an hour' },
        'The duration must be a whole number of minutes.',
      ],
      [
        '/console/roles/activate',
        { as: PEOPLE.alex, group: GROUPS.financeAdmins, accessId: 'admin', minutes: '30' },
        'The role must be member or owner.',
      ],
      [
        '/console/approvals/decide',
        { as: PEOPLE.megan, kind: 'em', id: SEEDED.alexVisioRequest, decision: 'Maybe' },
        'The decision must be Approve or Deny.',
      ],
      ['/console/clock', { advance: '-5' }, 'Advance by 10 minutes, 1 hour or 1 day'],
      [
        '/console/access/cancel',
        { as: 'alex', request: SEEDED.alexVisioRequest },
        "There is no person with the id 'alex'",
      ],
    ];
    for (const [url, fields, reason] of cases) {
      const page = await post(url, fields);
      expect(page.status, `${url} ${JSON.stringify(fields)}`).toBe(400);
      expect(visible(page.text)).toContain(reason);
    }
  });
});

describe('devtenant console: clock and request log', () => {
  it('advances the devtenant clock by the button pressed', async () => {
    const before = Date.parse(((await (await fetch(`${tenant.url}/_devtenant/clock`)).json()) as any).now);
    const done = await post('/console/clock', { advance: '3600', back: 'roles', as: PEOPLE.lee });
    expect(done.location).toBe(`/console/roles?as=${PEOPLE.lee}&notice=clock`);
    const after = Date.parse(((await (await fetch(`${tenant.url}/_devtenant/clock`)).json()) as any).now);
    expect(after - before).toBeGreaterThanOrEqual(3600_000);
    expect(after - before).toBeLessThan(3600_000 + 60_000);
  });

  it('shows who made each call with which token, filtered by person', async () => {
    await fetch(`${tenant.url}/_devtenant/requests`, { method: 'DELETE' });
    await graphAs(tenant.url, PEOPLE.megan, 'GET', '/me');
    await get(`/console/access?as=${PEOPLE.alex}`);
    const app = await fetch(`${tenant.url}/v1.0/users/${PEOPLE.lee}`, {
      headers: {
        authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
          JSON.stringify({ oid: 'b0700000-0000-4000-8000-0000000000b0', idtyp: 'app' }),
        ).toString('base64url')}.`,
      },
    });
    expect(app.status).toBe(200);

    const megan = visible((await get(`/console/log?person=${PEOPLE.megan}`)).text);
    expect(megan).toMatch(/Megan Bowen user GET \/v1\.0\/me 200/);
    expect(megan).not.toContain('Alex Wilber user');

    const alex = (await get(`/console/log?person=${PEOPLE.alex}&source=console`)).text;
    expect(visible(alex)).toMatch(/Alex Wilber user console GET \/v1\.0\/identityGovernance/);
    expect(visible(alex)).not.toContain('Megan Bowen user');

    const apps = visible((await get('/console/log?person=app')).text);
    expect(apps).toMatch(/app app GET \/v1\.0\/users\/10000000-0000-4000-8000-000000000007 200/);

    const bad = await get('/console/log?person=<b>');
    expect(bad.status).toBe(400);
    expect(visible(bad.text)).toContain('The person filter must be a person id or "app".');
  });
});
