import { inspect } from 'node:util';
import { DingTalkCrypto, DingTalkCryptoError, MAX_MESSAGE_BYTES } from '../../../shared/crypto';
import { encryptRawBlocks, frameBytes, pkcs7Pad32, referenceSignature } from './reference-frames';

// The official docs' troubleshooting sample settings (configure-stream-push).
const token = '123456';
const aesKey = '1234567890123456789012345678901234567890123';
const ownerKey = 'dingsnotzck6pm5veliw';
const timestamp = '1614767836';
const nonce = 'A7Co0cJLMzIDtMMI';
const random = Buffer.from('dICkEDLj0eb6yAbc');

const ding = new DingTalkCrypto({ token, aesKey, ownerKey });

function expectDingTalkError(action: () => unknown, code: number): DingTalkCryptoError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DingTalkCryptoError);
  const error = thrown as DingTalkCryptoError;
  expect(error.code).toBe(code);
  expect(error.name).toBe('DingTalkCryptoError');
  expect(error.message).not.toContain(aesKey);
  return error;
}

function signedEvent(encrypt: string) {
  return { signature: ding.signature(timestamp, nonce, encrypt), timestamp, nonce, encrypt };
}

function encryptFrame(parts: Parameters<typeof frameBytes>[0]): string {
  return encryptRawBlocks(aesKey, pkcs7Pad32(frameBytes(parts)));
}

describe('DingTalkCrypto construction', () => {
  it.each([
    ['too short', aesKey.slice(1)],
    ['too long', `${aesKey}4`],
    ['with a slash', `${aesKey.slice(0, 42)}/`],
    ['not a string', null as unknown as string],
  ])('rejects an aes key %s with 900004', (_label, badKey) => {
    expectDingTalkError(() => new DingTalkCrypto({ token, aesKey: badKey, ownerKey }), 900004);
  });

  it('rejects an empty token (900006) and a non-string owner key (900010)', () => {
    expectDingTalkError(() => new DingTalkCrypto({ token: '', aesKey, ownerKey }), 900006);
    expectDingTalkError(() => new DingTalkCrypto({ token, aesKey, ownerKey: 7 as unknown as string }), 900010);
  });

  it('keeps token and key out of util.inspect', () => {
    const shown = inspect(ding, { showHidden: true, depth: 5 });
    expect(shown).not.toContain(aesKey);
    expect(shown).not.toContain(token);
  });
});

describe('DingTalkCrypto.decryptEvent', () => {
  const event = JSON.stringify({ EventType: 'check_url' });
  const encrypt = ding.encrypt(event, random);

  it('round-trips an event and signs like the reference formula', () => {
    expect(ding.signature(timestamp, nonce, encrypt)).toBe(referenceSignature(token, timestamp, nonce, encrypt));
    expect(ding.decryptEvent(signedEvent(encrypt))).toBe(event);
  });

  it('900005 for a wrong, missing or malformed signature, checked before decoding', () => {
    const good = signedEvent(encrypt);
    expectDingTalkError(() => ding.decryptEvent({ ...good, signature: good.signature.replace(/^./, (c) => (c === 'f' ? 'e' : 'f')) }), 900005);
    expectDingTalkError(() => ding.decryptEvent({ ...good, signature: undefined as unknown as string }), 900005);
    expectDingTalkError(() => ding.decryptEvent({ ...good, timestamp: '1614767837' }), 900005);
    expectDingTalkError(() => ding.decryptEvent({ ...good, encrypt: 'not base64 at all' }), 900005);
    expectDingTalkError(() => ding.decryptEvent(undefined as unknown as typeof good), 900005);
  });

  it('900006 when a signature cannot be computed from non-strings', () => {
    expectDingTalkError(() => ding.signature(1 as unknown as string, nonce, encrypt), 900006);
  });

  it('900008 for bad base64, truncated ciphertext, bad padding and invalid UTF-8', () => {
    expectDingTalkError(() => ding.decryptEvent(signedEvent(encrypt.slice(0, -2))), 900008);
    expectDingTalkError(() => ding.decryptEvent(signedEvent(`${encrypt.slice(0, 4)}-${encrypt.slice(5)}`)), 900008); // URL-safe alphabet
    const raw = Buffer.from(encrypt, 'base64');
    expectDingTalkError(() => ding.decryptEvent(signedEvent(raw.subarray(0, raw.length - 16 + 4).toString('base64'))), 900008);
    const frame = frameBytes({ random, message: Buffer.from('{}'), trailer: Buffer.from(ownerKey) }); // 42 bytes
    expectDingTalkError(() => ding.decrypt(encryptRawBlocks(aesKey, Buffer.concat([frame, Buffer.alloc(22, 0)]))), 900008);
    expectDingTalkError(() => ding.decrypt(encryptFrame({ random, message: Buffer.from([0xc3, 0x28]), trailer: Buffer.from(ownerKey) })), 900008);
    expectDingTalkError(() => ding.decrypt({} as unknown as string), 900008);
  });

  it('900009 when the declared length does not fit the decrypted data', () => {
    expectDingTalkError(() => ding.decrypt(encryptFrame({ random, message: Buffer.from('{}'), trailer: Buffer.from(ownerKey), declaredLength: 1000 })), 900009);
  });

  it('900010 for another owner key, including prefixes (the dingtalk-encrypt startsWith bug)', () => {
    for (const trailer of ['ding', `${ownerKey}0`, 'dingxxxxxx', 'ding5d5d2a9a4ee3d03f', '']) {
      const error = expectDingTalkError(() => ding.decrypt(encryptFrame({ random, message: Buffer.from('{}'), trailer: Buffer.from(trailer) })), 900010);
      expect(error.message).toBe('decrypted owner key does not match the configured one');
    }
    // The same frame with the right owner key decrypts.
    expect(ding.decrypt(encryptFrame({ random, message: Buffer.from('{}'), trailer: Buffer.from(ownerKey) })).message).toBe('{}');
  });
});

