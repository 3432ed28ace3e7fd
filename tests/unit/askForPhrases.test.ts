import { describe, expect, it } from 'vitest';
import { commandTable } from '../../bot/commands/index.js';
import { normaliseText } from '../../bot/commands/table.js';
import { wantedThing } from '../../bot/journeys/requester/phrases.js';

/** The text commands that search for what the person named. */
const SEARCHES = new Set(['askFor', 'request']);
const resolve = (text: string) => commandTable().resolve(normaliseText(text));

describe('asking for something is a search for it', () => {
  it.each([
    ['I need payroll', 'payroll'],
    ['i need access to payroll', 'payroll'],
    ['I need the finance reports', 'the finance reports'],
    ['Can I get Visio?', 'Visio'],
    ['can i get access to the DBA group', 'the DBA group'],
    ['Could I have payroll please', 'payroll'],
    ['could I have access to Finance Reports?', 'Finance Reports'],
    ['access to payroll', 'payroll'],
    ['Access to the sandbox', 'the sandbox'],
    ['request payroll', 'payroll'],
    ['Give me payroll', 'payroll'],
    ['give me access to payroll!', 'payroll'],
    ['please give me payroll', 'payroll'],
    ['I want access to payroll', 'payroll'],
    ["I'd like access to payroll", 'payroll'],
    ['may I have payroll', 'payroll'],
    ['hi, I need payroll', 'payroll'],
  ])('"%s" searches for "%s"', (text, thing) => {
    const { command, args } = resolve(text);
    expect(SEARCHES.has(command.name), `${text} went to ${command.name}`).toBe(true);
    expect(args).toBe(thing);
  });

  it('leaves text that asks for nothing to the other commands', () => {
    expect(wantedThing('payroll')).toBeUndefined();
    expect(wantedThing('what is this bot')).toBeUndefined();
    expect(wantedThing('I need')).toBeUndefined();
  });
});

describe('the existing commands keep their meaning', () => {
  it.each([
    ['help', 'help'],
    ['hi', 'help'],
    ['hello', 'help'],
    ['menu', 'help'],
    ['?', 'help'],
    ['approvals', 'approvals'],
    ['approve', 'approvals'],
    ['my approvals', 'approvals'],
    ['activate', 'activate'],
    ['activate Finance Admins', 'activate'],
    ['my roles', 'activate'],
    ['pim', 'activate'],
    ['my access', 'myAccess'],
    ['what do i have', 'myAccess'],
    ['my requests', 'myRequests'],
    ['requests', 'myRequests'],
    ['catalog', 'catalog'],
    ['browse', 'catalog'],
    ['find access', 'catalog'],
    ['find payroll', 'request'],
    ['search for payroll', 'request'],
    ['request', 'request'],
  ])('"%s" is still %s', (text, name) => {
    expect(resolve(text).command.name).toBe(name);
  });
});
