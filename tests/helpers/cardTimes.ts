import { formatText } from '../../node_modules/adaptivecards/src/text-formatters.js';

/**
 * What a reader sees of a card text's `{{DATE()}}` / `{{TIME()}}` functions: the Adaptive Cards renderer's own
 * formatter decides which tokens it accepts (a token it rejects stays as typed, and this throws), and the words are
 * the renderer's (`toLocaleDateString(lang, { weekday, month: SHORT, day, year })`, `toLocaleTimeString(lang, { hour,
 * minute })`) in the reader's `zone`, passed explicitly so the test process's TZ never matters.
 */
export function seenIn(text: string, zone: string, lang = 'en-US'): string {
  const accepted = formatText(lang, text) ?? '';
  if (accepted.includes('{{')) throw new Error(`the renderer does not accept a time function in: ${text}`);
  return text
    .replace(/\{\{DATE\(([^,)]+)(?:, ?(COMPACT|LONG|SHORT))?\)\}\}/g, (_all, iso: string, format?: string) => {
      const style = (format ?? 'COMPACT').toLowerCase();
      const date = new Date(Date.parse(iso));
      return style === 'compact'
        ? date.toLocaleDateString(lang, { timeZone: zone })
        : date.toLocaleDateString(lang, {
            timeZone: zone,
            day: 'numeric',
            weekday: style as 'long' | 'short',
            month: style as 'long' | 'short',
            year: 'numeric',
          });
    })
    .replace(/\{\{TIME\(([^)]+)\)\}\}/g, (_all, iso: string) =>
      new Date(Date.parse(iso)).toLocaleTimeString(lang, { timeZone: zone, hour: 'numeric', minute: '2-digit' }),
    );
}

/** Every DATE/TIME function in `text`, as written. */
export function timeTokens(text: string): string[] {
  return text.match(/\{\{(?:DATE|TIME)\([^)]*\)\}\}/g) ?? [];
}
