import type { ApprovalStageView, PackageDetails, PolicySummary } from '../../services/model/entitlement.js';
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
} from '../elements.js';
import { Verbs } from '../verbs.js';
import { accessLengthText, grantText } from './format.js';

/** One package: what it grants, who approves, how long access lasts. */

export function approvalText(stages: ApprovalStageView[]): string {
  if (stages.length === 0) return 'No approval needed';
  return stages.map((s) => s.approvers.map(plainText).join(' or ')).join(', then ');
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
        textBlock(`**${plainText(policy.displayName)}**`),
        ...(policy.description ? [textBlock(plainText(policy.description), { isSubtle: true, spacing: 'none' })] : []),
        policyFacts(policy),
      ],
      { spacing: 'medium' },
    ),
  ];
}

function grantsSection(details: PackageDetails): CardElement[] {
  const lines = details.grants.map((g) => `- ${grantText(g)}`);
  return [
    textBlock('What you get', { weight: 'bolder', spacing: 'medium' }),
    textBlock(lines.length > 0 ? lines.join('\n') : 'No resources are listed for this package.', { spacing: 'small' }),
  ];
}

export function packageDetailsCard(details: PackageDetails): AdaptiveCard {
  const several = details.policies.length > 1;
  const howTitle = several ? `${details.policies.length} ways to get it` : 'How you get it';
  const body: CardElement[] = [
    heading(plainText(details.displayName)),
    ...(details.description ? [textBlock(plainText(details.description))] : []),
    factSet([['Catalog', details.catalogName ? plainText(details.catalogName) : undefined]]),
    ...grantsSection(details),
    textBlock(howTitle, { weight: 'bolder', spacing: 'medium' }),
    ...details.policies.flatMap((p) => policySection(p, several)),
  ];
  return adaptiveCard(
    body.filter((el) => el.type !== 'FactSet' || el.facts.length > 0),
    {
      actions: [
        executeAction('Request', Verbs.requestForm, { packageId: details.id }, { style: 'positive' }),
        executeAction('Back to the catalog', Verbs.showCatalog),
      ],
      fallbackText: `Access package ${details.displayName}.`,
    },
  );
}
