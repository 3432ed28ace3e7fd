import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEAMS_APP_ID, GraphAppInstaller } from '../../bot/proactive/installer.js';
import { type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import { LOCAL_APP_CLIENT_ID, LocalTokenProvider } from '../../services/auth/localTokens.js';
import { systemClock } from '../../services/clock.js';
import { createGraph } from '../../services/graph/client.js';
import { captureLog } from './helpers.js';

/** The proactive installer's real Graph calls against the devtenant's Teams app catalog and installations. */

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const ALEX = '10000000-0000-4000-8000-000000000001';
const MEGAN = '10000000-0000-4000-8000-000000000002';

let devtenant: RunningDevtenant;
beforeAll(async () => {
  devtenant = await startDevtenant({ port: 0 });
});
afterAll(() => devtenant?.close());

function installer(): { installer: GraphAppInstaller; messages: () => string[] } {
  const { log, messages } = captureLog();
  const graph = createGraph({
    baseUrl: devtenant.url,
    tokens: new LocalTokenProvider({ tenantId: TENANT, clock: systemClock }),
    timeoutMs: 5000,
    log,
  });
  const made = new GraphAppInstaller({
    graph: () => graph.forApp(),
    graphBaseUrl: devtenant.url,
    teamsAppId: DEFAULT_TEAMS_APP_ID,
    clock: systemClock,
    log,
  });
  return { installer: made, messages };
}

describe('proactive installation against the devtenant', () => {
  it('installs the bot for a person who never opened it, then finds their 1:1 chat', async () => {
    const first = installer();
    expect(await first.installer.chatId(MEGAN)).toBeUndefined();
    expect(await first.installer.install(MEGAN)).toBe('requested');
    expect(await first.installer.chatId(MEGAN)).toBe(`19:${LOCAL_APP_CLIENT_ID}_${MEGAN}@unq.gbl.spaces`);
    // Another instance (or a restart) asking again: Graph's 409 means it is there already.
    expect(await installer().installer.install(MEGAN)).toBe('alreadyInstalled');
    expect(first.messages().filter((m) => /failed|could not/.test(m))).toEqual([]);
  });

  it("reads the chat of the demo tenant's seeded installation", async () => {
    expect(await installer().installer.chatId(ALEX)).toBe(`19:${LOCAL_APP_CLIENT_ID}_${ALEX}@unq.gbl.spaces`);
  });
});
