/**
 * Property tests: round trips over arbitrary Unicode and sizes up to 1 MiB for both platforms, and
 * fuzzing of signed requests (≥ 10,000 runs in total) that must only ever yield the original
 * message or a typed error.
 */
import fc from 'fast-check';
import {
  DingTalkCrypto,
  DingTalkCryptoError,
  MAX_MESSAGE_BYTES,
  WeComCrypto,
  WeComCryptoError,
} from '../../../shared/crypto';
import { referenceOpen, referenceSignature } from './reference-frames';

const token = 'QDG6eK';
const encodingAesKey = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const corpId = 'wx5823bf96d3bd56c7';
const dingToken = 'tokenxxxx';
const dingAesKey = 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus';
const dingOwnerKey = 'dingxxxxxx';
const timestamp = '1409659813';
const nonce = '1372623149';

/** Arbitrary well-formed Unicode: printable graphemes (multi-code-point emoji, CJK…) or any scalar value, control characters included. */
const unicodeText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }));
const random16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes));
const identity = fc.oneof(fc.constant(''), fc.constant(corpId), fc.constant(dingOwnerKey), fc.string({ unit: 'binary', maxLength: 40 }));

/** A message of a chosen UTF-8 size, built by repeating an arbitrary grapheme string (generating 1 MiB directly is slow). */
const sizedText = (minBytes: number, maxBytes: number) =>
  fc
    .record({ piece: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), bytes: fc.integer({ min: minBytes, max: maxBytes }) })
    .map(({ piece, bytes }) => piece.repeat(Math.floor(bytes / Buffer.byteLength(piece))));

describe('round trips', () => {
  it('WeCom: any Unicode message and receiveId (smart bot "" included) survives encrypt → verify → decrypt', () => {
    fc.assert(
      fc.property(unicodeText, identity, random16, (message, receiveId, random) => {
        const wecom = new WeComCrypto({ token, encodingAesKey, receiveId });
        const encrypt = wecom.encrypt(message, random);
        const msgSignature = referenceSignature(token, timestamp, nonce, encrypt);
        expect(wecom.decryptMessage({ msgSignature, timestamp, nonce, encrypt })).toBe(message);
        expect(wecom.verifyUrl({ msgSignature, timestamp, nonce, echostr: encrypt })).toBe(message);
        const opened = wecom.decrypt(encrypt);
        expect(opened.receiveId).toBe(receiveId);
        expect(opened.random.equals(random)).toBe(true);
        // An independent decryptor reads the same frame.
        expect(referenceOpen(encodingAesKey, encrypt)).toEqual({ message, trailer: receiveId });
      }),
      { numRuns: 300 },
    );
  });

  it('DingTalk: any Unicode message and owner key survives encryptedMap → decryptEvent', () => {
    fc.assert(
      fc.property(unicodeText, identity, random16, (message, ownerKey, random) => {
        const ding = new DingTalkCrypto({ token: dingToken, aesKey: dingAesKey, ownerKey });
        const map = ding.encryptedMap(message, '1700000000000', 'abcDEF0123456789', random);
        expect(ding.decryptEvent({ signature: map.msg_signature, timestamp: map.timeStamp, nonce: map.nonce, encrypt: map.encrypt })).toBe(message);
        expect(ding.decrypt(map.encrypt)).toEqual({ message, ownerKey, random });
        expect(referenceOpen(dingAesKey, map.encrypt)).toEqual({ message, trailer: ownerKey });
      }),
      { numRuns: 300 },
    );
  });

  it('sizes around the small-body fast path (0 to 6 KiB) decrypt identically on both paths', () => {
    const wecom = new WeComCrypto({ token, encodingAesKey, receiveId: corpId });
    fc.assert(
      fc.property(sizedText(0, 6 * 1024), (message) => {
        const encrypt = wecom.encrypt(message);
        expect(wecom.decrypt(encrypt).message).toBe(message);
        expect(referenceOpen(encodingAesKey, encrypt)).toEqual({ message, trailer: corpId });
      }),
      { numRuns: 150 },
    );
  });

  it('WeCom and DingTalk messages up to 1 MiB round-trip (few runs)', () => {
    const wecom = new WeComCrypto({ token, encodingAesKey, receiveId: '' });
    const ding = new DingTalkCrypto({ token: dingToken, aesKey: dingAesKey, ownerKey: dingOwnerKey });
    fc.assert(
      fc.property(sizedText(256 * 1024, MAX_MESSAGE_BYTES), fc.boolean(), (message, onWeCom) => {
        expect(Buffer.byteLength(message)).toBeGreaterThan(200 * 1024);
        if (onWeCom) {
          const encrypt = wecom.encrypt(message);
          expect(wecom.decryptMessage({ msgSignature: wecom.signature(timestamp, nonce, encrypt), timestamp, nonce, encrypt })).toBe(message);
        } else {
          const map = ding.encryptedMap(message, '1700000000000', 'n0nce');
          expect(ding.decryptEvent({ signature: map.msg_signature, timestamp: map.timeStamp, nonce: map.nonce, encrypt: map.encrypt })).toBe(message);
        }
      }),
      { numRuns: 6 },
    );
    // The exact limit, multi-byte: 1 MiB of 4-byte code points.
    const astral = '😀'.repeat(MAX_MESSAGE_BYTES / 4);
    expect(wecom.decrypt(wecom.encrypt(astral)).message).toBe(astral);
  });
});

type SignedFields = { msgSignature: string; timestamp: string; nonce: string; encrypt: string };
type FieldName = keyof SignedFields;

