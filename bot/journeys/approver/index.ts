import type { Journey } from '../journey.js';

export const approverJourney: Journey = {
  name: 'approver',
  actions: [],
  commands: [],
};
