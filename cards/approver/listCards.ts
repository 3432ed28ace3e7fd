import type { ApprovalState, PendingApprovalItem } from '../../services/model/approvals.js';
import {
  type AdaptiveCard,
  actionSet,
  adaptiveCard,
  type CardAction,
  type CardElement,
  callout,
  container,
  executeAction,
  factSet,
  heading,
  plainText,
  textBlock,
  truncate,
} from '../elements.js';
import { type Page, pageOf, pagerActions, rangeText } from '../paging.js';
import { momentDateText } from '../time.js';
import { Verbs } from '../verbs.js';
import { type CardBinding, outcomeTitle, roleLine } from './approvalCard.js';
import { ago } from './format.js';

/** The "approvals" summary (with "Approve all shown"), the bulk result and the daily digest. */

/** Approvals on one page of the "approvals" summary (each also has its own card) and of the digest. */
export const APPROVALS_PAGE_SIZE = 10;

/** The page `index` of what waits, oldest first (an index past the end shows the last page). */
export function approvalsPage<T>(items: readonly T[], index: number): { items: T[]; page: Page } {
  return pageOf(items, index, APPROVALS_PAGE_SIZE);
}

export interface ApprovalsSummaryView {
  /** Everything that waits, oldest first; the card shows one page. */
  items: PendingApprovalItem[];
  /** 0-based page to show. */
  page?: number;
  now: string;
  /** Who reads the card: their own decisions say "you". */
  viewerId?: string;
  /** Present when at least one request on the page can be approved without a reason: signs "Approve all shown". */
  bulk?: { refs: string[]; binding: CardBinding };
  /** Lists Graph did not give (`emRequests`, `pimApprovals`, …): the card names them. */
  unavailable?: readonly string[];
  /** Requests this card listed when first drawn that were decided (here or elsewhere) since. */
  decided?: ApprovalState[];
  /** Where the open requests' own cards are: `below` were posted after this card, `above` were already in the chat. */
  cards?: { above: number; below: number };
  /**
   * The bulk question, asked after "Approve all shown" re-read what is still open: exactly the requests "Yes" approves
   * (`binding` signs their `bulkRefOf`), and how many of those the card showed were decided since it was drawn.
   */
  confirm?: { items: PendingApprovalItem[]; binding: CardBinding; decidedSince: number };
}

const LIST_WORDS: Record<string, string> = {
  emRequests: 'access package requests',
  pimRequests: 'group activation requests',
  emApprovals: 'the approval stages of access package requests',
  pimApprovals: 'the approval stages of group activations',
  roleRequests: 'Microsoft Entra role activation requests',
};

/** "I could not load group activation requests just now: …" (so an empty or short list does not look complete). */
function unavailableBlock(parts: readonly string[] | undefined): CardElement[] {
  const words = (parts ?? []).map((p) => LIST_WORDS[p]).filter(Boolean);
  if (words.length === 0) return [];
  const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0];
  return [
    callout(
      [
        textBlock(
          `I could not load ${list} just now, so this list may be incomplete. Select Refresh to try again in a moment.`,
        ),
      ],
      'warning',
    ),
  ];
}

/** What one request is about, in a few words: "Salesforce – Sales Cloud User" or "Network Admins (member)". */
export function whatLine(state: ApprovalState): string {
  const t = state.details.target;
  if (t.kind === 'role') return plainText(roleLine(t));
  return t.kind === 'em' ? plainText(t.packageName) : `${plainText(t.groupName)} (${t.accessId})`;
}

function itemFacts(items: readonly PendingApprovalItem[], now: string): CardElement {
  return factSet(
    items.map(({ state, needsReason }) => {
      const requested = ago(state.details.requestedAt, now);
      const extra = [requested ? `requested ${requested}` : undefined, needsReason ? 'needs a reason' : undefined]
        .filter(Boolean)
        .join(', ');
      return [
        plainText(truncate(state.details.requester.displayName, 40)),
        `${whatLine(state)}${extra ? ` · ${extra}` : ''}`,
      ];
    }),
  );
}

