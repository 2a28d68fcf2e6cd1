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
