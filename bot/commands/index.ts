import { helpCommand, notUnderstoodCommand } from './help.js';
import { CommandTable } from './table.js';

export function commandTable(): CommandTable {
  return new CommandTable([helpCommand], notUnderstoodCommand);
}