export function approvalsSummaryCard(view: ApprovalsSummaryView): AdaptiveCard {
  const { now } = view;
  const total = view.items.length;
  const { items, page } = approvalsPage(view.items, view.page ?? 0);
  const gaps = unavailableBlock(view.unavailable);
  const decided = decidedBlock(view.decided ?? [], view.viewerId ?? '', now);
  if (total === 0) {
    return adaptiveCard(
      [
        heading(gaps.length ? 'Nothing I could load waits for your decision' : 'Nothing waits for your decision'),
        ...gaps,
        ...decided,
        textBlock('When a request needs you, I bring it to this chat.'),
      ],
      {
        actions: [executeAction('Check again', Verbs.listApprovals)],
        fallbackText: 'Nothing waits for your decision.',
      },
    );
  }
  const title = total === 1 ? '1 request waits for your decision' : `${total} requests wait for your decision`;
  const body: CardElement[] = [heading(title), textBlock(whereCardsAre(view.cards)), ...gaps];
  const range = rangeText(page);
  if (range) body.push(textBlock(range, { isSubtle: true, spacing: 'small' }));
  body.push(itemFacts(items, now));
  body.push(...decided);
  if (view.confirm) body.push(...confirmBlock(items, view.confirm, total - items.length, page.index));
  const actions: CardAction[] = [];
  const bulk = view.bulk;
  if (!view.confirm && bulk && bulk.refs.length > 0) {
    const data = { items: bulk.refs, op: bulk.binding.op, sig: bulk.binding.sig, page: page.index };
    actions.push(executeAction('Approve all shown', Verbs.reviewApproveAll, data));
  }
  actions.push(...pagerActions(page, Verbs.listApprovals));
  actions.push(executeAction('Refresh', Verbs.listApprovals, { page: page.index }));
  return adaptiveCard(body, { actions, fallbackText: title });
}

/** Each request has one card, the place to decide it; this says where those cards are. */
function whereCardsAre(cards: ApprovalsSummaryView['cards']): string {
  // Redrawn later (no counts): the cards are somewhere in the chat by then.
  if (!cards) return 'Oldest first. Each one has its own card in this chat with Approve and Deny.';
  if (cards.above === 0) return 'Oldest first. Each one follows as its own card with Approve and Deny.';
  if (cards.below === 0) {
    return 'Oldest first. Each one already has its own card further up in this chat, with Approve and Deny.';
  }
  const below = cards.below === 1 ? '1 follows below' : `${cards.below} follow below`;
  const above = cards.above === 1 ? '1 is further up in this chat' : `${cards.above} are further up in this chat`;
  return `Oldest first. Each one has its own card with Approve and Deny: ${below}, ${above}.`;
}

/** "Decided since this list was drawn": what left the list, and how ("Approved by you"). */
function decidedBlock(states: readonly ApprovalState[], viewerId: string, now: string): CardElement[] {
  if (states.length === 0) return [];
  const facts = states.slice(0, APPROVALS_PAGE_SIZE).map((state): [string, string] => {
    const how = state.outcome
      ? outcomeTitle(state.outcome, viewerId, state.details.kind)
      : stageDecisionText(state, viewerId);
    const when = ago(state.outcome?.at ?? state.decisions.at(-1)?.at, now);
    return [
      plainText(truncate(state.details.requester.displayName, 40)),
      `${whatLine(state)} · ${how}${when ? `, ${when}` : ''}`,
    ];
  });
  return [textBlock('Decided since this list was drawn', { weight: 'bolder', spacing: 'medium' }), factSet(facts)];
}

function stageDecisionText(state: ApprovalState, viewerId: string): string {
  const last = state.decisions.at(-1);
  if (!last) return `now at stage ${state.currentStage}`;
  const by = last.by ? (last.by.id === viewerId.toLowerCase() ? 'you' : plainText(last.by.displayName)) : 'an approver';
  return `stage ${last.stage} ${last.result.toLowerCase()} by ${by}`;
}

/**
 * The question "Approve all shown" asks once it re-read what still waits: only the requests on this page that are
 * still open and need no reason, with how many were decided since the card was drawn.
 */
