/**
 * Every Action.Execute verb the bot understands. The bot registers exactly one handler (and one data schema) per verb;
 * add new verbs here so that cards, the router and the card checker agree on the list.
 */
export const Verbs = {
  help: 'help',
  showCatalog: 'showCatalog',
  showDetails: 'showDetails',
  requestForm: 'requestForm',
  submitRequest: 'submitRequest',
  cancelRequest: 'cancelRequest',
  requestAgain: 'requestAgain',
  renew: 'renew',
  giveUp: 'giveUp',
  confirmGiveUp: 'confirmGiveUp',
  approve: 'approve',
  deny: 'deny',
  approveAll: 'approveAll',
  reviewApproveAll: 'reviewApproveAll',
  listApprovals: 'listApprovals',
  approvalDigest: 'approvalDigest',
  activateList: 'activateList',
  activateForm: 'activateForm',
  activate: 'activate',
  activateSeveralForm: 'activateSeveralForm',
  activateSeveral: 'activateSeveral',
  /** A saved set's button: the "Activate several" form with that set picked. */
  activateSavedSet: 'activateSavedSet',
  /** "Yes, remove set" on the activate list's Saved sets line. */
  removeSavedSet: 'removeSavedSet',
  deactivate: 'deactivate',
  /** Deactivate from `my access`: the answer is that card drawn again, with what Deactivate did by the row. */
  deactivateInMyAccess: 'deactivateInMyAccess',
  extend: 'extend',
  cancelActivation: 'cancelActivation',
  refreshRequest: 'refreshRequest',
  refreshApproval: 'refreshApproval',
  refreshActivation: 'refreshActivation',
  /** The result card of "Activate several", redrawn when Teams shows it (its rows as the activations now stand). */
  refreshBulkResult: 'refreshBulkResult',
  remindApprovers: 'remindApprovers',
  myRequests: 'myRequests',
  myAccess: 'myAccess',
  showMore: 'showMore',
} as const;

export type Verb = (typeof Verbs)[keyof typeof Verbs];

export const allVerbs: readonly Verb[] = Object.values(Verbs);

const verbSet: ReadonlySet<string> = new Set(allVerbs);

export function isVerb(value: unknown): value is Verb {
  return typeof value === 'string' && verbSet.has(value);
}
