/**
 * Just enough RFC 5322 / MIME reading for the simulator's mailbox: unfolded headers, RFC 2047
 * encoded words (B and Q), multipart bodies, quoted-printable and base64 transfer encodings,
 * and the part's charset. The text of a message is its first text/plain part, else its first
 * text/html part with the tags removed.
 */

export interface ParsedMessage {
  readonly headers: ReadonlyMap<string, string>;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

interface Part {
  readonly headers: Map<string, string>;
  readonly body: Buffer;
}

function splitHeaderBlock(raw: Buffer): Part {
  const text = raw.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  const headerText = match ? text.slice(0, match.index) : text;
  const bodyStart = match ? match.index + match[0].length : text.length;
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of headerText.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    // Header bytes are UTF-8 when not encoded words (RFC 6532); re-read them as such.
    const value = Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8');
    headers.set(last, headers.has(last) ? `${headers.get(last)}, ${value}` : value);
  }
  return { headers, body: raw.subarray(Buffer.byteLength(text.slice(0, bodyStart), 'latin1')) };
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

export function decodeQuotedPrintable(text: string): Buffer {
  const softBreaksRemoved = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < softBreaksRemoved.length; i += 1) {
    const char = softBreaksRemoved[i] as string;
    const hex = softBreaksRemoved.slice(i + 1, i + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(char.charCodeAt(0) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047: `=?utf-8?B?...?=` and `=?utf-8?Q?...?=`; whitespace between two encoded words is dropped. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, charset: string, encoding: string, data: string) => {
      const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : decodeQuotedPrintable(data.replace(/_/g, ' '));
      return decodeCharset(bytes, charset);
    });
}

function parameter(headerValue: string | undefined, name: string): string | undefined {
  if (!headerValue) return undefined;
  const match = new RegExp(`;\\s*${name}\\s*=\\s*("([^"]*)"|[^;\\s]+)`, 'i').exec(headerValue);
  return match ? (match[2] ?? match[1]) : undefined;
}

function bodyText(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase().trim();
  const charset = parameter(part.headers.get('content-type'), 'charset');
  const raw = part.body.toString('latin1');
  const bytes = encoding === 'base64' ? Buffer.from(raw.replace(/\s+/g, ''), 'base64') : encoding === 'quoted-printable' ? decodeQuotedPrintable(raw) : part.body;
  return decodeCharset(bytes, charset);
}

function leaves(part: Part): Part[] {
  const type = (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
  const boundary = parameter(part.headers.get('content-type'), 'boundary');
  if (!type.startsWith('multipart/') || !boundary) return [part];
  const text = part.body.toString('latin1');
  const delimiter = `--${boundary}`;
  const pieces = text.split(new RegExp(`\\r?\\n?${delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // pieces[0] is the preamble; a piece starting with "--" is the closing delimiter's epilogue.
  return pieces
    .slice(1)
    .filter((piece) => !piece.startsWith('--'))
    .flatMap((piece) => leaves(splitHeaderBlock(Buffer.from(piece.replace(/^[ \t]*\r?\n/, ''), 'latin1'))));
}

function stripTags(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

export function parseMessage(raw: Buffer): ParsedMessage {
  const top = splitHeaderBlock(raw);
  const parts = leaves(top);
  const typeOf = (part: Part) => (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
  const plain = parts.find((part) => typeOf(part).startsWith('text/plain') && !/attachment/i.test(part.headers.get('content-disposition') ?? ''));
  const htmlPart = parts.find((part) => typeOf(part).startsWith('text/html'));
  const html = htmlPart ? bodyText(htmlPart) : undefined;
  const text = plain ? bodyText(plain) : html !== undefined ? stripTags(html) : '';
  const header = (name: string) => decodeEncodedWords(top.headers.get(name) ?? '');
  return {
    headers: top.headers,
    from: header('from'),
    to: header('to'),
    subject: header('subject'),
    text: text.replace(/\r\n/g, '\n').replace(/\n+$/, ''),
    ...(html !== undefined ? { html } : {}),
  };
}
