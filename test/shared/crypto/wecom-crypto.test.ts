import { inspect } from 'node:util';
import { MAX_CIPHERTEXT_BASE64_CHARS, MAX_MESSAGE_BYTES, WeComCrypto, WeComCryptoError } from '../../../shared/crypto';
import { encryptRawBlocks, frameBytes, pkcs7Pad32 } from './reference-frames';

// The official sample's settings (sbzhu/weworkapi_* samples, DOC-90968).
const token = 'QDG6eK';
const encodingAesKey = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const corpId = 'wx5823bf96d3bd56c7';
const timestamp = '1409659813';
const nonce = '1372623149';
const random = Buffer.from('0960688932c47ef1');

const app = new WeComCrypto({ token, encodingAesKey, receiveId: corpId });
const smartBot = new WeComCrypto({ token, encodingAesKey, receiveId: '' });

/** Runs `action`, requires a WeComCryptoError with `code`, and checks the message leaks nothing secret. */
function expectWeComError(action: () => unknown, code: number): WeComCryptoError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(WeComCryptoError);
  const error = thrown as WeComCryptoError;
  expect(error.code).toBe(code);
  expect(error.name).toBe('WeComCryptoError');
  expect(error.message).not.toContain(encodingAesKey);
  expect(error.message).not.toContain(token);
  return error;
}

/** A signed POST for an arbitrary (possibly invalid) ciphertext, so only the decrypt checks can fail. */
function signedQuery(encrypt: string) {
  return { msgSignature: app.signature(timestamp, nonce, encrypt), timestamp, nonce, encrypt };
}

function encryptFrame(parts: Parameters<typeof frameBytes>[0]): string {
  return encryptRawBlocks(encodingAesKey, pkcs7Pad32(frameBytes(parts)));
}

describe('WeComCrypto construction', () => {
  it.each([
    ['42 characters', encodingAesKey.slice(0, 42)],
    ['44 characters', `${encodingAesKey}A`],
    ['a + character', `${encodingAesKey.slice(0, 42)}+`],
    ['empty', ''],
    ['not a string', 123 as unknown as string],
  ])('rejects an EncodingAESKey of %s with -40004', (_label, badKey) => {
    const error = expectWeComError(() => new WeComCrypto({ token, encodingAesKey: badKey, receiveId: corpId }), -40004);
    expect(error.message).toBe('encodingAesKey must be 43 letters or digits');
  });

  it('rejects a missing options object, token and receiveId with typed errors', () => {
    expectWeComError(() => new WeComCrypto(undefined as unknown as { token: string; encodingAesKey: string; receiveId: string }), -40004);
    expectWeComError(() => new WeComCrypto({ token: '', encodingAesKey, receiveId: corpId }), -40003);
    expectWeComError(() => new WeComCrypto({ token, encodingAesKey, receiveId: undefined as unknown as string }), -40005);
    expectWeComError(() => new WeComCrypto({ token, encodingAesKey, receiveId: 'x'.repeat(1025) }), -40005);
  });

  it('does not show the token or key when an instance is logged', () => {
    const shown = inspect(app, { showHidden: true, depth: 5 });
    expect(shown).not.toContain(token);
    expect(shown).not.toContain(encodingAesKey);
    expect(JSON.stringify(app)).not.toContain(token);
  });
});

