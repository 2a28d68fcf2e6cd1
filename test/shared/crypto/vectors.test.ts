/**
 * Official vectors (test/fixtures/vectors, sources named in its README): signature, decryption
 * and byte-for-byte re-encryption with the vector's random prefix, for every crypto vector.
 */
import { createDecipheriv } from 'node:crypto';
import {
  DingTalkCrypto,
  WeComCrypto,
  dingTalkCardSignature,
  dingTalkRobotSign,
  verifyDingTalkCardSignature,
  verifyDingTalkRobotSign,
} from '../../../shared/crypto';
import { aesKeyOf } from './reference-frames';
import { loadVectors } from '../../fixtures/vectors';

const wecomVectors = loadVectors('wecom');
const dingtalkVectors = loadVectors('dingtalk');

interface WeComVector {
  token: string;
  encodingAESKey: string;
  receiveid: string;
  timestamp: string;
  nonce: string;
  msg_signature: string;
  random16: string;
  /** GET vectors carry echostr + expectedReply, POST vectors encrypt + plaintext (+ postBody). */
  echostr?: string;
  expectedReply?: string;
  encrypt?: string;
  plaintext?: string;
  postBody?: string;
}

interface DingTalkVector {
  token: string;
  aesKey: string;
  ownerKey: string;
  timestamp: string;
  nonce: string;
  signature: string;
  encrypt: string;
  plaintext: string;
  random16: string;
}

const wecomCases = Object.entries(wecomVectors).filter(([, value]) => typeof value === 'object') as Array<[string, WeComVector]>;
const dingtalkCases = Object.entries(dingtalkVectors).filter(
  ([, value]) => typeof value === 'object' && value !== null && 'aesKey' in value,
) as Array<[string, DingTalkVector]>;

describe('vector fixtures', () => {
  it('cover every vector file entry (no vector silently skipped)', () => {
    expect(wecomCases.map(([name]) => name).sort()).toEqual(['decryptMessage', 'verifyUrl']);
    expect(dingtalkCases.map(([name]) => name).sort()).toEqual(['docsTroubleshootingSample', 'responseSuccess13DigitTs']);
  });

});

describe.each(wecomCases)('WeCom vector %s', (_name, vector) => {
  const crypto = new WeComCrypto({ token: vector.token, encodingAesKey: vector.encodingAESKey, receiveId: vector.receiveid });
  const ciphertext = (vector.echostr ?? vector.encrypt)!;
  const plaintext = (vector.expectedReply ?? vector.plaintext)!;
  const random16 = Buffer.from(vector.random16);

  it('computes the official msg_signature', () => {
    expect(crypto.signature(vector.timestamp, vector.nonce, ciphertext)).toBe(vector.msg_signature);
  });

  it('decrypts to the official plaintext, receiveid and random prefix', () => {
    const opened = crypto.decrypt(ciphertext);
    expect(opened.message).toBe(plaintext);
    expect(opened.receiveId).toBe(vector.receiveid);
    expect(opened.random.equals(random16)).toBe(true);
  });

  it('re-encrypts byte for byte with the vector random16', () => {
    expect(crypto.encrypt(plaintext, random16)).toBe(ciphertext);
  });

  it('verifies and decrypts through the signed entry points', () => {
    const query = { msgSignature: vector.msg_signature, timestamp: vector.timestamp, nonce: vector.nonce };
    expect(crypto.verifyUrl({ ...query, echostr: ciphertext })).toBe(plaintext);
    expect(crypto.decryptMessage({ ...query, encrypt: ciphertext })).toBe(plaintext);
  });

  it('builds the official reply envelopes around the same ciphertext and signature', () => {
    const xml = crypto.encryptReplyXml(plaintext, vector.timestamp, vector.nonce, random16);
    expect(xml).toBe(
      `<xml><Encrypt><![CDATA[${ciphertext}]]></Encrypt><MsgSignature><![CDATA[${vector.msg_signature}]]></MsgSignature>` +
        `<TimeStamp>${vector.timestamp}</TimeStamp><Nonce><![CDATA[${vector.nonce}]]></Nonce></xml>`,
    );
    const json = JSON.parse(crypto.encryptReplyJson(plaintext, vector.timestamp, vector.nonce, random16));
    expect(json).toEqual({ encrypt: ciphertext, msgsignature: vector.msg_signature, timestamp: vector.timestamp, nonce: vector.nonce });
  });
});

