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
