import { journeys } from '../journeys/index.js';
import { helpCommand, notUnderstoodCommand } from './help.js';
import { CommandTable } from './table.js';

export function commandTable(): CommandTable {
  return new CommandTable(
    [helpCommand, ...journeys.flatMap((j) => j.commands), ...journeys.flatMap((j) => j.lateCommands ?? [])],
    notUnderstoodCommand,
  );
}
