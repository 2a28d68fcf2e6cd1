/**
 * Rules for the plain values we place next to the ciphertext in reply envelopes (timestamp, nonce,
 * ToUserName, AgentID). They go into XML (`<TimeStamp>` is not CDATA in the official template,
 * and `]]>` would end a CDATA section), so they are restricted to characters that never need
 * escaping; the platforms only ever send digits and alphanumerics here.
 */

/** Seconds (WeCom) or milliseconds (DingTalk) since the epoch, as decimal digits. */
const TIMESTAMP_PATTERN = /^[0-9]{1,20}$/;
/** Printable ASCII without the XML-significant `< > & ' "` and without `]` (CDATA terminator) or `\`. */
const ENVELOPE_TEXT_PATTERN = /^[A-Za-z0-9!#$%()*+,\-./:;=?@^_`{|}~]{1,128}$/;
const AGENT_ID_PATTERN = /^[0-9]{1,20}$/;

export function isEnvelopeTimestamp(value: unknown): value is string {
  return typeof value === 'string' && TIMESTAMP_PATTERN.test(value);
}

export function isEnvelopeText(value: unknown): value is string {
  return typeof value === 'string' && ENVELOPE_TEXT_PATTERN.test(value);
}

export function isAgentId(value: unknown): value is string {
  return typeof value === 'string' && AGENT_ID_PATTERN.test(value);
}

/**
 * Limit for timestamp and nonce on the verify side. They are hashed before anything else, so a
 * bound keeps a hostile query from making us hash megabytes; real values are ≤ 16 characters.
 */
export const MAX_SIGNED_FIELD_CHARS = 256;
