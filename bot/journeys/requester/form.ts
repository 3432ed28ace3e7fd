import { randomUUID } from 'node:crypto';
import type { ActionData } from '../../../cards/elements.js';
import { errorCard } from '../../../cards/errorCard.js';
import { messageCard } from '../../../cards/messageCard.js';
import { formInputId, requestFormCard } from '../../../cards/requester/requestForm.js';
import { readersToday } from '../../../cards/time.js';
import { type Verb, Verbs } from '../../../cards/verbs.js';
import { SignInRequiredError } from '../../../services/auth/tokens.js';
import { checkRequestForm, FormField, type RequestFormValues } from '../../../services/entitlement/requestForm.js';
import { createRequest, getRequirements, listMyAssignments } from '../../../services/entitlement/requests.js';
import { GraphRequestError } from '../../../services/graph/errors.js';
import type { AssignmentView, FieldErrors, RequestRequirements } from '../../../services/model/entitlement.js';
import { type ActionScope, defineAction } from '../../actions/registry.js';
import { type CardJson, cardReply } from '../../invokeResponse.js';
import { notRequestableCard } from './find.js';
import { justificationHash, reconcileIntent } from './intent.js';
import { localeOf, problemCard, userGraph } from './replies.js';
import { inputValue, packageData, renewData, requestFormData, submitData } from './schemas.js';
import { statusReply, trackRequest } from './status.js';
import { type Claim, RequesterStore, type StoredForm } from './store.js';

/** Request form (one getApplicablePolicyRequirements call) and its submit (one POST, exactly once per form). */

const WAIT_FOR_OTHER_SUBMIT_MS = 5000;
const POLL_MS = 100;

async function openForm(scope: ActionScope, packageId: string, mode: StoredForm['mode']): Promise<CardJson> {
  const { app, user, turn } = scope;
  const policies = await getRequirements(userGraph(app, user), packageId, localeOf(turn));
  if (policies.length === 0) return notRequestableCard();
  const store = new RequesterStore(app);
  const packageName = (await store.seenPackages(user.aadObjectId))[packageId] ?? 'this access package';
  const formId = randomUUID();
  await store.createForm(user.aadObjectId, formId, { packageId, packageName, mode, policies });
  return formCard(scope, formId, { packageName, mode, policies });
}

function formCard(
  scope: ActionScope,
  formId: string,
  form: Pick<StoredForm, 'packageName' | 'mode' | 'policies'>,
  shown: { chosenPolicyId?: string; values?: Record<string, string>; errors?: FieldErrors } = {},
): CardJson {
  return requestFormCard({
    formId,
    packageName: form.packageName,
    mode: form.mode,
    policies: form.policies,
    today: readersToday({ now: scope.app.clock.now().toISOString(), zone: scope.user.timeZone }),
    zone: scope.user.timeZone,
    ...shown,
  });
}

function formAction(verb: typeof Verbs.requestForm | typeof Verbs.requestAgain, mode: StoredForm['mode']) {
  return async (scope: ActionScope, packageId: string) => {
    try {
      return cardReply(await openForm(scope, packageId, mode));
    } catch (err) {
      return cardReply(
        problemCard(err, 'open the request form', scope.app.log, { title: 'Try again', verb, data: { packageId } }),
      );
    }
  };
}

export const requestFormAction = defineAction({
  verb: Verbs.requestForm,
  kind: 'updatesCard',
  data: requestFormData,
  async run(scope, data) {
    if (data.packageId) return formAction(Verbs.requestForm, 'new')(scope, data.packageId);
    const form = await new RequesterStore(scope.app).form(scope.user.aadObjectId, data.formId ?? '');
    if (!form) return cardReply(expiredFormCard());
    const chosen = form.policies.find((p) => p.policyId === data.policyId);
    return cardReply(formCard(scope, data.formId ?? '', form, { chosenPolicyId: chosen?.policyId }));
  },
});

export const requestAgainAction = defineAction({
  verb: Verbs.requestAgain,
  kind: 'updatesCard',
  data: packageData,
  run: (scope, { packageId }) => formAction(Verbs.requestAgain, 'new')(scope, packageId),
});

