import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { WeComCrypto } from '../../../shared/crypto';
import { SimUser } from '../../../sim/core/contract';
import { createSimulator, Simulator, SimulatorOptions } from '../../../sim/server';

export const corpId = 'wwtestcorp0001';
export const agentId = 1000009;
export const secret = 'test-secret';
export const token = 'TestToken123';
export const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

export const users: SimUser[] = [
  { userId: 'zhangsan', name: '张三', mobile: '+86-13900000001', email: 'zhangsan@example.com' },
  { userId: 'lisi', name: '李四', mobile: '+86-13900000002', email: 'lisi@example.com' },
  { userId: 'Carol', name: 'Carol Wu', mobile: '+852-61234567', email: 'carol@example.com' },
];

export interface Harness {
  sim: Simulator;
  token: string;
  api(path: string, body?: unknown, query?: Record<string, string>): Promise<Record<string, any>>;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Fetches a new access_token (e.g. after moving the clock past its TTL). */
  refreshToken(): Promise<void>;
}

export async function startHarness(corpConfig: Record<string, unknown> = {}, options: SimulatorOptions = {}): Promise<Harness> {
  const sim = await createSimulator({ port: 0, callbackTimeoutMs: 300, timeoutFaultDelayMs: 200, ...options });
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* non-JSON answers (HTML, plain text) stay text */
    }
    return { status: response.status, body: parsed as any };
  };
  const put = await control('PUT', `/_sim/wecom/corps/${corpId}`, { agentId, secret, token, encodingAesKey, users, ...corpConfig });
  if (put.status !== 200) throw new Error(`corp setup failed: ${JSON.stringify(put.body)}`);
  const fetchToken = async () =>
    ((await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${corpId}&corpsecret=${secret}`)).json()) as { access_token: string }).access_token;
  const harness: Harness = {
    sim,
    token: await fetchToken(),
    async refreshToken() {
      harness.token = await fetchToken();
    },
    async api(path, body, query = {}) {
      const params = new URLSearchParams({ access_token: harness.token, ...query });
      const response = await fetch(`${sim.url}/cgi-bin/${path}?${params}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, any>;
    },
    control,
  };
  return harness;
}

export interface ReceivedCallback {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly body: string;
  /** Decrypted inner XML parsed to an object (POST). */
  readonly event?: Record<string, string>;
}

export interface GatewayStub {
  url: string;
  received: ReceivedCallback[];
  /** How the stub answers; default: verify + decrypt + empty 200. */
  respond: (req: IncomingMessage, res: ServerResponse, callback: ReceivedCallback) => void;
  stop(): Promise<void>;
}

const parser = new XMLParser({ parseTagValue: false });

/** Stands in for dutybridge's callback endpoint: verifies msg_signature and decrypts with WeComCrypto. */
export async function startGatewayStub(): Promise<GatewayStub> {
  const crypto = new WeComCrypto({ token, encodingAesKey, receiveId: corpId });
  const stub: GatewayStub = {
    url: '',
    received: [],
    respond: (_req, res) => {
      res.writeHead(200);
      res.end('');
    },
    stop: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const body = Buffer.concat(chunks).toString('utf8');
      let event: Record<string, string> | undefined;
      if (req.method === 'POST') {
        const encrypt = (parser.parse(body) as any).xml.Encrypt as string;
        const plaintext = crypto.decryptMessage({
          msgSignature: url.searchParams.get('msg_signature') ?? '',
          timestamp: url.searchParams.get('timestamp') ?? '',
          nonce: url.searchParams.get('nonce') ?? '',
          encrypt,
        });
        event = (parser.parse(plaintext) as any).xml;
      }
      const callback = { method: req.method ?? '', query: url.searchParams, body, event };
      stub.received.push(callback);
      stub.respond(req, res, callback);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wecom/int-1/callback`;
  stub.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return stub;
}

export const buttonCard = (taskId: string, extra: Record<string, unknown> = {}) => ({
  card_type: 'button_interaction',
  main_title: { title: 'P1 INC-1 API latency', desc: 'payments-api' },
  sub_title_text: 'Triggered by Prometheus',
  horizontal_content_list: [{ keyname: 'Severity', value: 'P1' }],
  button_list: [
    { text: 'Acknowledge', style: 1, key: `ack:${taskId}` },
    { text: 'Resolve', style: 2, key: `resolve:${taskId}` },
  ],
  task_id: taskId,
  ...extra,
});
