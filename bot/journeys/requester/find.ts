import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import { errorCard } from '../../../cards/errorCard.js';
import { helpCard } from '../../../cards/helpCard.js';
import { pageOf } from '../../../cards/paging.js';
import { packageDetailsCard } from '../../../cards/requester/details.js';
import { noMatchCard, packageListCard } from '../../../cards/requester/packageList.js';
import { Verbs } from '../../../cards/verbs.js';
import { SignInRequiredError } from '../../../services/auth/tokens.js';
import { getPackageDetails, listRequestablePackages } from '../../../services/entitlement/catalog.js';
import { type Holdings, readHoldings, readRequestableWithHoldings } from '../../../services/entitlement/holdings.js';
import {
  browsable,
  queryTerms,
  searchPackages,
  sortForCatalog,
  suggestPackages,
} from '../../../services/entitlement/search.js';
import type { PackageSummary } from '../../../services/model/entitlement.js';
import { defineAction } from '../../actions/registry.js';
import { sendCard } from '../../cardSender.js';
import { type CommandScope, prefixMatcher, type TextCommand } from '../../commands/table.js';
import { type CardJson, cardReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { wantedThing } from './phrases.js';
import { problemCard, userGraph } from './replies.js';
import { catalogData, detailsData, showMoreData } from './schemas.js';
import { RequesterStore } from './store.js';

/**
 * Find: `request <words>`, `catalog`, a plain sentence; Previous / Next; Details. A search is one `$batch` (the
 * packages and what the person already holds or waits for); Details reads the package (app) beside the holdings.
 */

export const PAGE_SIZE = 5;

interface Who {
  app: BotServices;
  user: ActingUser;
  /** The turn the search runs in: in a group chat or channel its searches are kept for every member. */
  turn?: Pick<TurnContext, 'activity'>;
}

/** The conversation id of a group chat or channel (where every member sees the cards), else undefined. */
function sharedChatOf(who: Who): string | undefined {
  const conversation = who.turn?.activity.conversation;
  if (!conversation?.id) return undefined;
  const shared = conversation.conversationType ? conversation.conversationType !== 'personal' : !!conversation.isGroup;
  return shared ? conversation.id : undefined;
}

async function remember(who: Who, packages: PackageSummary[]): Promise<void> {
  await new RequesterStore(who.app).rememberPackages(
    who.user.aadObjectId,
    packages.map((p) => ({ id: p.id, name: p.displayName })),
  );
}

/** The person's holdings (for Details); a failure shows the package without them. */
async function holdingsOf(who: Who): Promise<Holdings | undefined> {
  try {
    return await readHoldings(userGraph(who.app, who.user));
  } catch (err) {
    if (err instanceof SignInRequiredError) throw err;
    who.app.log.info({ reason: (err as Error)?.name }, 'could not read what the person already holds');
    return undefined;
  }
}

/** The package list and the holdings in one round trip. */
async function packagesAndHoldings(who: Who) {
  return readRequestableWithHoldings(userGraph(who.app, who.user));
}

async function catalogCard(who: Who, page: number): Promise<CardJson> {
  const { list, holdings } = await packagesAndHoldings(who);
  const all = sortForCatalog(browsable(list.packages));
  const { items: shown, page: at } = pageOf(all, page, PAGE_SIZE);
  await remember(who, shown);
  return packageListCard({ packages: shown, total: all.length, page: at.index, pageSize: PAGE_SIZE, holdings });
}

interface SearchResult {
  card: CardJson;
  matched: boolean;
}

async function searchCard(who: Who, query: string, page = 0, searchId: string = randomUUID()): Promise<SearchResult> {
  const { list, holdings } = await packagesAndHoldings(who);
  const outcome = searchPackages(list.packages, query);
  if (outcome.matches.length === 0) {
    const suggestions = suggestPackages(list.packages, query);
    await remember(who, suggestions);
    return { card: noMatchCard({ query, suggestions, holdings }), matched: false };
  }
  const { items: shown, page: at } = pageOf(outcome.matches, page, PAGE_SIZE);
  await remember(who, shown);
  if (page === 0) {
    await new RequesterStore(who.app).saveSearch(who.user.aadObjectId, searchId, query, sharedChatOf(who));
  }
  const card = packageListCard({
    query,
    packages: shown,
    total: outcome.matches.length,
    page: at.index,
    pageSize: PAGE_SIZE,
    searchId,
    limitedRanking: !list.expanded,
    holdings,
  });
  return { card, matched: true };
}

async function findCard(who: Who, query: string): Promise<CardJson> {
  try {
    if (queryTerms(query).length === 0) return await catalogCard(who, 0);
    return (await searchCard(who, query)).card;
  } catch (err) {
    return problemCard(err, 'list the access packages you can request', who.app.log, {
      title: 'Try again',
      verb: Verbs.showCatalog,
    });
  }
}

export const catalogCommand: TextCommand = {
  name: 'catalog',
  match: (text) =>
    /^(show (the )?)?(catalog|catalogue|browse|find access|access packages|all packages)$/i.test(text) ? '' : undefined,
  async run(scope) {
    await sendCard(scope.turn, await findCard(scope, ''));
  },
};

export const requestCommand: TextCommand = {
  name: 'request',
  match: prefixMatcher('request', 'find', 'search for', 'search', 'look for'),
  async run(scope, args) {
    await sendCard(scope.turn, await findCard(scope, args));
  },
};

/**
 * "I need payroll", "can I get access to X": always a search for X, and "nothing you can request matches X" when
 * nothing does (a plain sentence below falls back to "not understood" instead).
 */
export const askForCommand: TextCommand = {
  name: 'askFor',
  match: (text) => (text.length <= MAX_SENTENCE_CHARS && !OTHER_COMMANDS.test(text) ? wantedThing(text) : undefined),
  async run(scope, thing) {
    const wrapped = await wrappedCommand(thing);
    if (wrapped) return wrapped.command.run(scope, wrapped.args);
    await sendCard(scope.turn, await findCard(scope, thing));
  },
};

/** What a phrase asks for when it is no package but a command: "I need help", "I want to activate Finance Admins". */
const NOT_WRAPPED = new Set(['askFor', 'requestSentence', 'notUnderstood']);

async function wrappedCommand(thing: string) {
  // Imported when used: the command table is built from the journeys, this one included.
  const { commandTable } = await import('../../commands/index.js');
  const inner = commandTable().resolve(thing.replace(/^to\s+/i, ''));
  return NOT_WRAPPED.has(inner.command.name) ? undefined : inner;
}

/** Texts that belong to other commands; a sentence starting with them is never taken as a search. */
const OTHER_COMMANDS = /^(help|approvals?|approve|deny|activate|deactivate|my access|my requests)\b/i;
const MAX_SENTENCE_CHARS = 300;

/**
 * "I need the finance reports": any other text with a meaningful word is tried as a search; when no word matches a
 * package the user may request (or Graph cannot be asked), it falls through to "not understood" with the help card.
 */
export const sentenceCommand: TextCommand = {
  name: 'requestSentence',
  match: (text) =>
    text.length <= MAX_SENTENCE_CHARS && !OTHER_COMMANDS.test(text) && queryTerms(text).length > 0 ? text : undefined,
  async run(scope, text) {
    const result = await trySentence(scope, text);
    await sendCard(scope.turn, result?.matched ? result.card : helpCard({ notUnderstood: text.slice(0, 80) }));
  },
};

/** A guess must not keep the person waiting: past this, the sentence counts as not understood. */
const SENTENCE_BUDGET_MS = 2000;

async function trySentence(scope: CommandScope, text: string): Promise<SearchResult | undefined> {
  const search = searchCard(scope, text);
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), SENTENCE_BUDGET_MS);
  });
  try {
    return await Promise.race([search, outOfTime]);
  } catch (err) {
    if (err instanceof SignInRequiredError) throw err;
    scope.app.log.info({ err }, 'a sentence could not be tried as a search');
    return undefined;
  } finally {
    clearTimeout(timer);
    // A search still running after the budget finishes on its own; its failure is of no interest then.
    search.catch(() => undefined);
  }
}