describe('WeComCrypto signatures (-40001 before any decryption)', () => {
  const encrypt = app.encrypt('<xml>hello</xml>', random);
  const good = signedQuery(encrypt);

  it('accepts the exact signature and its upper-case hex form', () => {
    expect(app.decryptMessage(good)).toBe('<xml>hello</xml>');
    expect(app.decryptMessage({ ...good, msgSignature: good.msgSignature.toUpperCase() })).toBe('<xml>hello</xml>');
  });

  it.each([
    ['one hex digit changed', (q: typeof good) => ({ ...q, msgSignature: (q.msgSignature[0] === 'a' ? 'b' : 'a') + q.msgSignature.slice(1) })],
    ['signature truncated', (q: typeof good) => ({ ...q, msgSignature: q.msgSignature.slice(0, 39) })],
    ['signature with a non-hex tail (hex parsing would stop early)', (q: typeof good) => ({ ...q, msgSignature: `${q.msgSignature.slice(0, 38)}zz` })],
    ['signature empty', (q: typeof good) => ({ ...q, msgSignature: '' })],
    ['signature missing', (q: typeof good) => ({ ...q, msgSignature: undefined as unknown as string })],
    ['timestamp changed', (q: typeof good) => ({ ...q, timestamp: '1409659814' })],
    ['nonce changed', (q: typeof good) => ({ ...q, nonce: '1372623148' })],
    ['nonce too long', (q: typeof good) => ({ ...q, nonce: '1'.repeat(257) })],
    ['timestamp not a string', (q: typeof good) => ({ ...q, timestamp: 1409659813 as unknown as string })],
    ['ciphertext changed', (q: typeof good) => ({ ...q, encrypt: (q.encrypt[0] === 'A' ? 'B' : 'A') + q.encrypt.slice(1) })],
  ])('rejects %s', (_label, mutate) => {
    const error = expectWeComError(() => app.decryptMessage(mutate(good)), -40001);
    expect(error.message).not.toContain(good.msgSignature);
  });

  it('checks the signature before decoding: garbage ciphertext with a wrong signature is -40001, not -40010', () => {
    expectWeComError(() => app.decryptMessage({ ...good, encrypt: '%%%not base64%%%' }), -40001);
    expectWeComError(() => app.verifyUrl({ msgSignature: '0'.repeat(40), timestamp, nonce, echostr: '!!' }), -40001);
  });

  it('rejects a signature from another token', () => {
    const other = new WeComCrypto({ token: 'OTHER', encodingAesKey, receiveId: corpId });
    expectWeComError(() => app.decryptMessage({ ...good, msgSignature: other.signature(timestamp, nonce, encrypt) }), -40001);
  });

  it('rejects non-object queries with a typed error', () => {
    expectWeComError(() => app.decryptMessage(null as unknown as typeof good), -40001);
    expectWeComError(() => app.verifyUrl('x' as unknown as { msgSignature: string; timestamp: string; nonce: string; echostr: string }), -40001);
  });

  it('signature() rejects non-string input with -40003', () => {
    expectWeComError(() => app.signature(timestamp, nonce, undefined as unknown as string), -40003);
  });
});