export const renewAction = defineAction({
  verb: Verbs.renew,
  kind: 'updatesCard',
  data: renewData,
  async run(scope, { packageId, assignmentId }) {
    try {
      // Renew data names an assignment: only one the clicker's own read lists opens a form (never another person's).
      const mine = await listMyAssignments(userGraph(scope.app, scope.user));
      const assignment = mine.find((a) => a.id === assignmentId && RENEWABLE_STATES.has(a.state));
      // The package comes from the assignment (empty only when Graph refused the $expand: then the card's own id).
      const ownPackage = assignment?.packageId || packageId;
      if (!assignment || ownPackage !== packageId) return cardReply(notYourAssignmentCard());
      return cardReply(await openForm(scope, ownPackage, 'renew'));
    } catch (err) {
      return cardReply(problemCard(err, 'renew this access', scope.app.log));
    }
  },
});

const RENEWABLE_STATES: ReadonlySet<AssignmentView['state']> = new Set(['delivered', 'partiallyDelivered']);

function notYourAssignmentCard() {
  return errorCard({
    title: 'I cannot renew this access for you',
    message: 'It is not among your current access package assignments, so I opened no form.',
    nextStep: 'Type **my access** to see what you have and renew from there.',
    retry: { title: 'Show my access', verb: Verbs.myAccess },
  });
}

function expiredFormCard() {
  return errorCard({
    title: 'This form is no longer valid',
    message: 'I do not have this request form any more, so nothing was sent.',
    nextStep: 'Type **request** and the name of the access package to start again.',
  });
}

/** The form's values by field name, read from the inputs of the submitted policy (`p<index>.<field>`). */
function valuesOf(data: Record<string, unknown>, index: number, req: RequestRequirements): Record<string, string> {
  const fields = [
    FormField.justification,
    FormField.startDate,
    FormField.endDate,
    ...req.questions.map((q) => FormField.question(q.id)),
  ];
  return Object.fromEntries(fields.map((f) => [f, inputValue(data, formInputId(index, f))]));
}

function formValues(values: Record<string, string>, req: RequestRequirements): RequestFormValues {
  return {
    justification: values[FormField.justification],
    startDate: values[FormField.startDate],
    endDate: values[FormField.endDate],
    answers: Object.fromEntries(req.questions.map((q) => [q.id, values[FormField.question(q.id)] ?? ''])),
  };
}

export const submitRequestAction = defineAction({
  verb: Verbs.submitRequest,
  kind: 'updatesCard',
  data: submitData,
  async run(scope, data) {
    const { app, user } = scope;
    const store = new RequesterStore(app);
    const form = await store.form(user.aadObjectId, data.formId);
    if (!form) return cardReply(expiredFormCard());
    try {
      if (form.submit?.state === 'done' && form.submit.requestId) {
        return cardReply(await statusReply(scope, form.submit.requestId));
      }
      return cardReply(await submit(scope, data, form));
    } catch (err) {
      return cardReply(
        problemCard(err, `request ${form.packageName}`, app.log, {
          title: 'Back to the form',
          verb: Verbs.requestForm,
          data: { formId: data.formId },
        }),
      );
    }
  },
});

