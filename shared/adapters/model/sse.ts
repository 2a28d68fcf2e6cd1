/**
 * A small Server-Sent Events reader (the WHATWG HTML "event stream" interpretation) over a web
 * ReadableStream, for streamed chat completions. The parts that matter for a stream that arrives
 * in arbitrary TCP chunks:
 * - UTF-8 is decoded with a streaming TextDecoder, so a character split across chunks survives
 *   (and a leading BOM is dropped, as the spec asks);
 * - lines end at LF, CRLF or CR, and a CR at the end of one chunk followed by an LF at the start of
 *   the next is one line end, not two;
 * - `data:` values are joined with LF; one space after the colon is removed; a line starting with
 *   `:` is a comment; an event is dispatched at a blank line, and one without data is not
 *   dispatched; an unfinished event at the end of the stream is discarded.
 * A line longer than `maxLineChars` is refused (a misbehaving server could otherwise grow the
 * buffer without bound).
 */

export interface SseEvent {
  /** The `event:` field, 'message' when absent. */
  readonly event: string;
  readonly data: string;
  /** The last `id:` seen (the spec's last event ID), when any. */
  readonly id?: string;
}

/** The stream broke the reader's limits. */
export class SseLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SseLimitError';
  }
}

export const DEFAULT_SSE_MAX_LINE_CHARS = 1024 * 1024;

/**
 * Yields the events of the stream. Leaving the loop early (break, throw) cancels the stream, so the
 * connection is released.
 */
export async function* readSse(stream: ReadableStream<Uint8Array>, options: { readonly maxLineChars?: number } = {}): AsyncGenerator<SseEvent, void, undefined> {
  const maxLineChars = options.maxLineChars ?? DEFAULT_SSE_MAX_LINE_CHARS;
  const reader = stream.getReader();
  const decoder = new TextDecoder('utf-8');
  const parser = new SseLineParser();
  let buffer = '';
  /** The previous chunk ended in CR: an LF starting this one belongs to that line end. */
  let skipLeadingLf = false;
  let finished = false;

  function* lines(text: string): Generator<string> {
    buffer += text;
    let start = 0;
    if (skipLeadingLf && buffer.length > 0) {
      if (buffer.charCodeAt(0) === 0x0a) start = 1;
      skipLeadingLf = false;
    }
    for (;;) {
      let end = -1;
      for (let index = start; index < buffer.length; index++) {
        const code = buffer.charCodeAt(index);
        if (code === 0x0a || code === 0x0d) {
          end = index;
          break;
        }
      }
      if (end < 0) break;
      const line = buffer.slice(start, end);
      if (buffer.charCodeAt(end) === 0x0d) {
        if (end + 1 < buffer.length) start = buffer.charCodeAt(end + 1) === 0x0a ? end + 2 : end + 1;
        else {
          start = end + 1;
          skipLeadingLf = true;
        }
      } else start = end + 1;
      yield line;
    }
    buffer = buffer.slice(start);
    if (buffer.length > maxLineChars) throw new SseLimitError(`event stream line longer than ${maxLineChars} characters`);
  }

  try {
    for (;;) {
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (const line of lines(text)) {
        const event = parser.line(line);
        if (event) yield event;
      }
      if (done) {
        finished = true;
        return;
      }
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** The field rules of one event stream, line by line. */
class SseLineParser {
  private data: string[] = [];
  private eventType = '';
  private lastId: string | undefined;

  /** Feeds one line (without its end); returns the event a blank line completes. */
  line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 0x3a) return undefined; // ':' comment (keep-alives)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastId = value;
        break;
      default:
        // 'retry' and unknown fields: nothing a one-shot reader needs.
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const data = this.data;
    const eventType = this.eventType;
    this.data = [];
    this.eventType = '';
    if (data.length === 0) return undefined;
    return { event: eventType || 'message', data: data.join('\n'), ...(this.lastId !== undefined ? { id: this.lastId } : {}) };
  }
}
