/**
 * Generators of bad callback requests (fast-check), shared by the fuzz test (`npm test`, 10,000
 * requests) and `npm run fuzz` (100,000). Each starts from a correctly signed request and breaks
 * one thing; none of them may enqueue, write, or get anything but a 4xx with `{code, message}`.
 */
import { createCipheriv, createHash } from 'node:crypto';
import fc from 'fast-check';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DingTalkCrypto, WeComCrypto, dingTalkCardSignature } from '../../shared/crypto';
import type { IntegrationAdmin } from '../../shared/application/integration-admin';

export const fuzzWeCom = { id: 'fuzz-wecom', corpId: 'wwfuzzcorp01', token: 'FuzzToken', aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
export const fuzzDing = { id: 'fuzz-ding', clientId: 'dingfuzzclient', token: 'FuzzDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', cardApiSecret: 'fuzz-card-secret' };

/** Registers the two integrations the bad requests are aimed at (no platform is ever called). */
export async function addFuzzIntegrations(admin: IntegrationAdmin): Promise<void> {
  await admin.addWeCom({ id: fuzzWeCom.id, corpId: fuzzWeCom.corpId, agentId: '1', apiBase: 'http://127.0.0.1:9', secret: 's', token: fuzzWeCom.token, aesKey: fuzzWeCom.aesKey });
  await admin.addDingTalk({ id: fuzzDing.id, clientId: fuzzDing.clientId, clientSecret: 's', token: fuzzDing.token, aesKey: fuzzDing.aesKey, cardApiSecret: fuzzDing.cardApiSecret, apiBase: 'http://127.0.0.1:9' });
}

const wecom = new WeComCrypto({ token: fuzzWeCom.token, encodingAesKey: fuzzWeCom.aesKey, receiveId: fuzzWeCom.corpId });
const ding = new DingTalkCrypto({ token: fuzzDing.token, aesKey: fuzzDing.aesKey, ownerKey: fuzzDing.clientId });

const cardEvent = (from: string) =>
  `<xml><ToUserName><![CDATA[${fuzzWeCom.corpId}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>1700000000</CreateTime>` +
  `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[ack]]></EventKey><TaskId><![CDATA[t1]]></TaskId></xml>`;

/** AES-CBC over a valid frame with deliberately wrong PKCS#7 padding, correctly signed. */
function badPaddingCiphertext(aesKey43: string, message: string, trailer: string, padByte: number): string {
  const key = Buffer.from(`${aesKey43}=`, 'base64');
  const body = Buffer.from(message);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const raw = Buffer.concat([Buffer.alloc(16, 0x61), len, body, Buffer.from(trailer)]);
  const padLength = 32 - (raw.length % 32);
  const pad = Buffer.alloc(padLength, padLength);
  pad[pad.length - 1] = padByte; // 0, > 32 or not matching the other pad bytes
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([raw, pad])), c.final()]).toString('base64');
}

function event(method: 'GET' | 'POST', path: string, integrationId: string, rawQueryString: string, body: string | undefined, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path.replace('{integrationId}', integrationId),
    rawQueryString,
    headers: { 'content-type': 'application/json', ...headers },
    pathParameters: { integrationId },
    requestContext: {
      accountId: '0',
      apiId: 'fuzz',
      domainName: 'local',
      domainPrefix: 'local',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'fuzz' },
      requestId: 'fuzz',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: false,
  };
}

export interface BadRequest {
  readonly mutation: string;
  readonly functionName: 'wecom-callback' | 'dingtalk-events' | 'dingtalk-cards';
  readonly event: APIGatewayProxyEventV2;
}

const text = fc.string({ maxLength: 64 });
const sig = (s: string, flip: number) => {
  const i = flip % s.length;
  return s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
};

const wecomPost = (query: string, body: string, mutation: string): BadRequest => ({
  mutation,
  functionName: 'wecom-callback',
  event: event('POST', '/wecom/{integrationId}/callback', fuzzWeCom.id, query, body, { 'content-type': 'text/xml' }),
});
const dingPost = (query: string, body: string, mutation: string): BadRequest => ({
  mutation,
  functionName: 'dingtalk-events',
  event: event('POST', '/dingtalk/{integrationId}/events', fuzzDing.id, query, body),
});
const cardPost = (headers: Record<string, string>, body: string, mutation: string): BadRequest => ({
  mutation,
  functionName: 'dingtalk-cards',
  event: event('POST', '/dingtalk/{integrationId}/cards', fuzzDing.id, '', body, headers),
});

