/** The parts of Graph's answers the console reads (everything optional: Graph decides what it sends). */

export interface Named {
  id: string;
  displayName?: string;
  description?: string;
}

export interface Schedule {
  startDateTime?: string | null;
  expiration?: { endDateTime?: string | null; duration?: string | null };
}

export interface PackageView extends Named {
  catalog?: Named;
}

export interface Answer {
  value?: string;
  displayValue?: string;
}

export interface RequestView {
  id: string;
  requestType?: string;
  state?: string;
  status?: string;
  createdDateTime?: string | null;
  justification?: string | null;
  answers?: Answer[];
  accessPackage?: Named;
  requestor?: Named;
}

export interface AssignmentView {
  id: string;
  state?: string;
  schedule?: Schedule;
  accessPackage?: Named;
}

export interface Question {
  id: string;
  '@odata.type'?: string;
  text?: string;
  isRequired?: boolean;
  isMultipleSelectionAllowed?: boolean;
  choices?: { actualValue: string; text?: string }[];
}

export interface Requirement {
  policyId: string;
  policyDisplayName?: string;
  policyDescription?: string;
  isApprovalRequiredForAdd?: boolean;
  isRequestorJustificationRequired?: boolean;
  questions?: Question[];
}

export interface Stage {
  id: string;
  status?: string;
  assignedToMe?: boolean;
}

export interface ApprovalView {
  id: string;
  stages?: Stage[];
  steps?: Stage[];
}

export interface PimInstanceView {
  id: string;
  groupId: string;
  accessId: string;
  assignmentType?: string;
  startDateTime?: string | null;
  endDateTime?: string | null;
  group?: Named;
}

export interface PimRequestView {
  id: string;
  action?: string;
  status?: string;
  groupId: string;
  accessId?: string;
  approvalId?: string | null;
  createdDateTime?: string | null;
  justification?: string | null;
  scheduleInfo?: Schedule | null;
  ticketInfo?: { ticketNumber?: string | null };
  group?: Named;
  principal?: Named;
}

export interface PolicyRule {
  id: string;
  enabledRules?: string[];
  maximumDuration?: string;
  isEnabled?: boolean;
  claimValue?: string | null;
  setting?: { isApprovalRequired?: boolean };
}

export interface PolicyAssignmentView {
  policy?: { rules?: PolicyRule[] };
}
