/**
 * readSse: the event stream rules that chunked TCP delivery exercises (line ends split across
 * chunks, UTF-8 split across chunks, multi-line data, comments, BOM, unfinished last event) and
 * the line limit.
 */
import { readSse, SseLimitError, type SseEvent } from '../../../../shared/adapters/model/sse';

function streamOf(chunks: readonly (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function all(chunks: readonly (string | Uint8Array)[], options?: { maxLineChars?: number }): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(streamOf(chunks), options)) events.push(event);
  return events;
}

describe('readSse', () => {
  it('reads data events ended by a blank line, with the default event type', async () => {
    expect(await all(['data: one\n\ndata: two\n\n'])).toEqual([
      { event: 'message', data: 'one' },
      { event: 'message', data: 'two' },
    ]);
  });

  it('treats CR LF split across two chunks as one line end', async () => {
    expect(await all(['data: a\r', '\n\r', '\ndata: b\r\n\r\n'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
  });

  it('accepts bare CR line ends', async () => {
    expect(await all(['data: a\r\rdata: b\r\r'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
  });

  it('keeps a character whose UTF-8 bytes arrive in two chunks', async () => {
    const bytes = new TextEncoder().encode('data: 处理中\n\n');
    expect(await all([bytes.subarray(0, 8), bytes.subarray(8)])).toEqual([{ event: 'message', data: '处理中' }]);
  });

  it('joins data lines with LF, removes one space only, skips comments, keeps event and id', async () => {
    expect(await all([': keep-alive\n', 'event: delta\nid: 7\ndata:  x\ndata:y\n\n'])).toEqual([{ event: 'delta', data: ' x\ny', id: '7' }]);
  });

  it('drops a leading BOM, an event without data, and an unfinished last event', async () => {
    expect(await all(['\uFEFFdata: first\n\n', 'event: empty\n\n', 'data: cut'])).toEqual([{ event: 'message', data: 'first' }]);
  });

  it('refuses a line longer than the limit', async () => {
    await expect(all(['data: ' + 'x'.repeat(100)], { maxLineChars: 50 })).rejects.toBeInstanceOf(SseLimitError);
  });

  it('cancels the stream when the reader leaves early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: more\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readSse(stream)) {
      expect(event.data).toBe('more');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
