import { activationJourney } from './activation/index.js';
import { approverJourney } from './approver/index.js';
import type { Journey } from './journey.js';
import { requesterJourney } from './requester/index.js';

export const journeys: Journey[] = [requesterJourney, approverJourney, activationJourney];
