import fc from 'fast-check';
import {
  MAX_CIPHERTEXT_BASE64_CHARS,
  MAX_MESSAGE_BYTES,
  MAX_TRAILER_BYTES,
  decodeCanonicalBase64,
  decodeEncodingAesKey,
} from '../../../shared/crypto/callback-cipher';
import { randomAlphanumeric, takeRandomBytes } from '../../../shared/crypto/random-pool';

/** The definition: RFC 4648 alphabet and padding, and re-encoding gives back the same text. */
function isCanonicalByDefinition(text: string): boolean {
  return text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text) && Buffer.from(text, 'base64').toString('base64') === text;
}

describe('decodeCanonicalBase64', () => {
  // Valid base64 with a few characters swapped for ones Node's lenient decoder would tolerate.
  const nearBase64 = fc
    .tuple(
      fc.uint8Array({ maxLength: 40 }),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('-', '_', ' ', '\n', '=', 'Ł', 'ő', 'A', '/', '+', '*', '\u0000', '==')), { maxLength: 3 }),
    )
    .map(([bytes, edits]) =>
      edits.reduce((text, [at, char]) => {
        const index = at % (text.length + 1);
        return text.slice(0, index) + char + text.slice(index + 1);
      }, Buffer.from(bytes).toString('base64')),
    );
  const base64ish = fc.string({ unit: fc.constantFrom(...'ABQRgwz019+/=-_ Ł'.split('')), maxLength: 12 });

  it('accepts exactly the canonical strings and decodes them like Buffer.from', () => {
    fc.assert(
      fc.property(fc.oneof(nearBase64, base64ish, fc.string({ unit: 'binary', maxLength: 12 })), (text) => {
        const decoded = decodeCanonicalBase64(text);
        const canonical = isCanonicalByDefinition(text);
        expect(decoded !== undefined).toBe(canonical);
        if (decoded) expect(decoded.equals(Buffer.from(text, 'base64'))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every encoding of random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (bytes) => {
        expect(decodeCanonicalBase64(Buffer.from(bytes).toString('base64'))?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});

describe('decodeEncodingAesKey', () => {
  it('decodes 43 alphanumerics to 32 bytes (the research value for the docs sample key)', () => {
    expect(decodeEncodingAesKey('1234567890123456789012345678901234567890123')?.toString('hex')).toBe(
      'd76df8e7aefcf74d76df8e7aefcf74d76df8e7aefcf74d76df8e7aefcf74d76d',
    );
  });

  it('rejects everything that is not 43 letters or digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 50 }), (text) => {
        expect(decodeEncodingAesKey(text) !== undefined).toBe(/^[A-Za-z0-9]{43}$/.test(text));
      }),
    );
  });
});

describe('limits', () => {
  it('the ciphertext limit is exactly the base64 size of the largest frame we produce', () => {
    const largestFrame = 16 + 4 + MAX_MESSAGE_BYTES + MAX_TRAILER_BYTES + 32;
    expect(MAX_CIPHERTEXT_BASE64_CHARS).toBe(Buffer.alloc(largestFrame).toString('base64').length);
  });
});

describe('random pool', () => {
  it('hands out fresh copies that differ across calls and across pool refills', () => {
    const seen = new Set<string>();
    for (let draw = 0; draw < 600; draw++) seen.add(takeRandomBytes(16).toString('hex')); // > 2 refills of 4096 bytes
    expect(seen.size).toBe(600);
    const first = takeRandomBytes(16);
    const copy = Buffer.from(first);
    takeRandomBytes(4096);
    expect(first.equals(copy)).toBe(true);
    expect(() => takeRandomBytes(4097)).toThrow(RangeError);
  });

  it('randomAlphanumeric uses all 62 characters and nothing else', () => {
    const text = randomAlphanumeric(20_000);
    expect(text).toMatch(/^[A-Za-z0-9]{20000}$/);
    expect(new Set(text).size).toBe(62);
  });
});