describe('WeComCrypto decryption failures', () => {
  it('-40010 for base64 that is not canonical standard base64', () => {
    const valid = app.encrypt('hello', random);
    const cases = [
      valid.replace(/=+$/, ''), // padding stripped
      `${valid.slice(0, 4)} ${valid.slice(4)}`, // whitespace (Node would skip it)
      valid.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') + '==', // URL-safe alphabet
      valid.replace(/[B-Za-z]/, 'Ł'), // U+0141, whose low byte is 'A' (Node would read it as 'A')
      'QR==', // unused bits set (canonical form is QQ==)
      'QUJ=', // unused bits set (canonical form is QUI=)
      'QUJD====', // too much padding
      'AB=C', // padding in the middle
      '', // empty
    ];
    for (const encrypt of cases) expectWeComError(() => app.decryptMessage(signedQuery(encrypt)), -40010);
  });

  it('-40010 for a non-string or oversized ciphertext', () => {
    expectWeComError(() => app.decrypt(42 as unknown as string), -40010);
    expectWeComError(() => app.decrypt('A'.repeat(MAX_CIPHERTEXT_BASE64_CHARS + 4)), -40010);
    expectWeComError(
      () => app.decryptMessage({ msgSignature: '0'.repeat(40), timestamp, nonce, encrypt: 'A'.repeat(MAX_CIPHERTEXT_BASE64_CHARS + 4) }),
      -40010,
    );
  });

  it('-40007 for a ciphertext that is not whole AES blocks (truncated)', () => {
    const valid = Buffer.from(app.encrypt('hello', random), 'base64');
    for (const length of [1, 15, 17, valid.length - 1, valid.length - 3]) {
      expectWeComError(() => app.decryptMessage(signedQuery(valid.subarray(0, length).toString('base64'))), -40007);
    }
  });

  it('-40007 for bad PKCS#7 padding: 0, 33, longer than the data, or unequal pad bytes', () => {
    const frame = frameBytes({ random, message: Buffer.from('hello'), trailer: Buffer.from(corpId) }); // 43 bytes
    const fill = 64 - frame.length; // 21 bytes to the next 32-byte boundary
    const withTail = (tail: Buffer) => encryptRawBlocks(encodingAesKey, Buffer.concat([frame, tail]));
    expectWeComError(() => app.decrypt(withTail(Buffer.alloc(fill, 0))), -40007);
    expectWeComError(() => app.decrypt(withTail(Buffer.concat([Buffer.alloc(fill - 1, 33), Buffer.from([33])]))), -40007);
    const unequal = Buffer.alloc(fill, fill);
    unequal[0] = fill - 1;
    expectWeComError(() => app.decrypt(withTail(unequal)), -40007);
    // 33 trailing bytes of value 33: consistent, but above the 32-byte PKCS#7 block.
    expectWeComError(() => app.decrypt(encryptRawBlocks(encodingAesKey, Buffer.alloc(64, 33))), -40007);
    // A single 16-byte block whose last byte claims 32 bytes of padding.
    expectWeComError(() => app.decrypt(encryptRawBlocks(encodingAesKey, Buffer.alloc(16, 32))), -40007);
    // The correct padding decrypts, so the cases above fail only because of the padding.
    expect(app.decrypt(withTail(Buffer.alloc(fill, fill))).message).toBe('hello');
  });

  it('accepts 16-byte-block PKCS#7 too when the values are consistent (DingTalk Go sample style)', () => {
    const frame = frameBytes({ random, message: Buffer.from('hello'), trailer: Buffer.from(corpId) }); // 43 bytes
    const padTo48 = Buffer.concat([frame, Buffer.alloc(5, 5)]);
    expect(app.decrypt(encryptRawBlocks(encodingAesKey, padTo48)).message).toBe('hello');
  });

  it('-40008 when the declared length overflows the frame or the frame is shorter than its header', () => {
    const message = Buffer.from('hello');
    expectWeComError(() => app.decrypt(encryptFrame({ random, message, trailer: Buffer.from(corpId), declaredLength: 5 + corpId.length + 1 })), -40008);
    expectWeComError(() => app.decrypt(encryptFrame({ random, message, trailer: Buffer.from(corpId), declaredLength: 0xffffffff })), -40008);
    expectWeComError(() => app.decrypt(encryptRawBlocks(encodingAesKey, pkcs7Pad32(Buffer.from('0123456789abcdef012')))), -40008);
    // One block, pad 1: 15 frame bytes, too short even to hold the length field.
    const oneBlock = Buffer.alloc(16, 7);
    oneBlock[15] = 1;
    expectWeComError(() => app.decrypt(encryptRawBlocks(encodingAesKey, oneBlock)), -40008);
  });

  it('-40008 when the message bytes are not valid UTF-8', () => {
    const encrypt = encryptFrame({ random, message: Buffer.from([0x3c, 0xff, 0xfe, 0x3e]), trailer: Buffer.from(corpId) });
    expectWeComError(() => app.decryptMessage(signedQuery(encrypt)), -40008);
  });

  it('-40005 when the trailer is not exactly the configured receiveid', () => {
    const message = Buffer.from('hello');
    const trailers = ['ww0000000000000000', corpId.slice(0, -1), `${corpId}x`, corpId.toUpperCase(), ''];
    for (const trailer of trailers) {
      const error = expectWeComError(() => app.decrypt(encryptFrame({ random, message, trailer: Buffer.from(trailer) })), -40005);
      expect(error.message).toBe('decrypted receiveid does not match the configured one');
    }
  });

  it("smart bot ('' receiveId) accepts only an empty trailer", () => {
    const message = Buffer.from('{"msgtype":"text"}');
    expect(smartBot.decrypt(encryptFrame({ random, message, trailer: Buffer.alloc(0) }))).toEqual({
      message: '{"msgtype":"text"}',
      receiveId: '',
      random,
    });
    expectWeComError(() => smartBot.decrypt(encryptFrame({ random, message, trailer: Buffer.from(corpId) })), -40005);
    expectWeComError(() => smartBot.decrypt(encryptFrame({ random, message, trailer: Buffer.from([0]) })), -40005);
  });
});

