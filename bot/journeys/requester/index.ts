import type { Journey } from '../journey.js';

export const requesterJourney: Journey = {
  name: 'requester',
  actions: [],
  commands: [],
};
