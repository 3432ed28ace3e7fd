import type {
  ApprovalStageView,
  PackageDetails,
  PackageHolding,
  PolicySummary,
} from '../../services/model/entitlement.js';
import {
  type AdaptiveCard,
  adaptiveCard,
  type CardElement,
  container,
  executeAction,
  factSet,
  heading,
  plainText,
  textBlock,
  truncate,
} from '../elements.js';
import { Verbs } from '../verbs.js';
import { accessLengthText, grantText } from './format.js';
import { heldNextText, holdingActions, WAITING_TEXT, youHaveThisText } from './holding.js';
import { type CatalogPlace, placeData } from './packageList.js';

/**
 * One package: what it grants, who approves, how long access lasts. Long lists are cut with a count so the card stays
 * within Teams' size limit; the request form still offers every policy.
 */

export const MAX_APPROVERS_NAMED = 5;
export const MAX_POLICIES_SHOWN = 5;
export const MAX_GRANTS_SHOWN = 20;

export function approversText(approvers: readonly string[]): string {
  const named = approvers.slice(0, MAX_APPROVERS_NAMED).map(plainText);
  const others = approvers.length - named.length;
  return others > 0 ? `${named.join(', ')} or ${others} others` : named.join(' or ');
}

export function approvalText(stages: ApprovalStageView[]): string {
  if (stages.length === 0) return 'No approval needed';
  return stages.map((s) => approversText(s.approvers)).join(', then ');
}

function policyFacts(policy: PolicySummary): CardElement {
  return factSet([
    ['Approval', policy.approvalRequired ? approvalText(policy.stages) : 'No approval needed'],
    ['Access lasts', accessLengthText(policy.lasts)],
    ['Justification', policy.justificationRequired ? 'Required' : 'Optional'],
  ]);
}

function policySection(policy: PolicySummary, several: boolean): CardElement[] {
  if (!several) return [policyFacts(policy)];
  return [
    container(
      [
        textBlock(`**${plainText(truncate(policy.displayName, 120))}**`),
        ...(policy.description
          ? [textBlock(plainText(truncate(policy.description, 300)), { isSubtle: true, spacing: 'none' })]
          : []),
        policyFacts(policy),
      ],
      { spacing: 'medium' },
    ),
  ];
}

function grantsSection(details: PackageDetails): CardElement[] {
  const lines = details.grants.slice(0, MAX_GRANTS_SHOWN).map((g) => `- ${truncate(grantText(g), 200)}`);
  const more = details.grants.length - lines.length;
  if (more > 0) lines.push(`- and ${more} more`);
  return [
    textBlock('What you get', { weight: 'bolder', spacing: 'medium' }),
    textBlock(lines.length > 0 ? lines.join('\n') : 'No resources are listed for this package.', { spacing: 'small' }),
  ];
}

function holdingSection(holding: PackageHolding | undefined): CardElement[] {
  if (!holding) return [];
  if (holding.kind === 'waiting') return [textBlock(`**${WAITING_TEXT}**`, { wrap: true })];
  const next = heldNextText(holding);
  return [
    textBlock(`**${youHaveThisText(holding.assignment)}**`, { wrap: true }),
    ...(next ? [textBlock(next, { spacing: 'none', wrap: true })] : []),
  ];
}

/**
 * `holding`: what the person already has of this package (undefined when nothing, or when it could not be read).
 * `from`: the list page the details were opened from, which "Back to the catalog" brings back as a new card.
 */
export function packageDetailsCard(
  details: PackageDetails,
  holding?: PackageHolding,
  from?: CatalogPlace,
): AdaptiveCard {
  const several = details.policies.length > 1;
  const howTitle = several ? `${details.policies.length} ways to get it` : 'How you get it';
  const body: CardElement[] = [
    heading(plainText(truncate(details.displayName, 200))),
    ...holdingSection(holding),
    ...(details.description ? [textBlock(plainText(truncate(details.description, 2000)))] : []),
    factSet([['Catalog', details.catalogName ? plainText(details.catalogName) : undefined]]),
    ...grantsSection(details),
    textBlock(howTitle, { weight: 'bolder', spacing: 'medium' }),
    ...details.policies.slice(0, MAX_POLICIES_SHOWN).flatMap((p) => policySection(p, several)),
    ...(details.policies.length > MAX_POLICIES_SHOWN
      ? [
          textBlock(`${details.policies.length - MAX_POLICIES_SHOWN} more: select Request to see them all.`, {
            isSubtle: true,
          }),
        ]
      : []),
  ];
  return adaptiveCard(
    body.filter((el) => el.type !== 'FactSet' || el.facts.length > 0),
    {
      actions: [
        ...holdingActions(details.id, holding),
        executeAction('Back to the catalog', Verbs.showCatalog, placeData(from)),
      ],
      fallbackText: `Access package ${details.displayName}.`,
    },
  );
}