describe('WeComCrypto encryption and envelopes', () => {
  it('-40006 for a non-string message, a wrong-size random16 or a message over 1 MiB', () => {
    expectWeComError(() => app.encrypt(undefined as unknown as string), -40006);
    expectWeComError(() => app.encrypt('hi', Buffer.alloc(15)), -40006);
    expectWeComError(() => app.encrypt('hi', Buffer.alloc(17)), -40006);
    expectWeComError(() => app.encrypt('hi', 'sixteen chars!!!' as unknown as Buffer), -40006);
    expectWeComError(() => app.encrypt('x'.repeat(MAX_MESSAGE_BYTES + 1)), -40006);
    // Exactly 1 MiB is the accepted maximum and round-trips.
    const largest = 'x'.repeat(MAX_MESSAGE_BYTES);
    expect(app.decrypt(app.encrypt(largest)).message).toBe(largest);
  });

  it('pads to 32-byte blocks, including a whole extra block when the frame is aligned', () => {
    // 16 random + 4 length + msg + 18 corp id: a 26-byte message gives a 64-byte frame → 96 bytes.
    expect(Buffer.from(app.encrypt('a'.repeat(26), random), 'base64').length).toBe(96);
    expect(Buffer.from(app.encrypt('a'.repeat(25), random), 'base64').length).toBe(64);
  });

  it('uses a fresh random prefix for every message by default', () => {
    const first = app.decrypt(app.encrypt('same'));
    const second = app.decrypt(app.encrypt('same'));
    expect(first.random.equals(second.random)).toBe(false);
  });

  it('-40011 when reply or callback envelope fields would need escaping', () => {
    expectWeComError(() => app.encryptReplyXml('hi', '12a', nonce), -40011);
    expectWeComError(() => app.encryptReplyXml('hi', timestamp, 'a]]>b'), -40011);
    expectWeComError(() => app.encryptReplyXml('hi', timestamp, ''), -40011);
    expectWeComError(() => app.encryptReplyJson('hi', timestamp, '<n>'), -40011);
    expectWeComError(() => app.encryptCallback('hi', { toUserName: 'a]]>', timestamp, nonce }), -40011);
    expectWeComError(() => app.encryptCallback('hi', { toUserName: corpId, agentId: '12x', timestamp, nonce }), -40011);
    expectWeComError(() => app.encryptCallback('hi', null as unknown as { toUserName: string; timestamp: string; nonce: string }), -40011);
  });

  it('a passive XML reply decrypts with the signature it carries', () => {
    const xml = app.encryptReplyXml('<xml><Content>你好</Content></xml>', timestamp, 'VHh7ymSeb0jc4lSb');
    const field = (name: string) => new RegExp(`<${name}>(?:<!\\[CDATA\\[)?([^<\\]]*)(?:\\]\\]>)?</${name}>`).exec(xml)![1]!;
    expect(field('TimeStamp')).toBe(timestamp);
    expect(
      app.decryptMessage({ msgSignature: field('MsgSignature'), timestamp: field('TimeStamp'), nonce: field('Nonce'), encrypt: field('Encrypt') }),
    ).toBe('<xml><Content>你好</Content></xml>');
  });

  it('a simulated callback without AgentID omits the element and still verifies', () => {
    const { body, msgSignature } = app.encryptCallback('<xml/>', { toUserName: corpId, timestamp, nonce });
    expect(body).not.toContain('AgentID');
    const encrypt = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(body)![1]!;
    expect(app.decryptMessage({ msgSignature, timestamp, nonce, encrypt })).toBe('<xml/>');
  });
});
