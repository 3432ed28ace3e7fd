/**
 * "I need payroll", "can I get access to the finance reports?", "give me Visio": the thing a person asks for, or
 * undefined when the text is not phrased as asking for something. Matched only after every other command, so
 * `approvals`, `activate`, `my access` and the rest keep their meaning.
 */

const POLITE = String.raw`(?:(?:hi|hello|hey)[,!]?\s+)?(?:please[,]?\s+)?`;
const ASKING = [
  String.raw`i\s+(?:really\s+|also\s+)?(?:need|want|require)`,
  String.raw`i(?:\s+would|'d)\s+like`,
  String.raw`(?:can|could|may)\s+i\s+(?:please\s+)?(?:get|have|request)`,
  String.raw`(?:can|could)\s+you\s+(?:please\s+)?(?:give|get)\s+me`,
  String.raw`give\s+me`,
  String.raw`get\s+me`,
  'request',
  String.raw`access\s+to`,
].join('|');
const ACCESS_TO = String.raw`(?:(?:access|permissions?|rights)\s+(?:to|for)\s+)?`;
const PHRASE = new RegExp(`^${POLITE}(?:${ASKING})\\s+${ACCESS_TO}(.+?)(?:[\\s,]+please)?[\\s?.!]*$`, 'i');

export function wantedThing(text: string): string | undefined {
  const m = PHRASE.exec(text.trim());
  const thing = m?.[1]?.trim();
  return thing ? thing : undefined;
}