describe('DingTalkCrypto responses', () => {
  it('encryptedMap has exactly the four string keys DingTalk checks, in order', () => {
    const map = ding.encryptedMap('success', '1605695694141', 'WelUQl6bCqcBa2fM');
    expect(Object.keys(map)).toEqual(['msg_signature', 'timeStamp', 'nonce', 'encrypt']);
    expect(map.msg_signature).toBe(referenceSignature(token, map.timeStamp, map.nonce, map.encrypt));
    expect(ding.decrypt(map.encrypt).message).toBe('success');
    expect(map.encrypt).not.toContain('\n');
  });

  it('successResponse uses the 13-digit millisecond clock and a 16-character alphanumeric nonce', () => {
    const response = ding.successResponse(1_700_000_000_123);
    expect(response.timeStamp).toBe('1700000000123');
    expect(response.nonce).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(ding.decryptEvent({ signature: response.msg_signature, timestamp: response.timeStamp, nonce: response.nonce, encrypt: response.encrypt })).toBe(
      'success',
    );
    const byDefault = ding.successResponse();
    expect(byDefault.timeStamp).toMatch(/^\d{13}$/);
    expect(Math.abs(Number(byDefault.timeStamp) - Date.now())).toBeLessThan(60_000);
    expect(byDefault.nonce).not.toBe(response.nonce);
  });

  it('the default random prefix is 16 alphanumeric characters, like the official getRandomStr(16)', () => {
    const { random: prefix } = ding.decrypt(ding.encrypt('{}'));
    expect(prefix.toString('latin1')).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('900001 plaintext, 900002 timestamp, 900003 nonce, 900007 random prefix', () => {
    expectDingTalkError(() => ding.encryptedMap(undefined as unknown as string, timestamp, nonce), 900001);
    expectDingTalkError(() => ding.encrypt('x'.repeat(MAX_MESSAGE_BYTES + 1)), 900001);
    expectDingTalkError(() => ding.encryptedMap('success', '749ms', nonce), 900002);
    expectDingTalkError(() => ding.encryptedMap('success', '', nonce), 900002);
    expectDingTalkError(() => ding.successResponse(Number.NaN), 900002);
    expectDingTalkError(() => ding.successResponse(-1), 900002);
    expectDingTalkError(() => ding.encryptedMap('success', timestamp, 'bad"nonce'), 900003);
    expectDingTalkError(() => ding.encryptedMap('success', timestamp, 'x'.repeat(129)), 900003);
    expectDingTalkError(() => ding.encrypt('success', Buffer.alloc(8)), 900007);
  });
});