export function badRequestArbitrary(nowMs: number): fc.Arbitrary<BadRequest> {
  // Fresh timestamps (epoch seconds, within 5 minutes of `nowMs`), so the mutations reach the
  // signature and decryption checks instead of being refused as stale; stale ones are at least 15
  // minutes off (the window is 10), which leaves room for the minutes a long run takes.
  const ts = fc.integer({ min: -300, max: 300 }).map((d) => String(Math.floor(nowMs / 1000) + d));
  const staleTs = fc.oneof(fc.integer({ min: 900, max: 400_000_000 }), fc.integer({ min: -400_000_000, max: -900 })).map((d) => String(Math.floor(nowMs / 1000) + d));
  const nonce = fc.string({ minLength: 1, maxLength: 16, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789') });
  const from = fc.string({ minLength: 1, maxLength: 20, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz') });
  return fc.oneof(
    // WeCom GET: a flipped signature character.
    fc.tuple(ts, nonce, fc.nat()).map(([t, n, flip]) => {
      const echostr = wecom.encrypt(`echo${n}`);
      const s = sig(wecom.signature(t, n, echostr), flip);
      return {
        mutation: 'wecom-get-bad-signature',
        functionName: 'wecom-callback' as const,
        event: event('GET', '/wecom/{integrationId}/callback', fuzzWeCom.id, `msg_signature=${s}&timestamp=${t}&nonce=${n}&echostr=${encodeURIComponent(echostr)}`, undefined),
      };
    }),
    // WeCom GET: a missing parameter.
    fc.constantFrom('msg_signature', 'timestamp', 'nonce', 'echostr').map((drop) => {
      const q = ['msg_signature=a', 'timestamp=1', 'nonce=n', 'echostr=e'].filter((p) => !p.startsWith(`${drop}=`)).join('&');
      return { mutation: 'wecom-get-missing-param', functionName: 'wecom-callback' as const, event: event('GET', '/wecom/{integrationId}/callback', fuzzWeCom.id, q, undefined) };
    }),
    // WeCom POST: ciphertext truncated (signature recomputed, so decryption must catch it).
    fc.tuple(ts, nonce, from, fc.integer({ min: 1, max: 40 })).map(([t, n, f, cut]) => {
      const enc = wecom.encrypt(cardEvent(f));
      const truncated = enc.slice(0, Math.max(4, enc.length - cut * 4));
      return wecomPost(`msg_signature=${wecom.signature(t, n, truncated)}&timestamp=${t}&nonce=${n}`, `<xml><Encrypt><![CDATA[${truncated}]]></Encrypt></xml>`, 'wecom-post-truncated');
    }),
    // WeCom POST: characters outside base64, signed.
    fc.tuple(ts, nonce, fc.string({ minLength: 1, maxLength: 80, unit: fc.constantFrom(...'!@#$%^&*()_-~ ;:') })).map(([t, n, junk]) => {
      const enc = `${junk}${wecom.encrypt('x')}`;
      return wecomPost(`msg_signature=${wecom.signature(t, n, enc)}&timestamp=${t}&nonce=${n}`, `<xml><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`, 'wecom-post-bad-base64');
    }),
    // WeCom POST: bad PKCS#7 padding, signed.
    fc.tuple(ts, nonce, fc.constantFrom(0, 33, 64, 255)).map(([t, n, padByte]) => {
      const enc = badPaddingCiphertext(fuzzWeCom.aesKey, cardEvent('x'), fuzzWeCom.corpId, padByte);
      return wecomPost(`msg_signature=${wecom.signature(t, n, enc)}&timestamp=${t}&nonce=${n}`, `<xml><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`, 'wecom-post-bad-padding');
    }),
    // WeCom POST: encrypted for another CorpID.
    fc.tuple(ts, nonce, from).map(([t, n, f]) => {
      const other = new WeComCrypto({ token: fuzzWeCom.token, encodingAesKey: fuzzWeCom.aesKey, receiveId: `ww${f}` });
      const { body, msgSignature } = other.encryptCallback(cardEvent(f), { toUserName: 'x', timestamp: t, nonce: n });
      return wecomPost(`msg_signature=${msgSignature}&timestamp=${t}&nonce=${n}`, body, 'wecom-post-wrong-receiveid');
    }),
    // WeCom POST: entity/DTD payloads, inside the envelope or inside the ciphertext.
    fc.tuple(ts, nonce, fc.boolean()).map(([t, n, inside]) => {
      const evil = '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><ToUserName>&b;</ToUserName></xml>';
      if (!inside) return wecomPost(`msg_signature=a&timestamp=${t}&nonce=${n}`, evil, 'wecom-post-xxe-envelope');
      const { body, msgSignature } = wecom.encryptCallback(evil, { toUserName: fuzzWeCom.corpId, timestamp: t, nonce: n });
      return wecomPost(`msg_signature=${msgSignature}&timestamp=${t}&nonce=${n}`, body, 'wecom-post-xxe-inside');
    }),
    // WeCom POST: correctly signed and encrypted, but more than 10 minutes from now.
    fc.tuple(staleTs, nonce, from).map(([t, n, f]) => {
      const { body, msgSignature } = wecom.encryptCallback(cardEvent(f), { toUserName: fuzzWeCom.corpId, timestamp: t, nonce: n });
      return wecomPost(`msg_signature=${msgSignature}&timestamp=${t}&nonce=${n}`, body, 'wecom-post-stale');
    }),
    // WeCom POST: arbitrary bodies.
    fc.tuple(text, nonce).map(([junk, n]) => wecomPost(`msg_signature=a&timestamp=1&nonce=${n}`, junk, 'wecom-post-garbage')),
    // WeCom POST: decrypts fine but is not an event document.
    fc.tuple(ts, nonce, text).map(([t, n, junk]) => {
      const { body, msgSignature } = wecom.encryptCallback(`<xml><Junk>${junk.replace(/[<&]/g, '')}</Junk></xml>`, { toUserName: fuzzWeCom.corpId, timestamp: t, nonce: n });
      return wecomPost(`msg_signature=${msgSignature}&timestamp=${t}&nonce=${n}`, body, 'wecom-post-not-an-event');
    }),
    // DingTalk events: flipped signature / wrong owner key / not JSON inside / garbage body.
    fc.tuple(ts, nonce, fc.nat()).map(([t, n, flip]) => {
      const enc = ding.encrypt('{"EventType":"im_cool_app_install","openConversationId":"cid"}');
      return dingPost(`msg_signature=${sig(ding.signature(t, n, enc), flip)}&timestamp=${t}&nonce=${n}`, JSON.stringify({ encrypt: enc }), 'ding-event-bad-signature');
    }),
    fc.tuple(ts, nonce, from).map(([t, n, f]) => {
      const other = new DingTalkCrypto({ token: fuzzDing.token, aesKey: fuzzDing.aesKey, ownerKey: `ding${f}` });
      const enc = other.encrypt('{"EventType":"check_url"}');
      return dingPost(`signature=${other.signature(t, n, enc)}&timeStamp=${t}&nonce=${n}`, JSON.stringify({ encrypt: enc }), 'ding-event-wrong-owner');
    }),
    fc.tuple(ts, nonce, text).map(([t, n, junk]) => {
      const enc = ding.encrypt(junk.startsWith('{') ? `x${junk}` : junk);
      return dingPost(`msg_signature=${ding.signature(t, n, enc)}&timestamp=${t}&nonce=${n}`, JSON.stringify({ encrypt: enc }), 'ding-event-not-json');
    }),
    fc.tuple(ts, nonce, fc.constantFrom(0, 33, 200)).map(([t, n, padByte]) => {
      const enc = badPaddingCiphertext(fuzzDing.aesKey, '{"EventType":"check_url"}', fuzzDing.clientId, padByte);
      return dingPost(`msg_signature=${ding.signature(t, n, enc)}&timestamp=${t}&nonce=${n}`, JSON.stringify({ encrypt: enc }), 'ding-event-bad-padding');
    }),
    fc.tuple(text, nonce).map(([junk, n]) => dingPost(`msg_signature=a&timestamp=1&nonce=${n}`, junk, 'ding-event-garbage')),
    // DingTalk cards: bad signature, stale timestamp, bad bodies.
    fc.tuple(fc.nat(), text).map(([flip, user]) => {
      const t = String(nowMs);
      const s = dingTalkCardSignature(fuzzDing.cardApiSecret, t);
      return cardPost({ 'x-ddpaas-signature-timestamp': t, 'x-ddpaas-signature': sig(s, flip) }, JSON.stringify({ outTrackId: 'o', userId: user || 'u', content: '{}' }), 'ding-card-bad-signature');
    }),
    fc.integer({ min: 360_000, max: 400_000_000 }).map((skew) => {
      const t = String(nowMs - skew);
      return cardPost({ 'x-ddpaas-signature-timestamp': t, 'x-ddpaas-signature': dingTalkCardSignature(fuzzDing.cardApiSecret, t) }, JSON.stringify({ outTrackId: 'o', userId: 'u', content: '{}' }), 'ding-card-stale');
    }),
    text.map((junk) => {
      const t = String(nowMs);
      const body = createHash('sha1').update(junk).digest('hex').startsWith('0') ? JSON.stringify({ outTrackId: 'o', userId: 'u', content: `{${junk}` }) : junk;
      return cardPost({ 'x-ddpaas-signature-timestamp': t, 'x-ddpaas-signature': dingTalkCardSignature(fuzzDing.cardApiSecret, t) }, body, 'ding-card-bad-body');
    }),
  );
}
