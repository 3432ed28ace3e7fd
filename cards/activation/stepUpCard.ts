import type { DirectoryScope, GroupAccess } from '../../services/model/pim.js';
import {
  type AdaptiveCard,
  adaptiveCard,
  type CardAction,
  callout,
  executeAction,
  heading,
  openUrlAction,
  plainText,
  textBlock,
} from '../elements.js';
import { Verbs } from '../verbs.js';
import { roleTitle } from './format.js';

export interface StepUpCardView {
  groupName: string;
  accessId: GroupAccess;
  /** Set for a Microsoft Entra role. */
  directoryScope?: DirectoryScope;
  /** The bot's own `/auth/stepup?state=…` page (single use, for this person, 10 minutes). */
  signInUrl: string;
  /** The Conditional Access authentication context Graph asked for (`c1`); undefined = multi-factor authentication. */
  authenticationContext?: string;
  /** Its name in the tenant ("Privileged access"), shown instead of the id when known. */
  authenticationContextName?: string;
  /** Last resort: the PIM page of the Entra admin center (entra mode only). */
  portalUrl?: string;
  linkMinutes: number;
}

export const VERIFY_BUTTON = 'Verify my identity';

/** Graph refused the activation until the person signs in more strongly; the card explains and links the sign-in. */
export function stepUpCard(view: StepUpCardView): AdaptiveCard {
  const what = roleTitle(view.accessId, view.groupName, view.directoryScope);
  const why = view.authenticationContext
    ? `**${plainText(view.groupName)}** asks for a stronger sign-in (Conditional Access authentication context "${plainText(view.authenticationContextName ?? view.authenticationContext)}") before it can be activated.`
    : `**${plainText(view.groupName)}** asks for multi-factor authentication before it can be activated, and your current sign-in did not include it.`;
  const actions: CardAction[] = [openUrlAction(VERIFY_BUTTON, view.signInUrl, { style: 'positive' })];
  if (view.portalUrl) actions.push(openUrlAction('Activate in the Entra portal instead', view.portalUrl));
  actions.push(executeAction('Back to my roles', Verbs.activateList));
  return adaptiveCard(
    [
      callout([heading(`Verify your identity to activate ${plainText(view.groupName)}`)], 'warning'),
      textBlock(why),
      textBlock(
        `Select **${VERIFY_BUTTON}** and sign in. I then finish the activation by myself and this card shows the result: no need to click again.`,
      ),
      textBlock(`The link works once, only for you, for ${view.linkMinutes} minutes.`, { isSubtle: true }),
    ],
    { actions, fallbackText: `Verify your identity to activate ${what}: open ${view.signInUrl}` },
  );
}
