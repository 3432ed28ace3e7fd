import type { Journey } from '../journey.js';
import { expiryWatchSource } from './expiry.js';
import {
  askForCommand,
  catalogCommand,
  requestCommand,
  sentenceCommand,
  showCatalogAction,
  showDetailsAction,
  showMoreAction,
} from './find.js';
import { renewAction, requestAgainAction, requestFormAction, submitRequestAction } from './form.js';
import {
  confirmGiveUpAction,
  deactivateInMyAccessAction,
  giveUpAction,
  myAccessAction,
  myAccessCommand,
  myRequestsAction,
  myRequestsCommand,
} from './mine.js';
import { cancelRequestAction, refreshRequestAction, requestSubjectKind, requestWatchSource } from './status.js';

export { loadMyAccessView } from './mine.js';
export { REQUESTER_ROLE, requestSubject } from './status.js';

/**
 * The requester journey (issue #5): find an access package, request exactly what its policy asks, and follow one
 * status card until the access is delivered, denied or canceled; `my requests` and `my access` with their actions.
 */
export const requesterJourney: Journey = {
  name: 'requester',
  actions: [
    showCatalogAction,
    showMoreAction,
    showDetailsAction,
    requestFormAction,
    requestAgainAction,
    renewAction,
    submitRequestAction,
    cancelRequestAction,
    refreshRequestAction,
    myRequestsAction,
    myAccessAction,
    giveUpAction,
    deactivateInMyAccessAction,
    confirmGiveUpAction,
  ],
  commands: [myRequestsCommand, myAccessCommand, catalogCommand, requestCommand],
  lateCommands: [askForCommand, sentenceCommand],
  subjects: (app) => [requestSubjectKind(app)],
  watchSources: (app) => [requestWatchSource(app), expiryWatchSource(app)],
};
