/**
 * Fitting free text (incident titles, descriptions, people's names) into the size limits of chat
 * platforms: WeCom card fields are limited in characters ("建议不超过36个字", DOC-90236), WeCom
 * markdown and text in UTF-8 bytes (≤ 4096 / ≤ 2048 bytes, errcodes 40058 / 45002). A cut never
 * splits a code point or a grapheme cluster (an emoji with modifiers, a letter with combining
 * marks), and an ellipsis shows that something was cut. Pure functions, no platform knowledge.
 */

export const DEFAULT_ELLIPSIS = '…';

export interface TextBudget {
  /** Largest UTF-8 encoding in bytes, ellipsis included. */
  readonly maxBytes?: number;
  /**
   * Largest length in Unicode code points, ellipsis included. Code points (not UTF-16 units, not
   * graphemes) because that is what a server counting "characters" sees; a grapheme made of
   * several code points counts as several.
   */
  readonly maxChars?: number;
  /** Appended when the text was cut; default "…". Dropped if even it does not fit. */
  readonly ellipsis?: string;
}

export class TextBudgetError extends Error {
  override readonly name = 'TextBudgetError';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces unpaired UTF-16 surrogates with U+FFFD. Buffer and JSON encode them inconsistently (3
 * bytes of U+FFFD vs a `\udXXX` escape), so budgets are only reliable on well-formed text.
 */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

let segmenter: Intl.Segmenter | undefined;

function graphemes(text: string): Iterable<string> {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const segments = segmenter.segment(text);
  return {
    *[Symbol.iterator]() {
      for (const { segment } of segments) yield segment;
    },
  };
}

function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new TextBudgetError(`${name} must be a non-negative integer, got ${value}`);
  }
}

function fits(text: string, maxBytes: number, maxChars: number): boolean {
  // Cheap checks first: UTF-16 length bounds code points from above, and bytes ≤ 3 × units.
  if (text.length <= maxChars && text.length * 3 <= maxBytes) return true;
  return codePointLength(text) <= maxChars && utf8ByteLength(text) <= maxBytes;
}

/**
 * Returns `text` unchanged when it fits the budget, otherwise the longest prefix made of whole
 * grapheme clusters that fits together with the ellipsis (trailing whitespace before the ellipsis
 * is dropped). Unpaired surrogates are replaced with U+FFFD first.
 */
export function truncateText(text: string, budget: TextBudget): string {
  checkLimit('maxBytes', budget.maxBytes);
  checkLimit('maxChars', budget.maxChars);
  const maxBytes = budget.maxBytes ?? Number.POSITIVE_INFINITY;
  const maxChars = budget.maxChars ?? Number.POSITIVE_INFINITY;
  const wellFormed = toWellFormed(text);
  if (fits(wellFormed, maxBytes, maxChars)) return wellFormed;

  let ellipsis = toWellFormed(budget.ellipsis ?? DEFAULT_ELLIPSIS);
  if (!fits(ellipsis, maxBytes, maxChars)) ellipsis = '';
  const roomBytes = maxBytes - utf8ByteLength(ellipsis);
  const roomChars = maxChars - codePointLength(ellipsis);

  let kept = '';
  let usedBytes = 0;
  let usedChars = 0;
  for (const cluster of graphemes(wellFormed)) {
    const clusterBytes = utf8ByteLength(cluster);
    const clusterChars = codePointLength(cluster);
    if (usedBytes + clusterBytes > roomBytes || usedChars + clusterChars > roomChars) break;
    kept += cluster;
    usedBytes += clusterBytes;
    usedChars += clusterChars;
  }
  return kept.trimEnd() + ellipsis;
}

/** Collapses runs of whitespace (newlines included) into single spaces: for one-line fields. */
export function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const SPACE = /\s/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;
const WORD = /[\p{L}\p{N}]/u;
const DIGIT = /\p{Nd}/u;
/** Code points that belong to the one before them (combining marks, joiners, variation selectors). */
const ATTACHED = /[\p{M}\u200d\ufe00-\ufe0f]/u;
const REGIONAL = /[\u{1F1E6}-\u{1F1FF}]/u;

/** True when a cut before `cps[i]` would split a number: 12|3, 1|.5, 1.|5, 5|%, 1,|000. */
function splitsNumber(cps: readonly string[], i: number): boolean {
  const a = cps[i - 1] ?? '';
  const b = cps[i] ?? '';
  if (DIGIT.test(a) && (DIGIT.test(b) || b === '%' || ((b === '.' || b === ',') && DIGIT.test(cps[i + 1] ?? '')))) return true;
  return (a === '.' || a === ',') && DIGIT.test(cps[i - 2] ?? '') && DIGIT.test(b);
}

/** True when a cut before `cps[i]` falls on a word or character boundary and splits no number or cluster. */
function isCleanCut(cps: readonly string[], i: number): boolean {
  const a = cps[i - 1] ?? '';
  const b = cps[i] ?? '';
  if (ATTACHED.test(b) || a === '\u200d' || (REGIONAL.test(a) && REGIONAL.test(b))) return false;
  if (SPACE.test(a) || SPACE.test(b)) return true;
  if (splitsNumber(cps, i)) return false;
  if (CJK.test(a) || CJK.test(b)) return true;
  return !(WORD.test(a) && WORD.test(b));
}

/**
 * Like `truncateText`, for titles people read: the cut falls between words ("Checkout error…",
 * not "Checkout err…"), or between characters in Chinese and Japanese text, and never inside a
 * number ("above 5…" for "above 50%" would be wrong; "above…" is not). When the last word
 * boundary would throw away more than half of what fits, a long word is cut between characters,
 * but still never inside a number.
 */
export function truncateAtWordBoundary(text: string, budget: TextBudget): string {
  const wellFormed = toWellFormed(text);
  const cut = truncateText(wellFormed, budget);
  if (cut === wellFormed) return cut;
  const ellipsis = toWellFormed(budget.ellipsis ?? DEFAULT_ELLIPSIS);
  const prefix = ellipsis && cut.endsWith(ellipsis) ? cut.slice(0, cut.length - ellipsis.length) : cut;
  const suffix = cut.slice(prefix.length);
  const cps = Array.from(wellFormed);
  const n = Array.from(prefix).length;
  if (n === 0 || isCleanCut(cps, n)) return prefix.trimEnd() + suffix;
  let at = n - 1;
  while (at > 0 && !isCleanCut(cps, at)) at -= 1;
  if (at === 0 || at < n / 2) {
    // No word boundary worth keeping: cut between characters, backing out of a number if inside one.
    at = n;
    while (at > 0 && (splitsNumber(cps, at) || ATTACHED.test(cps[at] ?? ''))) at -= 1;
  }
  return cps.slice(0, at).join('').trimEnd() + suffix;
}
