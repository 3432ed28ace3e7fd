import type { ApprovalState, PendingApprovalItem } from '../../services/model/approvals.js';
import {
  type AdaptiveCard,
  adaptiveCard,
  type CardAction,
  type CardElement,
  executeAction,
  factSet,
  heading,
  plainText,
  showCardAction,
  textBlock,
  truncate,
} from '../elements.js';
import { type Page, pageOf, pagerActions, rangeText } from '../paging.js';
import { momentDateText } from '../time.js';
import { Verbs } from '../verbs.js';
import { type CardBinding, outcomeTitle } from './approvalCard.js';
import { ago } from './format.js';

/** The "approvals" summary (with "Approve all shown"), the bulk result and the daily digest. */

/** Approvals on one page of the "approvals" summary (each also comes as its own card) and of the digest. */
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
  /** Present when at least one request on the page can be approved without a reason: signs the bulk button. */
  bulk?: { refs: string[]; binding: CardBinding };
  /** Lists Graph did not give (`emRequests`, `pimApprovals`, …): the card names them. */
  unavailable?: readonly string[];
}

const LIST_WORDS: Record<string, string> = {
  emRequests: 'access package requests',
  pimRequests: 'group activation requests',
  emApprovals: 'the approval stages of access package requests',
  pimApprovals: 'the approval stages of group activations',
};

/** "I could not load group activation requests just now: …" (so an empty or short list does not look complete). */
function unavailableBlock(parts: readonly string[] | undefined): CardElement[] {
  const words = (parts ?? []).map((p) => LIST_WORDS[p]).filter(Boolean);
  if (words.length === 0) return [];
  const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0];
  return [
    textBlock(
      `I could not load ${list} just now, so this list may be incomplete. Select Refresh to try again in a moment.`,
      {
        color: 'warning',
      },
    ),
  ];
}

/** What one request is about, in a few words: "Salesforce – Sales Cloud User" or "Network Admins (member)". */
export function whatLine(state: ApprovalState): string {
  const t = state.details.target;
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
  if (total === 0) {
    return adaptiveCard(
      [
        heading(gaps.length ? 'Nothing I could load waits for your decision' : 'Nothing waits for your decision'),
        ...gaps,
        textBlock('When a request needs you, I bring it to this chat.'),
      ],
      {
        actions: [executeAction('Check again', Verbs.listApprovals)],
        fallbackText: 'Nothing waits for your decision.',
      },
    );
  }
  const title = total === 1 ? '1 request waits for your decision' : `${total} requests wait for your decision`;
  const body: CardElement[] = [
    heading(title),
    textBlock('Oldest first. Each one follows as its own card with Approve and Deny.'),
    ...gaps,
  ];
  const range = rangeText(page);
  if (range) body.push(textBlock(range, { isSubtle: true, spacing: 'small' }));
  body.push(itemFacts(items, now));
  const actions: CardAction[] = [];
  const bulk = view.bulk;
  if (bulk && bulk.refs.length > 0) actions.push(approveAllAction(items, bulk, total - items.length));
  actions.push(...pagerActions(page, Verbs.listApprovals));
  actions.push(executeAction('Refresh', Verbs.listApprovals, { page: page.index }));
  return adaptiveCard(body, { actions, fallbackText: title });
}

/** Approves the requests on this page only (`items`); `elsewhere` wait on other pages and are not touched. */
function approveAllAction(
  items: readonly PendingApprovalItem[],
  bulk: { refs: string[]; binding: CardBinding },
  elsewhere: number,
): CardAction {
  const eligible = items.filter((i) => !i.needsReason);
  const skipped = items.length - eligible.length;
  const count = eligible.length === 1 ? '1 request' : `${eligible.length} requests`;
  const confirm: CardElement[] = [
    textBlock(elsewhere > 0 ? `Approve these ${count} shown on this page?` : `Approve these ${count}?`, {
      weight: 'bolder',
    }),
    ...eligible.map((i) =>
      textBlock(`- ${plainText(i.state.details.requester.displayName)}: ${whatLine(i.state)}`, { spacing: 'none' }),
    ),
  ];
  if (skipped > 0) {
    confirm.push(
      textBlock(`${skipped === 1 ? '1 request needs' : `${skipped} requests need`} a reason: decide on its own card.`, {
        isSubtle: true,
      }),
    );
  }
  if (elsewhere > 0) {
    confirm.push(
      textBlock(
        `Only this page: the ${elsewhere === 1 ? 'request' : `${elsewhere} requests`} on other pages ${elsewhere === 1 ? 'stays' : 'stay'} as ${elsewhere === 1 ? 'it is' : 'they are'}.`,
        { isSubtle: true },
      ),
    );
  }
  const data = { items: bulk.refs, op: bulk.binding.op, sig: bulk.binding.sig };
  return showCardAction('Approve all shown', confirm, [
    executeAction(`Yes, approve ${count}`, Verbs.approveAll, data, { style: 'positive' }),
  ]);
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
  const body: CardElement[] = [heading(title, approved.length ? { color: 'good' } : {})];
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