function confirmBlock(
  items: readonly PendingApprovalItem[],
  confirm: NonNullable<ApprovalsSummaryView['confirm']>,
  elsewhere: number,
  pageIndex: number,
): CardElement[] {
  const eligible = confirm.items;
  const skipped = items.filter((i) => i.needsReason).length;
  const since =
    confirm.decidedSince > 0
      ? ` (${confirm.decidedSince} ${confirm.decidedSince === 1 ? 'was' : 'were'} decided since this card was drawn)`
      : '';
  const cancel = executeAction('Not now', Verbs.listApprovals, { page: pageIndex });
  if (eligible.length === 0) {
    return [
      container(
        [
          textBlock(`Nothing on this page is left to approve in one go${since}.`, { weight: 'bolder' }),
          actionSet([cancel]),
        ],
        { style: 'emphasis', spacing: 'medium' },
      ),
    ];
  }
  const count = eligible.length === 1 ? '1 request' : `${eligible.length} requests`;
  const question = elsewhere > 0 ? `Approve these ${count} shown on this page?` : `Approve these ${count}?`;
  const lines: CardElement[] = [
    textBlock(`${question}${since}`, { weight: 'bolder' }),
    ...eligible.map((i) =>
      textBlock(`- ${plainText(i.state.details.requester.displayName)}: ${whatLine(i.state)}`, { spacing: 'none' }),
    ),
  ];
  if (skipped > 0) {
    lines.push(
      textBlock(`${skipped === 1 ? '1 request needs' : `${skipped} requests need`} a reason: decide on its own card.`, {
        isSubtle: true,
      }),
    );
  }
  if (elsewhere > 0) {
    lines.push(
      textBlock(
        `Only this page: the ${elsewhere === 1 ? 'request' : `${elsewhere} requests`} on other pages ${elsewhere === 1 ? 'stays' : 'stay'} as ${elsewhere === 1 ? 'it is' : 'they are'}.`,
        { isSubtle: true },
      ),
    );
  }
  const data = { items: eligible.map((i) => bulkRefOf(i.state)), op: confirm.binding.op, sig: confirm.binding.sig };
  lines.push(
    actionSet([executeAction(`Yes, approve ${count}`, Verbs.approveAll, data, { style: 'positive' }), cancel]),
  );
  return [container(lines, { style: 'emphasis', spacing: 'medium' })];
}

/** One request as bulk buttons name it: `<kind>:<requestId>:<stage>` (the stage the card shows). */
export function bulkRefOf(state: ApprovalState): string {
  return `${state.details.kind}:${state.details.id.toLowerCase()}:${state.currentStage}`;
}

export interface BulkLine {
  /** Missing for a request the viewer was not shown to belong to: the line then names nothing of it. */
  state?: ApprovalState;
  approved: boolean;
  /** Why it was not approved ("already denied by Megan Bowen"). */
  note?: string;
}

export function bulkResultCard(lines: BulkLine[], viewerId: string): AdaptiveCard {
  const approved = lines.filter((l) => l.approved);
  const others = lines.filter((l) => !l.approved);
  const title = approved.length === 1 ? 'Approved 1 request' : `Approved ${approved.length} requests`;
  const body: CardElement[] = [callout([heading(title)], approved.length ? 'good' : 'default')];
  if (approved.length) {
    body.push(
      factSet(
        approved.flatMap((l) =>
          l.state ? [[plainText(l.state.details.requester.displayName), whatLine(l.state)]] : [],
        ),
      ),
    );
  }
  if (others.length) {
    body.push(textBlock('Not approved', { weight: 'bolder', spacing: 'medium' }));
    body.push(
      factSet(
        others.map((l) =>
          l.state
            ? [
                plainText(l.state.details.requester.displayName),
                `${whatLine(l.state)}: ${l.note ?? (l.state.outcome ? outcomeTitle(l.state.outcome, viewerId, l.state.details.kind) : 'not changed')}`,
              ]
            : ['A request', l.note ?? 'not changed'],
        ),
      ),
    );
  }
  return adaptiveCard(body, {
    actions: [executeAction('Show my approvals', Verbs.listApprovals)],
    fallbackText: title,
  });
}

export interface DigestView {
  /** Everything that still waits for this approver, oldest first; the card shows one page. */
  items: ApprovalState[];
  /** 0-based page to show. */
  page?: number;
  now: string;
}

export function digestCard(view: DigestView): AdaptiveCard {
  const n = view.items.length;
  const showApprovals = executeAction('Show my approvals', Verbs.listApprovals);
  if (n === 0) {
    return adaptiveCard([heading('Nothing still waits for your decision')], {
      actions: [showApprovals],
      fallbackText: 'Nothing still waits for your decision.',
    });
  }
  const title = n === 1 ? '1 request still waits for your decision' : `${n} requests still wait for your decision`;
  const { items, page } = approvalsPage(view.items, view.page ?? 0);
  const facts = items.map((state): [string, string] => {
    // The digest is never redrawn: "waiting since <date>" stays true where "waiting 3 days" would not.
    const since = state.stageStartedAt ?? state.details.requestedAt;
    const text = since ? `${whatLine(state)} · waiting since ${momentDateText(since)}` : whatLine(state);
    return [plainText(state.details.requester.displayName), text];
  });
  const range = rangeText(page);
  const body: CardElement[] = [
    heading(title),
    textBlock('Your daily reminder of requests that wait for you.'),
    ...(range ? [textBlock(range, { isSubtle: true, spacing: 'small' })] : []),
    factSet(facts),
  ];
  return adaptiveCard(body, {
    actions: [...pagerActions(page, Verbs.approvalDigest), showApprovals],
    fallbackText: title,
  });
}
