import { journeys } from '../journeys/index.js';
import { helpAction } from './help.js';
import { ActionTable } from './registry.js';

/** Every card verb the bot handles, one schema and one handler each. */
export function actionTable(): ActionTable {
  return new ActionTable([helpAction, ...journeys.flatMap((j) => j.actions)]);
}
