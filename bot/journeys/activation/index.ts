import type { Journey } from '../journey.js';

export const activationJourney: Journey = {
  name: 'activation',
  actions: [],
  commands: [],
};
