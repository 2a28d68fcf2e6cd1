import fc from 'fast-check';
import { codePointLength, toWellFormed, truncateText, utf8ByteLength, TextBudgetError, singleLine } from '../../../shared/domain/text-budget';

const graphemesOf = (s: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].map((x) => x.segment);

/** Arbitrary Unicode: full graphemes, raw code points (lone surrogates too), and tricky pieces. */
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('👨‍👩‍👧‍👦', 'e\u0301', '告', 'a', ' ', '\n', '\uD800', '🇨🇳'), maxLength: 100 }),
);

describe('truncateText', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateText('hello', { maxChars: 5, maxBytes: 5 })).toBe('hello');
    expect(truncateText('告警', { maxBytes: 6 })).toBe('告警');
  });

  it('cuts to the character budget with an ellipsis counted inside it', () => {
    expect(truncateText('abcdefgh', { maxChars: 5 })).toBe('abcd…');
    expect(codePointLength(truncateText('abcdefgh', { maxChars: 5 }))).toBe(5);
  });

  it('cuts to the byte budget without splitting a multi-byte character', () => {
    // Each 告 is 3 bytes, the ellipsis 3 bytes: 10 bytes leave room for 2 characters + ellipsis.
    expect(truncateText('告警告警告警', { maxBytes: 10 })).toBe('告警…');
    expect(utf8ByteLength(truncateText('告警告警告警', { maxBytes: 10 }))).toBe(9);
  });

  it('never splits a surrogate pair or an emoji grapheme cluster', () => {
    const family = '👨‍👩‍👧‍👦'; // 7 code points, one grapheme
    expect(truncateText(`ab${family}cd`, { maxChars: 8 })).toBe('ab…');
    expect(truncateText(`${family}${family}`, { maxChars: 8 })).toBe(`${family}…`);
    expect(truncateText('e\u0301e\u0301e\u0301', { maxChars: 4 })).toBe('e\u0301…');
  });

  it('drops trailing whitespace before the ellipsis', () => {
    expect(truncateText('abc   defgh', { maxChars: 6 })).toBe('abc…');
  });

  it('omits the ellipsis when even it does not fit, and honours a custom one', () => {
    expect(truncateText('abcdef', { maxChars: 0 })).toBe('');
    expect(truncateText('abcdef', { maxBytes: 2 })).toBe('ab');
    expect(truncateText('abcdef', { maxChars: 5, ellipsis: '...' })).toBe('ab...');
  });

  it('replaces unpaired surrogates so byte counts match what is sent', () => {
    expect(toWellFormed('a\uD800b')).toBe('a\uFFFDb');
    expect(truncateText('\uDC00x', { maxChars: 10 })).toBe('\uFFFDx');
  });

  it('rejects negative or fractional budgets', () => {
    expect(() => truncateText('x', { maxChars: -1 })).toThrow(TextBudgetError);
    expect(() => truncateText('x', { maxBytes: 1.5 })).toThrow(TextBudgetError);
  });

  it('singleLine collapses newlines and runs of spaces', () => {
    expect(singleLine('  a\n\tb   c ')).toBe('a b c');
  });

  it('property: any text, any budget: within budget, whole graphemes, a prefix when cut', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
        (input, maxChars, maxBytes) => {
          const out = truncateText(input, { maxChars, maxBytes });
          if (maxChars !== undefined) expect(codePointLength(out)).toBeLessThanOrEqual(maxChars);
          if (maxBytes !== undefined) expect(utf8ByteLength(out)).toBeLessThanOrEqual(maxBytes);
          expect(toWellFormed(out)).toBe(out);
          const wellFormed = toWellFormed(input);
          if (out !== wellFormed) {
            const kept = out.endsWith('…') ? out.slice(0, -1) : out;
            expect(wellFormed.startsWith(kept)).toBe(true);
            // The cut lies on a grapheme boundary of the original.
            let acc = '';
            const boundaries = new Set<string>(['']);
            for (const g of graphemesOf(wellFormed)) boundaries.add((acc += g));
            const untrimmed = [...boundaries].some((b) => b.trimEnd() === kept);
            expect(untrimmed).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
