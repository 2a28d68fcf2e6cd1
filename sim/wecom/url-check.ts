/**
 * The console's callback URL check, as WeCom builds it for an app (DOC-90930) and for a smart bot
 * (DOC-101033): a GET whose query carries an encrypted random `echostr`, signed like a callback;
 * the right answer is the bare plaintext.
 */
import { randomInt } from 'node:crypto';
import type { WeComCrypto } from '../../shared/crypto';

export function urlCheckRequest(crypto: WeComCrypto, callbackUrl: string, nowMs: number): { readonly url: string; readonly expected: string } {
  const expected = String(randomInt(1, 2 ** 47)) + String(randomInt(100000, 999999));
  const timestamp = String(Math.floor(nowMs / 1000));
  const nonce = String(randomInt(100000000, 999999999));
  const echostr = crypto.encrypt(expected);
  const url = new URL(callbackUrl);
  url.searchParams.set('msg_signature', crypto.signature(timestamp, nonce, echostr));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('echostr', echostr);
  return { url: url.toString(), expected };
}

/** Why an answer to the URL check fails (undefined when it is right): no answer, not 200, or not the bare plaintext. */
export function urlCheckFailure(outcome: { readonly status: number; readonly body: string; readonly attempts: readonly { readonly error?: string }[] }, expected: string): string | undefined {
  if (outcome.attempts[0]?.error) return outcome.attempts[0].error;
  if (outcome.status !== 200) return `HTTP ${outcome.status}`;
  if (outcome.body !== expected) return `reply was ${JSON.stringify(outcome.body.slice(0, 80))}, expected the bare echostr plaintext`;
  return undefined;
}
