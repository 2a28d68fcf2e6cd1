/** A minimal in-test SimContext and request builder for the DingTalk module. */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { CallRecord, ConversationItem, SimContext, SimRequest, SimResponse, SimUser } from '../../../sim/core/contract';
import { FaultRegistry } from '../../../sim/core/faults';
import { DingTalkAppInput, DingTalkModule, DingTalkModuleOptions, createDingTalkModule } from '../../../sim/dingtalk';

export interface TestContext extends SimContext {
  readonly records: CallRecord[];
  readonly delivered: ConversationItem[];
  readonly logs: string[];
  readonly faultRegistry: FaultRegistry;
  setNow(ms: number): void;
}

/** 2026-03-10 10:00 China time. */
export const START_MS = Date.UTC(2026, 2, 10, 2, 0, 0);

export function makeContext(directory: readonly SimUser[] = []): TestContext {
  let now = START_MS;
  let seq = 0;
  const records: CallRecord[] = [];
  const delivered: ConversationItem[] = [];
  const logs: string[] = [];
  const faultRegistry = new FaultRegistry(() => 0);
  return {
    clock: { now: () => now, advance: (ms) => void (now += ms) },
    setNow: (ms) => void (now = ms),
    faults: faultRegistry,
    faultRegistry,
    record: (call) => {
      const record = { ...call, seq: ++seq, at: now };
      records.push(record);
      return record;
    },
    users: () => directory,
    deliver: (item) => void delivered.push({ ...item, id: String(delivered.length + 1), at: now }),
    log: (message) => void logs.push(message),
    fetch: globalThis.fetch,
    records,
    delivered,
    logs,
  };
}

export const users: DingTalkAppInput['users'] = [
  { userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000004', email: 'alice@example.com', unionId: 'unionAlice' },
  { userId: 'bob', name: 'Bob Smith', mobile: '+86-13800000005', email: 'bob@example.com', unionId: 'unionBob' },
  { userId: 'carol', name: 'Carol', mobile: '+1-4155550100', email: 'carol@example.com', unionId: 'unionCarol' },
];

export const GROUP_ID = 'cidGroupOne==';
export const COOL_GROUP_ID = 'cidCoolGroup==';

export function appInput(overrides: Partial<DingTalkAppInput> = {}): DingTalkAppInput {
  return {
    corpId: 'dingcorp0001',
    clientId: 'dingclient0001',
    clientSecret: 'client-secret-0001',
    token: 'SimToken123',
    aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    robotCode: 'dingclient0001',
    eventsUrl: 'http://127.0.0.1:9/events',
    users,
    groups: [
      { openConversationId: GROUP_ID, title: 'Ops', memberUserIds: ['alice', 'bob'] },
      { openConversationId: COOL_GROUP_ID, title: 'Cool', memberUserIds: ['alice', 'bob', 'carol'], coolAppCode: 'COOLAPP-1-ABC' },
    ],
    ...overrides,
  };
}

export function request(method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string> = {}): SimRequest {
  const [path, rawQuery = ''] = pathAndQuery.split('?') as [string, string?];
  const buffer = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    method,
    path,
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers: { 'content-type': 'application/json', ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) },
    body: buffer,
    remoteAddress: '127.0.0.1',
  };
}

export interface Harness {
  readonly sim: DingTalkModule;
  readonly ctx: TestContext;
  /** Calls a new-family endpoint with the app's token. */
  api(method: string, path: string, body?: unknown): Promise<SimResponse & { body: Record<string, unknown> }>;
  /** Calls an oapi endpoint with the app's token in the query. */
  oapi(path: string, body?: unknown): Promise<SimResponse & { body: Record<string, unknown> }>;
  token(): Promise<string>;
}

export function makeHarness(appOverrides: Partial<DingTalkAppInput> = {}, options: DingTalkModuleOptions = {}): Harness {
  const sim = createDingTalkModule(options);
  const ctx = makeContext();
  sim.registerApp(appInput(appOverrides));
  let cached: { token: string; fetchedAt: number } | undefined;
  const token = async () => {
    // Refetch like a client does once the 7200 s lifetime is over (the sim clock may jump).
    if (!cached || ctx.clock.now() - cached.fetchedAt >= 7200_000) {
      const response = await sim.handle(request('POST', '/v1.0/oauth2/accessToken', { appKey: 'dingclient0001', appSecret: 'client-secret-0001' }), ctx);
      cached = { token: (response?.body as { accessToken: string }).accessToken, fetchedAt: ctx.clock.now() };
    }
    return cached.token;
  };
  const call = async (req: SimRequest) => {
    const response = await sim.handle(req, ctx);
    if (!response) throw new Error(`module did not handle ${req.path}`);
    return response as SimResponse & { body: Record<string, unknown> };
  };
  return {
    sim,
    ctx,
    token,
    api: async (method, path, body) => call(request(method, path, body, { 'x-acs-dingtalk-access-token': await token() })),
    oapi: async (path, body) => call(request('POST', `${path}?access_token=${await token()}`, body)),
  };
}

export interface LocalServer {
  readonly url: string;
  readonly received: { url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

/** A tiny HTTP server on 127.0.0.1:0 answering with `answer`. */
export async function startServer(answer: (req: { url: string; headers: IncomingMessage['headers']; body: string }, res: ServerResponse) => void | Promise<void>): Promise<LocalServer> {
  const received: LocalServer['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      void Promise.resolve(answer(entry, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
