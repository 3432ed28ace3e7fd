import type { Journey } from '../journey.js';
import { activateAction } from './activating.js';
import { deactivateAction, extendAction, refreshActivationAction } from './active.js';
import {
  activateSavedSetAction,
  activateSeveralAction,
  activateSeveralFormAction,
  refreshBulkResultAction,
} from './bulk.js';
import { cancelActivationAction } from './cancel.js';
import {
  activateCommand,
  activateFormAction,
  activateListAction,
  forgetAnswersCommand,
  removeSavedSetAction,
} from './listing.js';
import { activationKind } from './subject.js';
import { activationWatchSource } from './watch.js';

export { activeRolesSections, deactivateFromMyAccess } from './myAccess.js';
export { stepUpRoutes } from './stepUpRoutes.js';

/** Just-in-time activation of eligible PIM group memberships and ownerships (issue #8), with step-up (issue #4). */
export const activationJourney: Journey = {
  name: 'activation',
  actions: [
    activateListAction,
    activateFormAction,
    activateAction,
    activateSeveralFormAction,
    activateSeveralAction,
    activateSavedSetAction,
    removeSavedSetAction,
    deactivateAction,
    extendAction,
    cancelActivationAction,
    refreshActivationAction,
    refreshBulkResultAction,
  ],
  commands: [forgetAnswersCommand, activateCommand],
  subjects: (app) => [activationKind(app)],
  watchSources: (app) => [activationWatchSource(app)],
};