/** One edit of one field: replace, insert or delete a character, truncate, or flip letter case. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), text: fc.constant('') }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), text: fc.constant('') }),
  fc.record({ kind: fc.constant('flipCase' as const), at: fc.nat(), text: fc.constant('') }),
);
const fieldEdits = fc.array(fc.tuple(fc.constantFrom<FieldName>('msgSignature', 'encrypt', 'encrypt', 'timestamp', 'nonce'), edit), {
  minLength: 1,
  maxLength: 3,
});

function applyEdit(value: string, change: { kind: string; at: number; text: string }): string {
  const at = change.at % (value.length + 1);
  switch (change.kind) {
    case 'replace':
      return value.slice(0, at) + change.text + value.slice(at + 1);
    case 'insert':
      return value.slice(0, at) + change.text + value.slice(at);
    case 'delete':
      return value.slice(0, at) + value.slice(at + 1);
    case 'truncate':
      return value.slice(0, at);
    default: {
      const char = value.charAt(at);
      const flipped = char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
      return value.slice(0, at) + flipped + value.slice(at + 1);
    }
  }
}

function mutate(original: SignedFields, edits: Array<[FieldName, { kind: string; at: number; text: string }]>): SignedFields {
  const mutated = { ...original };
  for (const [field, change] of edits) mutated[field] = applyEdit(mutated[field], change);
  return mutated;
}

describe('fuzzing signed requests (10,000+ runs)', () => {
  const message = '<xml><Content><![CDATA[磁盘告警 disk 97%]]></Content><MsgId>4561255354251345929</MsgId></xml>';
  const wecom = new WeComCrypto({ token, encodingAesKey, receiveId: corpId });
  const wecomEncrypt = wecom.encrypt(message);
  const wecomSigned: SignedFields = { msgSignature: wecom.signature(timestamp, nonce, wecomEncrypt), timestamp, nonce, encrypt: wecomEncrypt };

  const ding = new DingTalkCrypto({ token: dingToken, aesKey: dingAesKey, ownerKey: dingOwnerKey });
  const event = '{"EventType":"chat_update_title","ChatId":"chat6a93","Title":"故障群"}';
  const dingEncrypt = ding.encrypt(event);
  const dingSigned: SignedFields = { msgSignature: ding.signature(timestamp, nonce, dingEncrypt), timestamp, nonce, encrypt: dingEncrypt };

  it('WeCom: mutated signature/ciphertext/timestamp/nonce yield the original message or -40001 only', () => {
    fc.assert(
      fc.property(fieldEdits, (edits) => {
        const query = mutate(wecomSigned, edits);
        try {
          expect(wecom.decryptMessage(query)).toBe(message);
          // Success is only possible when the signed text is unchanged (hex case is not significant).
          expect(query.encrypt).toBe(wecomSigned.encrypt);
          expect(query.msgSignature.toLowerCase()).toBe(wecomSigned.msgSignature);
        } catch (error) {
          if (!(error instanceof WeComCryptoError)) throw error;
          expect(error.code).toBe(-40001); // the signature check runs before anything else can fail
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('DingTalk: the same mutations yield the original event or 900005 only', () => {
    fc.assert(
      fc.property(fieldEdits, (edits) => {
        const { msgSignature, ...rest } = mutate(dingSigned, edits);
        try {
          expect(ding.decryptEvent({ signature: msgSignature, ...rest })).toBe(event);
          expect(rest.encrypt).toBe(dingSigned.encrypt);
        } catch (error) {
          if (!(error instanceof DingTalkCryptoError)) throw error;
          expect(error.code).toBe(900005);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('re-signed mutated ciphertexts (a token holder tampering) reach every decrypt check: typed errors only, and any success equals an independent decryption', () => {
    const ciphertextEdits = fc.array(edit, { minLength: 1, maxLength: 3 });
    // Byte-level edits of the decoded ciphertext keep base64 valid so the AES/padding/frame checks are exercised too.
    const byteEdits = fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 3 });
    const tamper = fc.oneof(
      ciphertextEdits.map((edits) => (encrypt: string) => edits.reduce(applyEdit, encrypt)),
      byteEdits.map((edits) => (encrypt: string) => {
        const bytes = Buffer.from(encrypt, 'base64');
        for (const { at, xor } of edits) bytes[at % bytes.length]! ^= xor;
        return bytes.toString('base64');
      }),
    );
    const seenCodes = new Set<number>();
    fc.assert(
      fc.property(tamper, fc.boolean(), (change, onWeCom) => {
        const encrypt = change(onWeCom ? wecomEncrypt : dingEncrypt);
        const signature = referenceSignature(onWeCom ? token : dingToken, timestamp, nonce, encrypt);
        try {
          const opened = onWeCom
            ? wecom.decryptMessage({ msgSignature: signature, timestamp, nonce, encrypt })
            : ding.decryptEvent({ signature, timestamp, nonce, encrypt });
          // CBC has no integrity of its own: a success is fine if it is exactly what the frame says.
          const reference = referenceOpen(onWeCom ? encodingAesKey : dingAesKey, encrypt);
          expect(reference).toEqual({ message: opened, trailer: onWeCom ? corpId : dingOwnerKey });
        } catch (error) {
          if (!(error instanceof WeComCryptoError) && !(error instanceof DingTalkCryptoError)) throw error;
          expect(error.code).not.toBe(onWeCom ? -40001 : 900005);
          seenCodes.add(error.code);
        }
      }),
      { numRuns: 3000 },
    );
    // The tampering reached the base64, block/padding, length and trailer checks on both platforms.
    expect([...seenCodes]).toEqual(expect.arrayContaining([-40010, -40007, -40008, -40005, 900008, 900009, 900010]));
  });
});
