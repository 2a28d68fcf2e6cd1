/**
 * A recording reverse proxy for replay tests: register its URL with the simulator in place of the
 * gateway's, and it forwards every request unchanged while keeping an exact copy (method, path with
 * query, headers, body bytes), so a test can send the very same signed request again.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path with the raw query string, as received. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** The answer the target gave. */
  status?: number;
  responseBody?: string;
}

export interface RecordingProxy {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Sends a recorded request again, byte for byte, straight to the target. */
  replay(request: RecordedRequest): Promise<Response>;
  stop(): Promise<void>;
}

// Hop-by-hop headers and those fetch computes itself.
const SKIP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

function forwardable(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !SKIP.has(k)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const send = (r: RecordedRequest) =>
    fetch(`${target}${r.url}`, { method: r.method, headers: r.headers, body: r.method === 'GET' || r.method === 'HEAD' ? undefined : new Uint8Array(r.body) });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: forwardable(req.headers), body: Buffer.concat(chunks) };
      requests.push(recorded);
      send(recorded)
        .then(async (answer) => {
          const body = Buffer.from(await answer.arrayBuffer());
          recorded.status = answer.status;
          recorded.responseBody = body.toString('utf8');
          const headers: Record<string, string> = {};
          answer.headers.forEach((v, k) => {
            if (!SKIP.has(k) && k !== 'content-encoding') headers[k] = v;
          });
          res.writeHead(answer.status, headers);
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${String(error)}`);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    replay: send,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
