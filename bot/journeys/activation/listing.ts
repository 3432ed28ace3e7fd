import { eligibleListCard, type RowNotice } from '../../../cards/activation/listCard.js';
import { type AdaptiveCard, executeAction, plainText, truncate } from '../../../cards/elements.js';
import { messageCard } from '../../../cards/messageCard.js';
import { Verbs } from '../../../cards/verbs.js';
import { toDomainError } from '../../../services/graph/errors.js';
import type { EligibleRole } from '../../../services/model/pim.js';
import { defineAction } from '../../actions/registry.js';
import { sendCard } from '../../cardSender.js';
import { prefixMatcher, type TextCommand } from '../../commands/table.js';
import { cardReply, messageReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { currentRoleCard, formFor, graphProblemCard, notEligibleCard, policyUnreadableCard } from './activating.js';
import { forgetAnswers } from './answers.js';
import { savedSetForm } from './bulk.js';
import { activationContext } from './context.js';
import { removeSet, type SavedSet, savedSet, savedSets } from './savedSets.js';
import { type ListPlace, listData, roleData, savedSetData } from './schemas.js';
import type { ActivationRecord } from './store.js';
import { trackCopy } from './subject.js';

/** `activate`: my eligible roles with each group's rules; each role's button opens its activation form. */

async function listCard(
  app: BotServices,
  user: ActingUser,
  filter?: string,
  page = 0,
  notice?: RowNotice,
  typed = false,
): Promise<AdaptiveCard> {
  try {
    const { roles, unavailable } = await activationContext(app).eligibleRoleList(user, true);
    const wanted = filter?.trim().toLowerCase();
    const shown = wanted ? roles.filter((r) => r.group.displayName.toLowerCase().includes(wanted)) : roles;
    if (typed && wanted && shown.length === 0) {
      const sets = await savedSets(app, user.aadObjectId);
      if (sets.length > 0) return unknownSetCard(filter ?? '', sets);
    }
    if (unavailable.length > 0) app.log.warn({ unavailable }, 'eligible roles listed with parts missing');
    const now = app.clock.now().toISOString();
    const sets = (await savedSets(app, user.aadObjectId)).map((s) => s.name);
    return eligibleListCard({
      roles: shown,
      now,
      filter: wanted ? filter : undefined,
      page,
      unavailable,
      notice,
      savedSets: sets,
    });
  } catch (err) {
    app.log.warn({ err }, 'could not list eligible roles');
    return graphProblemCard(toDomainError(err, { action: 'read your eligible roles' }));
  }
}

export const removeSavedSetAction = defineAction({
  verb: Verbs.removeSavedSet,
  kind: 'updatesCard',
  data: savedSetData,
  async run({ user, app }, data) {
    await removeSet(app, user.aadObjectId, data.name);
    return cardReply(await listCard(app, user));
  },
});

/** `activate <name>` that is neither a saved set nor matches a role: the person's saved set names. */
function unknownSetCard(typed: string, sets: SavedSet[]): AdaptiveCard {
  return messageCard({
    title: 'No saved set or role by that name',
    text: `Nothing is called "${plainText(truncate(typed, 60))}". Your saved sets: ${sets.map((s) => `**${plainText(s.name)}**`).join(', ')}. Type **activate** and a set's name, or **activate** for all your roles.`,
    tone: 'warning',
    actions: sets.map((s) => executeAction(s.name, Verbs.activateSavedSet, { name: s.name })),
  });
}

/** The list drawn again (read fresh) after a click on one of its rows, with what that click did in the row. */
export function listAfterClick(app: BotServices, user: ActingUser, place: ListPlace, notice?: RowNotice) {
  return listCard(app, user, place.filter, place.page, notice);
}

export const activateCommand: TextCommand = {
  name: 'activate',
  match: prefixMatcher('activate', 'activation', 'activations', 'my roles', 'eligible roles', 'pim'),
  async run({ turn, user, app }, args) {
    const wanted = args.slice(0, 60).trim();
    // A saved set wins only on its exact name; anything else stays the list's filter, as before sets.
    const set = wanted ? await savedSet(app, user.aadObjectId, wanted) : undefined;
    if (set) {
      await sendCard(turn, await savedSetForm(app, user, set));
      return;
    }
    await sendCard(turn, await listCard(app, user, wanted || undefined, 0, undefined, true));
  },
};

/** `forget my answers`: the remembered justifications and tickets go; saved sets and durations stay. */
export const forgetAnswersCommand: TextCommand = {
  name: 'forget my answers',
  match: (text) => (/^forget\s+my\s+answers$/i.test(text.trim()) ? '' : undefined),
  async run({ turn, user, app }) {
    await forgetAnswers(app, user.aadObjectId);
    await sendCard(
      turn,
      messageCard({
        title: 'Answers forgotten',
        text: 'I no longer pre-fill your last justification and ticket on activation forms.',
        tone: 'good',
        actions: [],
      }),
    );
  },
};

export const activateListAction = defineAction({
  verb: Verbs.activateList,
  kind: 'pagedList',
  data: listData,
  async run({ user, app }, data) {
    return cardReply(await listCard(app, user, data.filter, data.page));
  },
});

/**
 * Opens the form of one role. From this journey's cards (`here`) the form replaces the clicked card; from another
 * journey's card ("Activate now" on a delivered package) it arrives as a new message, so that card stays as it is
 * and keeps being updated by its own journey.
 */
export const activateFormAction = defineAction({
  verb: Verbs.activateForm,
  kind: 'updatesCard',
  data: roleData,
  async run({ turn, user, app }, data) {
    const { card, record } = await formCard(app, user, data.groupId, data.accessId, data.directoryScopeId);
    const conversationId = turn.activity.conversation?.id;
    if (data.here) {
      if (record) await trackCopy(app, record, { activityId: turn.activity.replyToId, conversationId });
      return cardReply(card);
    }
    const activityId = await sendCard(turn, card);
    if (record) await trackCopy(app, record, { activityId, conversationId });
    return messageReply('I sent you the activation form.');
  },
});

async function formCard(
  app: BotServices,
  user: ActingUser,
  groupId: string,
  accessId: EligibleRole['accessId'],
  directoryScopeId?: string,
): Promise<{ card: AdaptiveCard; record?: ActivationRecord }> {
  let role: EligibleRole | undefined;
  try {
    role = await activationContext(app).eligibleRole(user, groupId, accessId, directoryScopeId);
  } catch (err) {
    return {
      card: graphProblemCard(toDomainError(err, { action: 'read your eligible roles' }), {
        groupId,
        accessId,
        directoryScopeId,
      }),
    };
  }
  if (!role) return { card: notEligibleCard() };
  if (role.active || role.pending) return currentRoleCard(app, user, role);
  if (!role.policy) return { card: policyUnreadableCard(role) };
  return { card: await formFor(app, user, { ...role, policy: role.policy }) };
}