async function submit(
  scope: ActionScope,
  data: { formId: string; policyId: string } & Record<string, unknown>,
  form: StoredForm,
): Promise<CardJson> {
  const { app, user } = scope;
  const index = form.policies.findIndex((p) => p.policyId === data.policyId);
  if (index < 0) return expiredFormCard();
  const req = form.policies[index];
  const values = valuesOf(data, index, req);
  const checked = checkRequestForm(req, formValues(values, req), {
    packageId: form.packageId,
    targetId: user.aadObjectId,
    now: app.clock.now(),
    zone: user.timeZone,
  });
  const again = (errors: FieldErrors) =>
    formCard(scope, data.formId, form, { chosenPolicyId: req.policyId, values, errors });
  if (!checked.ok) return again(checked.errors);
  const store = new RequesterStore(app);
  const claim = await store.claimForm(user.aadObjectId, data.formId);
  if (claim.kind !== 'claimed') return afterOtherSubmit(scope, claim, data.formId);
  // A claim taken over from a submit whose process died may have reached Graph: adopt that request, never send twice.
  let adopted: string | undefined;
  try {
    adopted = await adoptEarlierSubmit(scope, data.formId);
  } catch (err) {
    await store.finishForm(user.aadObjectId, data.formId, { state: 'failed' });
    throw err;
  }
  if (adopted) return statusReply(scope, adopted);
  const intent = await store.recordIntent({
    userId: user.aadObjectId,
    teamsId: user.teamsId,
    tenantId: user.tenantId,
    formId: data.formId,
    packageId: form.packageId,
    packageName: form.packageName,
    policyId: req.policyId,
    kind: 'add',
    justificationHash: justificationHash(checked.body.justification),
    ...clickedCard(scope),
  });
  let created: Awaited<ReturnType<typeof createRequest>>;
  try {
    created = await createRequest(userGraph(app, user), checked.body, { id: form.packageId, name: form.packageName });
  } catch (err) {
    // Graph names no field in its refusal (a generic `BadRequest`): the error card shows its message.
    await store.finishForm(user.aadObjectId, data.formId, { state: 'failed' });
    // Only a refusal proves nothing was created; after a timeout or 5xx the intent stays to be reconciled.
    if (err instanceof GraphRequestError && err.status >= 400 && err.status < 500 && err.status !== 408) {
      await store.dropIntent(user.aadObjectId, data.formId, intent.at);
    }
    throw err;
  }
  await store.finishForm(user.aadObjectId, data.formId, { state: 'done', requestId: created.id });
  await trackRequest(app, user, created, req.policyId, { renewal: form.mode === 'renew' });
  app.log.info({ requestId: created.id, state: created.state }, 'access request submitted');
  await store.dropIntent(user.aadObjectId, data.formId, intent.at);
  return statusReply(scope, created.id);
}

/** The form card the click came from: it becomes the status card if the request has to be adopted later. */
function clickedCard(scope: ActionScope): { card?: { activityId: string; conversationId: string } } {
  const { replyToId, conversation } = scope.turn.activity;
  return replyToId ? { card: { activityId: replyToId, conversationId: conversation?.id ?? '' } } : {};
}

/** The request an earlier submit of this form created but never recorded (its intent, reconciled now), if any. */
async function adoptEarlierSubmit(scope: ActionScope, formId: string): Promise<string | undefined> {
  const intent = await new RequesterStore(scope.app).intent(scope.user.aadObjectId, formId);
  if (!intent) return undefined;
  const result = await reconcileIntent(scope.app, intent, userGraph(scope.app, scope.user));
  return result.kind === 'adopted' ? result.request.id : undefined;
}

/**
 * Another click of the same form (double click, Teams retry, or a submit whose process died) got there first: show
 * what it created, reading the person's own requests when it left only its intent, and waiting a moment if it is
 * still sending. Nothing is sent twice.
 */
async function afterOtherSubmit(scope: ActionScope, claim: Claim, formId: string): Promise<CardJson> {
  const store = new RequesterStore(scope.app);
  if (claim.kind === 'busy') {
    const adopted = await adoptEarlierSubmit(scope, formId).catch((err) => {
      if (err instanceof SignInRequiredError) throw err;
      return undefined; // could not read the person's requests now: wait as for any other click
    });
    if (adopted) return statusReply(scope, adopted);
  }
  const result = await waitForResult(claim, () => store.claimState(scope.user.aadObjectId, formId, 'form'));
  if (result.kind === 'done') return statusReply(scope, result.requestId);
  if (result.kind === 'missing') return expiredFormCard();
  if (result.kind === 'failed') return earlierAttemptFailedCard({ verb: Verbs.requestForm, data: { formId } });
  return stillSendingCard();
}

export function earlierAttemptFailedCard(retry: { verb: Verb; data: ActionData }) {
  return errorCard({
    title: 'The earlier attempt did not go through',
    message: 'Another click on this card was sent first and did not get a clear answer from Microsoft Entra.',
    nextStep: 'Try again: I look for a request it may have made before I send anything.',
    retry: { title: 'Try again', ...retry },
  });
}

export async function waitForResult(first: Claim, read: () => Promise<Claim>): Promise<Claim> {
  let claim = first;
  for (let waited = 0; claim.kind === 'busy' && waited < WAIT_FOR_OTHER_SUBMIT_MS; waited += POLL_MS) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    claim = await read();
  }
  return claim;
}

export function stillSendingCard() {
  return messageCard({
    title: 'Still sending',
    text: 'Your earlier click is still being sent to Microsoft Entra. I did not send it twice.',
    facts: [['What now', 'Type **my requests** in a moment to see it.']],
  });
}