/** The list page `place` names: a stored search's page, or the catalog's (an unknown search shows the catalog). */
async function listPage(who: Who, place: { searchId?: string; page: number }): Promise<CardJson> {
  if (!place.searchId) return catalogCard(who, place.page);
  const query = await new RequesterStore(who.app).search(who.user.aadObjectId, place.searchId, sharedChatOf(who));
  if (query === undefined) return catalogCard(who, 0);
  return (await searchCard(who, query, place.page, place.searchId)).card;
}

/** Find access (a new catalog card) or Back to the catalog (a new card with the search and page it came from). */
export const showCatalogAction = defineAction({
  verb: Verbs.showCatalog,
  kind: 'postsCard',
  data: catalogData,
  async run(scope, data) {
    if (data.searchId === undefined && data.page === undefined) return cardReply(await findCard(scope, ''));
    try {
      return cardReply(await listPage(scope, { searchId: data.searchId, page: data.page ?? 0 }));
    } catch (err) {
      return cardReply(problemCard(err, 'list the access packages you can request', scope.app.log));
    }
  },
});

export const showMoreAction = defineAction({
  verb: Verbs.showMore,
  kind: 'updatesCard',
  data: showMoreData,
  async run(scope, data) {
    try {
      return cardReply(await listPage(scope, data));
    } catch (err) {
      return cardReply(problemCard(err, 'show more access packages', scope.app.log));
    }
  },
});

/**
 * Whether the user may see this package's details: it was offered to them by their own allowedRequestor list (kept in
 * storage), or it is in that list now. Returns the package name, or undefined when they may not request it.
 */
export async function requestableName(who: Who, packageId: string): Promise<string | undefined> {
  const seen = await new RequesterStore(who.app).seenPackages(who.user.aadObjectId);
  if (seen[packageId]) return seen[packageId];
  const list = await listRequestablePackages(userGraph(who.app, who.user));
  const found = list.packages.find((p) => p.id === packageId);
  if (found) await remember(who, [found]);
  return found?.displayName;
}

export function notRequestableCard() {
  return errorCard({
    title: "You can't request this access package",
    message: 'It is not one of the access packages Microsoft Entra lets you request (or it no longer exists).',
    nextStep: 'Type **catalog** to see what you can request, or ask your admin if you think you should have it.',
  });
}

export const showDetailsAction = defineAction({
  verb: Verbs.showDetails,
  kind: 'postsCard',
  data: detailsData,
  async run({ app, user }, { packageId, searchId, page }) {
    try {
      if (!(await requestableName({ app, user }, packageId))) return cardReply(notRequestableCard());
      const [details, holdings] = await Promise.all([
        getPackageDetails(app.graph.forApp(), packageId),
        holdingsOf({ app, user }),
      ]);
      const from = page === undefined ? undefined : { searchId, page };
      return cardReply(packageDetailsCard(details, holdings?.get(packageId), from));
    } catch (err) {
      return cardReply(
        problemCard(err, 'show this access package', app.log, {
          title: 'Try again',
          verb: Verbs.showDetails,
          data: { packageId },
        }),
      );
    }
  },
});
