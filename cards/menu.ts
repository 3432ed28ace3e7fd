import { type ExecuteAction, executeAction } from './elements.js';
import { Verbs } from './verbs.js';

/** The five ways into the bot, shared by the help and welcome cards. */
export function mainMenuActions(): ExecuteAction[] {
  return [
    executeAction('Find access', Verbs.showCatalog),
    executeAction('My requests', Verbs.myRequests),
    executeAction('My access', Verbs.myAccess),
    executeAction('Approvals', Verbs.listApprovals),
    executeAction('Activate a role', Verbs.activateList),
  ];
}