describe('WeCom decryptMessage vector as a POST', () => {
  const vector = wecomVectors.decryptMessage as WeComVector;
  const crypto = new WeComCrypto({ token: vector.token, encodingAesKey: vector.encodingAESKey, receiveId: vector.receiveid });

  it('encryptCallback reproduces the official POST body and query signature', () => {
    const callback = crypto.encryptCallback(vector.plaintext!, {
      toUserName: vector.receiveid,
      agentId: '218',
      timestamp: vector.timestamp,
      nonce: vector.nonce,
      random16: Buffer.from(vector.random16),
    });
    expect(callback.body).toBe(vector.postBody);
    expect(callback.msgSignature).toBe(vector.msg_signature);
  });

  it("fails under Node's default auto-padding (pad byte 30 > 16), which is why it must be off", () => {
    const key = aesKeyOf(vector.encodingAESKey);
    const ciphertext = Buffer.from(vector.encrypt!, 'base64');
    const withDefaultPadding = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    expect(() => Buffer.concat([withDefaultPadding.update(ciphertext), withDefaultPadding.final()])).toThrow(/bad decrypt/i);
    // Same key and IV with padding off: the last byte is the 32-block PKCS#7 value 30.
    const withoutPadding = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const padded = Buffer.concat([withoutPadding.update(ciphertext), withoutPadding.final()]);
    expect(padded[padded.length - 1]).toBe(30);
    expect(crypto.decrypt(vector.encrypt!).message).toBe(vector.plaintext);
  });
});

describe.each(dingtalkCases)('DingTalk vector %s', (_name, vector) => {
  const crypto = new DingTalkCrypto({ token: vector.token, aesKey: vector.aesKey, ownerKey: vector.ownerKey });
  const random16 = Buffer.from(vector.random16);

  it('computes the official signature', () => {
    expect(crypto.signature(vector.timestamp, vector.nonce, vector.encrypt)).toBe(vector.signature);
  });

  it('decrypts to the official plaintext, owner key and random prefix', () => {
    const opened = crypto.decrypt(vector.encrypt);
    expect(opened).toEqual({ message: vector.plaintext, ownerKey: vector.ownerKey, random: random16 });
  });

  it('re-encrypts byte for byte with the vector random16', () => {
    expect(crypto.encrypt(vector.plaintext, random16)).toBe(vector.encrypt);
  });

  it('verifies and decrypts through decryptEvent', () => {
    expect(crypto.decryptEvent({ signature: vector.signature, timestamp: vector.timestamp, nonce: vector.nonce, encrypt: vector.encrypt })).toBe(
      vector.plaintext,
    );
  });

  it('encryptedMap reproduces the official success response exactly (keys and values)', () => {
    const map = crypto.encryptedMap(vector.plaintext, vector.timestamp, vector.nonce, random16);
    expect(JSON.stringify(map)).toBe(
      JSON.stringify({ msg_signature: vector.signature, timeStamp: vector.timestamp, nonce: vector.nonce, encrypt: vector.encrypt }),
    );
  });
});

describe('DingTalk HMAC vectors', () => {
  const robot = dingtalkVectors.robotSign as { timestamp: string; secret: string; sign: string; signUrlEncoded: string };
  const card = dingtalkVectors.cardCallbackSign as { apiSecret: string; timestamp: string; signature: string };

  it('robot sign matches, and URL-encoding it once gives the webhook form', () => {
    const sign = dingTalkRobotSign(robot.secret, robot.timestamp);
    expect(sign).toBe(robot.sign);
    expect(encodeURIComponent(sign)).toBe(robot.signUrlEncoded);
    expect(() => verifyDingTalkRobotSign({ secret: robot.secret, timestamp: robot.timestamp, sign: robot.sign, nowMs: Number(robot.timestamp) })).not.toThrow();
  });

  it('card callback x-ddpaas-signature matches', () => {
    expect(dingTalkCardSignature(card.apiSecret, card.timestamp)).toBe(card.signature);
    expect(() =>
      verifyDingTalkCardSignature({ apiSecret: card.apiSecret, timestamp: card.timestamp, signature: card.signature, nowMs: Number(card.timestamp) + 1000 }),
    ).not.toThrow();
  });
});
