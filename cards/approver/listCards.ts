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
import { Verbs } from '../verbs.js';
import { type CardBinding, outcomeTitle } from './approvalCard.js';
import { ago, span } from './format.js';

/** The "approvals" summary (with "Approve all shown"), the bulk result and the daily digest. */

export interface ApprovalsSummaryView {
  items: PendingApprovalItem[];
  /** How many wait in total (items holds the oldest ones shown). */
  total: number;
  now: string;
  /** Present when at least one shown request can be approved without a reason: signs the bulk button. */
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
      const waited = ago(state.details.requestedAt, now);
      const extra = [waited, needsReason ? 'needs a reason' : undefined].filter(Boolean).join(', ');
      return [
        plainText(truncate(state.details.requester.displayName, 40)),
        `${whatLine(state)}${extra ? ` · ${extra}` : ''}`,
      ];
    }),
  );
}

export function approvalsSummaryCard(view: ApprovalsSummaryView): AdaptiveCard {
  const { items, total, now } = view;
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
  if (items.length < total)
    body.push(textBlock(`Showing the ${items.length} oldest.`, { isSubtle: true, spacing: 'small' }));
  body.push(itemFacts(items, now));
  const actions: CardAction[] = [];
  const bulk = view.bulk;
  if (bulk && bulk.refs.length > 0) actions.push(approveAllAction(items, bulk));
  actions.push(executeAction('Refresh', Verbs.listApprovals));
  return adaptiveCard(body, { actions, fallbackText: title });
}

function approveAllAction(
  items: readonly PendingApprovalItem[],
  bulk: { refs: string[]; binding: CardBinding },
): CardAction {
  const eligible = items.filter((i) => !i.needsReason);
  const skipped = items.length - eligible.length;
  const count = eligible.length === 1 ? '1 request' : `${eligible.length} requests`;
  const confirm: CardElement[] = [
    textBlock(`Approve these ${count}?`, { weight: 'bolder' }),
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
  items: ApprovalState[];
  now: string;
}

export function digestCard(view: DigestView): AdaptiveCard {
  const n = view.items.length;
  const title = n === 1 ? '1 request still waits for your decision' : `${n} requests still wait for your decision`;
  const facts = view.items.slice(0, 15).map((state): [string, string] => {
    const since = state.stageStartedAt ?? state.details.requestedAt;
    const waited = since ? Date.parse(view.now) - Date.parse(since) : Number.NaN;
    const text = Number.isNaN(waited) ? whatLine(state) : `${whatLine(state)} · waiting ${span(waited)}`;
    return [plainText(state.details.requester.displayName), text];
  });
  const body: CardElement[] = [
    heading(title),
    textBlock('Your daily reminder of requests that wait for you.'),
    factSet(facts),
  ];
  if (n > facts.length) body.push(textBlock(`And ${n - facts.length} more.`, { isSubtle: true }));
  return adaptiveCard(body, {
    actions: [executeAction('Show my approvals', Verbs.listApprovals)],
    fallbackText: title,
  });
}
