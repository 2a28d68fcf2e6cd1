/**
 * WeCom smart bot media (DOC-100719): AES-256-CBC, IV = key[0..16), PKCS#7 to 32 bytes, no frame.
 * The expected ciphertexts are built here independently (OpenSSL CLI output, and node:crypto with
 * auto padding off and the padding written by hand), not by the module under test.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { decryptWeComMedia, encryptWeComMedia, WeComMediaDecryptError } from '../../../shared/crypto';

/** The WeCom sample EncodingAESKey (WXBizMsgCrypt samples). */
const KEY43 = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const OTHER_KEY43 = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function independentEncrypt(plain: Buffer, key43: string): Buffer {
  const key = Buffer.from(`${key43}=`, 'base64');
  expect(key).toHaveLength(32);
  const n = 32 - (plain.length % 32);
  const padded = Buffer.concat([plain, Buffer.alloc(n, n)]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]);
}

function decryptError(run: () => unknown): WeComMediaDecryptError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(WeComMediaDecryptError);
    return e as WeComMediaDecryptError;
  }
  throw new Error('expected WeComMediaDecryptError');
}

describe('WeCom media crypto', () => {
  it('matches a fixed vector from the OpenSSL command line', () => {
    // openssl enc -aes-256-cbc -K <key hex> -iv <key hex[0..32)> -nopad over "hello media" + 21 × 0x15
    const expected = Buffer.from('4e50a6633ca7cbd79f2e42b04a93817f9e5813fe0036beb0ae78393630809e84', 'hex');
    expect(encryptWeComMedia(Buffer.from('hello media'), KEY43).equals(expected)).toBe(true);
    expect(decryptWeComMedia(expected, KEY43).toString()).toBe('hello media');
  });

  it.each([0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 1000])('round-trips %i bytes and agrees with an independent encryption', (size) => {
    const plain = randomBytes(size);
    const encrypted = encryptWeComMedia(plain, KEY43);
    expect(encrypted.length % 32).toBe(0);
    // A full 32-byte block of padding when the plaintext is aligned.
    expect(encrypted.length).toBe(size + (32 - (size % 32)));
    expect(encrypted.equals(independentEncrypt(plain, KEY43))).toBe(true);
    expect(decryptWeComMedia(encrypted, KEY43).equals(plain)).toBe(true);
    expect(decryptWeComMedia(independentEncrypt(plain, KEY43), KEY43).equals(plain)).toBe(true);
  });

  it('refuses lengths that are empty or not a multiple of 32', () => {
    const good = encryptWeComMedia(Buffer.from('x'.repeat(40)), KEY43);
    expect(decryptError(() => decryptWeComMedia(Buffer.alloc(0), KEY43)).fault).toBe('bad-length');
    expect(decryptError(() => decryptWeComMedia(good.subarray(0, 48), KEY43)).fault).toBe('bad-length');
    expect(decryptError(() => decryptWeComMedia(good.subarray(0, 33), KEY43)).fault).toBe('bad-length');
  });

  it('refuses bad padding: a zero or > 32 pad value, or unequal pad bytes', () => {
    const key = Buffer.from(`${KEY43}=`, 'base64');
    const raw = (padded: Buffer) => {
      const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
      return Buffer.concat([cipher.update(padded), cipher.final()]);
    };
    const zero = Buffer.alloc(32, 7);
    zero[31] = 0;
    const tooBig = Buffer.alloc(64, 1);
    tooBig[63] = 33;
    const unequal = Buffer.alloc(32, 0x41);
    unequal.fill(5, 27);
    unequal[28] = 4;
    for (const padded of [zero, tooBig, unequal]) {
      expect(decryptError(() => decryptWeComMedia(raw(padded), KEY43)).fault).toBe('bad-padding');
    }
    // A valid 17..32 pad (which OpenSSL's 16-byte check would refuse) is accepted.
    const wide = Buffer.concat([Buffer.from('abc'), Buffer.alloc(29, 29)]);
    expect(decryptWeComMedia(raw(wide), KEY43).toString()).toBe('abc');
  });

  it('refuses data encrypted with another key (the padding does not check out)', () => {
    // A wrong key yields a valid pad by chance ~1/256 of the time; over several inputs at least
    // most must be refused, and a wrong-key "success" never returns the plaintext.
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      const plain = Buffer.from(`secret report ${i} — 告警`);
      const encrypted = encryptWeComMedia(plain, KEY43);
      try {
        expect(decryptWeComMedia(encrypted, OTHER_KEY43).equals(plain)).toBe(false);
      } catch (e) {
        expect(e).toBeInstanceOf(WeComMediaDecryptError);
        expect((e as WeComMediaDecryptError).fault).toBe('bad-padding');
        refused++;
      }
    }
    expect(refused).toBeGreaterThanOrEqual(18);
  });

  it('refuses a malformed EncodingAESKey without echoing it', () => {
    const error = decryptError(() => decryptWeComMedia(Buffer.alloc(32), 'short-key'));
    expect(error.fault).toBe('bad-key');
    expect(error.message).not.toContain('short-key');
    expect(() => encryptWeComMedia(Buffer.from('a'), `${KEY43}!`)).toThrow(WeComMediaDecryptError);
  });
});
