/**
 * The platform simulator: one local HTTP server that dutybridge talks to exactly as it talks to
 * WeCom and DingTalk (their API base URLs point here, like a private deployment), that plays the
 * people (clicks, logins) by sending real signed and encrypted callbacks to dutybridge, and that
 * shows both platforms' conversations in a browser view. Started by the local stack on SIM_PORT
 * (default 8788) or by tests on port 0.
 */
import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { CallLog, CallFilter } from './core/call-log';
import { createSimClock } from './core/clock';
import { CallRecord, ClickRequest, ConversationItem, PlatformModule, SimClock, SimContext, SimRequest, SimResponse, SimUser } from './core/contract';
import { ConversationStore, Directory } from './core/conversations';
import { ClickRejectedError } from './core/errors';
import { FaultRegistry, FaultRuleError, parseFaultRule } from './core/faults';
import { demoDingTalkApp, demoOidcClient, demoOidcUsers, demoUsers } from './seed';
import { renderApp, renderPage, staleCardIds, ViewModel } from './view/render';
import { CardInsight, CardRef, cardRefKey, InsightSource, UpdateBudget } from './view/insight';
import { WeComModule, createWeComModule } from './wecom';
import { DingTalkModule, createDingTalkModule } from './dingtalk';
import { Mailbox, startSmtp } from './mail/mailbox';
import { OidcProvider, createOidcProvider } from './oidc/provider';
import { previewTemplate } from './view/template-preview';
import { FakeModel } from './model/fake-model';

export const DEFAULT_SIM_PORT = 8788;
/** WeCom drops the connection after 5 s (DOC-90930). */
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5000;
/** A `timeout` fault holds the answer longer than a 5 s client deadline. */
export const DEFAULT_TIMEOUT_FAULT_DELAY_MS = 6000;
/** Largest request body accepted (WeCom media is not simulated; JSON bodies are small). */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

export class SimPortError extends Error {
  override readonly name = 'SimPortError';
}

/** The port the local stack starts the simulator on: SIM_PORT, default 8788. */
export function resolveSimPort(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env.SIM_PORT;
  if (raw === undefined || raw === '') return DEFAULT_SIM_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SimPortError(`SIM_PORT must be a port number 0..65535, got "${raw}"`);
  return port;
}

export interface SimulatorOptions {
  readonly port?: number;
  /** Interface to bind; 127.0.0.1 unless told otherwise. */
  readonly host?: string;
  /** Register the demo WeCom corp and DingTalk app from sim/seed.ts. */
  readonly seed?: boolean;
  readonly clock?: SimClock;
  readonly log?: (line: string) => void;
  /** Per-attempt patience when sending callbacks (WeCom 5 s). Tests use a few hundred ms. */
  readonly callbackTimeoutMs?: number;
  /** How long a `timeout` fault holds the response (default 6 s). */
  readonly timeoutFaultDelayMs?: number;
  /** Random source for percentage faults and DingTalk flow control (tests make it deterministic). */
  readonly random?: () => number;
  /**
   * What dutybridge did about each card (operation log, incident.action messages, the incident's
   * state), shown in the view's side panel. The local stack passes one (local/view-insight.ts).
   */
  readonly insight?: InsightSource;
  /** How long a change may take to reach a card before the view marks it stale (default 10 s). */
  readonly staleGraceMs?: number;
  /** Port of the local mailbox's SMTP server (sim/mail); 0 (default) = ephemeral. The local stack passes SIM_SMTP_PORT or 2525. */
  readonly smtpPort?: number;
}

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:8788` (no trailing slash). */
  readonly url: string;
  readonly clock: SimClock;
  readonly wecom: WeComModule;
  readonly dingtalk: DingTalkModule;
  readonly faults: FaultRegistry;
  /** Port the mailbox's SMTP server listens on (same host as `url`); messages at `GET /_sim/mailbox`. */
  readonly smtpPort: number;
  readonly mailbox: Mailbox;
  /** The OpenID Connect provider at `<url>/oidc` (sim/oidc). */
  readonly oidc: OidcProvider;
  /** The fake OpenAI-compatible model at `<url>/_model/v1` (sim/model). */
  readonly model: FakeModel;
  /** The context handed to platform modules (tests may call module methods directly). */
  readonly context: SimContext;
  calls(filter?: CallFilter): CallRecord[];
  conversations(): ConversationItem[];
  /** Closes the server, aborts callbacks in flight and releases held responses. */
  stop(): Promise<void>;
}

class HttpBodyTooLargeError extends Error {
  override readonly name = 'HttpBodyTooLargeError';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpBodyTooLargeError(`body exceeds ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: SimResponse): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  let payload: string | Buffer;
  if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) {
    payload = response.body;
  } else if (response.body === undefined) {
    payload = '';
  } else {
    payload = JSON.stringify(response.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

/**
 * A response whose body is written over time (SimResponse.stream): headers now, then chunks as the
 * handler writes them; the handler's signal aborts when the client closes the connection or the
 * simulator stops.
 */
async function sendStream(res: ServerResponse, response: SimResponse, stopSignal: AbortSignal, log: (line: string) => void): Promise<void> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  res.on('close', abort);
  stopSignal.addEventListener('abort', abort, { once: true });
  try {
    res.writeHead(response.status, response.headers ?? {});
    res.flushHeaders();
    await response.stream!((chunk) => {
      if (!res.destroyed) res.write(chunk);
    }, controller.signal);
  } catch (error) {
    log(`[sim] streamed response failed: ${(error as Error).message}`);
    res.destroy();
  } finally {
    res.off('close', abort);
    stopSignal.removeEventListener('abort', abort);
    if (!res.destroyed) res.end();
  }
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  const parsed: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** `selectedItems` of a view click: [{questionKey, optionIds: [id]}], as WeCom's SelectedItems. */
function parseSelectedItems(value: unknown): ClickRequest['selectedItems'] {
  const bad = () => new SyntaxError('selectedItems must be an array of {questionKey: string, optionIds: string[]}');
  if (!Array.isArray(value)) throw bad();
  return value.map((entry: unknown) => {
    const { questionKey, optionIds } = (entry ?? {}) as { questionKey?: unknown; optionIds?: unknown };
    if (typeof questionKey !== 'string' || !Array.isArray(optionIds) || !optionIds.every((o) => typeof o === 'string')) throw bad();
    return { questionKey, optionIds: optionIds as string[] };
  });
}

export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? createSimClock();
  const log = options.log ?? (() => undefined);
  const callLog = new CallLog(() => clock.now());
  const store = new ConversationStore(() => clock.now());
  const directory = new Directory();
  const faults = new FaultRegistry(options.random);
  const stopController = new AbortController();
  const timeoutFaultDelayMs = options.timeoutFaultDelayMs ?? DEFAULT_TIMEOUT_FAULT_DELAY_MS;
  const heldResponses = new Set<() => void>();
  const mailbox = new Mailbox();
  let simUrl = '';
  const oidc = createOidcProvider(() => `${simUrl}/oidc`);
  const model = new FakeModel();

  const context: SimContext = {
    clock,
    faults,
    record: (call) => callLog.append(call),
    users: (orgId) => directory.users(orgId),
    setUsers: (orgId, users) => directory.set(orgId, users),
    deliver: (item) => {
      store.deliver(item);
    },
    log: (message) => log(`[sim] ${message}`),
    // Callbacks in flight are aborted when the simulator stops.
    fetch: ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
      fetch(input, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, stopController.signal]) : stopController.signal,
      })) as typeof fetch,
    holdForTimeoutFault: () =>
      new Promise<void>((resolve) => {
        if (stopController.signal.aborted) return resolve();
        const release = () => {
          clearTimeout(timer);
          heldResponses.delete(release);
          resolve();
        };
        const timer = setTimeout(release, timeoutFaultDelayMs);
        heldResponses.add(release);
      }),
    callbackTimeoutMs: options.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS,
  };

  const wecom = createWeComModule();
  const dingtalk = createDingTalkModule({ faultTimeoutMs: timeoutFaultDelayMs, ...(options.random ? { random: options.random } : {}) });
  const modules: PlatformModule[] = [wecom, dingtalk];

  const seed = () => {
    if (!options.seed) return;
    directory.set(demoDingTalkApp.corpId, demoUsers);
    for (const module of modules) module.seedDemo?.(context);
    oidc.registerClient({ ...demoOidcClient, redirectUris: [...demoOidcClient.redirectUris] });
    for (const user of demoOidcUsers) oidc.registerUser(user);
  };
  seed();

  const orgsByPlatform = (): ViewModel['orgsByPlatform'] => {
    const wecomOrgs = wecom.corpIds();
    return { wecom: wecomOrgs, dingtalk: directory.orgs().filter((org) => !wecomOrgs.includes(org)) };
  };

  // The insight source is asked at most once a second (the view polls every second).
  let insight: { at: number; map: ReadonlyMap<string, CardInsight>; digest: string } | undefined;
  let insightInFlight: Promise<void> | undefined;
  const refreshInsight = async (): Promise<void> => {
    if (!options.insight || (insight && Date.now() - insight.at < 1000)) return;
    insightInFlight ??= (async () => {
      const refs = new Map<string, CardRef>();
      for (const item of store.list()) {
        if (item.kind === 'card' && item.card) refs.set(cardRefKey({ platform: item.platform, cardId: item.card.cardId }), { platform: item.platform, orgId: item.orgId, cardId: item.card.cardId });
      }
      try {
        const map = refs.size > 0 ? await options.insight!([...refs.values()]) : new Map<string, CardInsight>();
        insight = { at: Date.now(), map, digest: createHash('sha1').update(JSON.stringify([...map.entries()])).digest('hex').slice(0, 12) };
      } catch (error) {
        log(`[sim] view insight failed: ${(error as Error).message}`);
        insight = { at: Date.now(), map: insight?.map ?? new Map(), digest: insight?.digest ?? '' };
      }
    })().finally(() => {
      insightInFlight = undefined;
    });
    await insightInFlight;
  };
  const budgets = (): Record<string, UpdateBudget> => {
    const out: Record<string, UpdateBudget> = {};
    for (const item of store.list()) {
      if (item.platform === 'wecom' && item.kind === 'card' && item.card && item.orgId) {
        out[cardRefKey({ platform: 'wecom', cardId: item.card.cardId })] = wecom.updateBudget(item.orgId, item.card.cardId, clock.now());
      }
    }
    return out;
  };
  const viewModel = (): ViewModel => {
    const usersByOrg: Record<string, readonly SimUser[]> = {};
    for (const org of directory.orgs()) usersByOrg[org] = directory.users(org);
    return {
      items: store.list(),
      calls: callLog.list(),
      faults: faults.list(),
      usersByOrg,
      orgsByPlatform: orgsByPlatform(),
      nowMs: clock.now(),
      budgets: budgets(),
      ...(insight ? { insight: insight.map } : options.insight ? { insight: new Map() } : {}),
      ...(options.staleGraceMs !== undefined ? { staleGraceMs: options.staleGraceMs } : {}),
      mail: mailbox.list().slice(0, 10),
    };
  };
  // Staleness changes with time alone: the version carries the stale cards, budgets and insight.
  const viewVersion = () => {
    const model = viewModel();
    const moving = JSON.stringify([model.budgets, insight?.digest ?? '', staleCardIds(model), model.mail?.[0]?.id ?? '']);
    return `${store.version}.${callLog.lastSeq}.${JSON.stringify(faults.list()).length}.${createHash('sha1').update(moving).digest('hex').slice(0, 10)}`;
  };

  /** The view does not know org ids of DingTalk items; resolve from the user's membership. */
  const resolveOrg = (platform: 'wecom' | 'dingtalk', userId: string): string | undefined =>
    orgsByPlatform()[platform].find((org) => directory.users(org).some((u) => u.userId.toLowerCase() === userId.toLowerCase()));

  async function handleSim(req: SimRequest): Promise<SimResponse | undefined> {
    const { method, path } = req;
    if (method === 'GET' && path === '/_sim/state') {
      await refreshInsight();
      const version = viewVersion();
      const body: Record<string, unknown> = { version };
      if (req.query.get('since') !== version) body.html = renderApp(viewModel());
      return { status: 200, body };
    }
    if (method === 'GET' && path === '/_sim/calls') {
      return {
        status: 200,
        body: { calls: callLog.list({ platform: req.query.get('platform') ?? undefined, endpoint: req.query.get('endpoint') ?? undefined }) },
      };
    }
    // Template preview (issue 13): renders a template file into a card; nothing is sent.
    if (method === 'POST' && path === '/_sim/preview') return previewTemplate(parseJsonObject(req.body));
    if (method === 'GET' && path === '/_sim/conversations') return { status: 200, body: { items: store.list() } };
    if (path === '/_sim/mailbox' && method === 'GET') return { status: 200, body: { messages: mailbox.list(req.query.get('to') ?? undefined) } };
    if (path === '/_sim/mailbox' && method === 'DELETE') {
      mailbox.clear();
      return { status: 200, body: { ok: true } };
    }
    if (path === '/_sim/faults') {
      if (method === 'POST') {
        const input = parseJsonObject(req.body);
        const rules = Array.isArray(input.rules) ? input.rules : [input];
        const parsed = rules.map(parseFaultRule);
        parsed.forEach((rule) => faults.add(rule));
        return { status: 200, body: { ok: true, faults: faults.list() } };
      }
      if (method === 'DELETE') {
        faults.clear();
        return { status: 200, body: { ok: true } };
      }
      if (method === 'GET') return { status: 200, body: { faults: faults.list() } };
    }
    if (method === 'POST' && path === '/_sim/clock/advance') {
      const { ms } = parseJsonObject(req.body);
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return { status: 400, body: { error: 'ms must be a non-negative number' } };
      clock.advance(ms);
      // Pushes that fell due on the new time (WeCom suite_ticket every N s) go out before the answer.
      await wecom.suites.tick(context);
      return { status: 200, body: { ok: true, now: clock.now() } };
    }
    if (method === 'POST' && path === '/_sim/reset') {
      callLog.clear();
      store.clear();
      faults.clear();
      directory.clear();
      mailbox.clear();
      oidc.reset();
      model.reset();
      for (const module of modules) module.reset?.();
      seed();
      return { status: 200, body: { ok: true } };
    }
    if (method === 'POST' && path === '/_sim/click') {
      const input = parseJsonObject(req.body);
      const platform = input.platform;
      if (platform !== 'wecom' && platform !== 'dingtalk') return { status: 400, body: { error: 'platform must be wecom or dingtalk' } };
      for (const field of ['userId', 'cardId', 'buttonKey'] as const) {
        if (typeof input[field] !== 'string' || input[field] === '') return { status: 400, body: { error: `${field} is required` } };
      }
      const module = modules.find((m) => m.platform === platform);
      if (!module) return { status: 404, body: { error: `${platform} module is not registered` } };
      const orgId = typeof input.orgId === 'string' && input.orgId ? input.orgId : resolveOrg(platform, input.userId as string);
      if (!orgId) return { status: 404, body: { error: `no ${platform} org has user ${String(input.userId)}` } };
      const click: ClickRequest = {
        platform,
        orgId,
        userId: input.userId as string,
        cardId: input.cardId as string,
        buttonKey: input.buttonKey as string,
        ...(typeof input.conversation === 'string' ? { conversation: input.conversation } : {}),
        ...(input.selectedItems !== undefined ? { selectedItems: parseSelectedItems(input.selectedItems) } : {}),
      };
      try {
        const outcome = await module.click(click, context);
        return { status: 200, body: outcome };
      } catch (error) {
        if (error instanceof ClickRejectedError) {
          log(`[sim] click refused: ${error.message}`);
          return { status: error.httpStatus, body: { error: error.message } };
        }
        throw error;
      }
    }
    if (path.startsWith('/_sim/oidc/')) return oidc.handleControl(req);
    if (path === '/_sim/model' || path.startsWith('/_sim/model/')) return model.handleControl(req, () => parseJsonObject(req.body));
    const platformMatch = /^\/_sim\/(wecom|dingtalk)\//.exec(path);
    if (platformMatch) {
      const module = modules.find((m) => m.platform === platformMatch[1]);
      return module ? module.handleControl(req, context) : undefined;
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const questionMark = rawUrl.indexOf('?');
    const path = questionMark >= 0 ? rawUrl.slice(0, questionMark) : rawUrl;
    const rawQuery = questionMark >= 0 ? rawUrl.slice(questionMark + 1) : '';
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      send(res, { status: 413, body: { error: (error as Error).message } });
      return;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    const answer = (response: SimResponse): Promise<void> | void =>
      response.stream ? sendStream(res, response, stopController.signal, log) : send(res, response);
    const simRequest: SimRequest = {
      method: req.method ?? 'GET',
      path,
      rawQuery,
      query: new URLSearchParams(rawQuery),
      headers,
      body,
      remoteAddress: req.socket.remoteAddress ?? '',
    };
    try {
      if (simRequest.method === 'GET' && (path === '/' || path === '/index.html')) {
        await refreshInsight();
        send(res, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: renderPage(viewModel(), viewVersion()) });
        return;
      }
      if (path.startsWith('/_sim/')) {
        const response = await handleSim(simRequest);
        await answer(response ?? { status: 404, body: { error: `unknown simulator control route ${simRequest.method} ${path}` } });
        return;
      }
      const modelResponse = model.handle(simRequest, context);
      if (modelResponse) {
        await answer(modelResponse);
        return;
      }
      const oidcResponse = await oidc.handle(simRequest, context);
      if (oidcResponse) {
        send(res, oidcResponse);
        return;
      }
      for (const module of modules) {
        const response = await module.handle(simRequest, context);
        if (response?.lost) {
          // lost-answer fault: executed and recorded; the client gets no answer, then a dropped connection.
          await context.holdForTimeoutFault?.();
          res.destroy();
          return;
        }
        if (response) {
          await answer(response);
          return;
        }
      }
      log(`[sim] no platform handles ${simRequest.method} ${path}`);
      send(res, { status: 404, body: { error: `not simulated: ${simRequest.method} ${path}` } });
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof FaultRuleError) {
        send(res, { status: 400, body: { error: error.message } });
        return;
      }
      log(`[sim] internal error on ${simRequest.method} ${path}: ${(error as Error).stack ?? String(error)}`);
      send(res, { status: 500, body: { error: (error as Error).message } });
    }
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_SIM_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  simUrl = url;
  log(`[sim] platform simulator listening on ${url} (WeCom + DingTalk)`);
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  try {
    smtp = await startSmtp(mailbox, options.smtpPort ?? 0, host, log);
  } catch (error) {
    server.close();
    throw error;
  }
  log(`[sim] mailbox SMTP on ${host}:${smtp.port}`);

  let stopped: Promise<void> | undefined;
  return {
    url,
    clock,
    wecom,
    dingtalk,
    faults,
    smtpPort: smtp.port,
    mailbox,
    oidc,
    model,
    context,
    calls: (filter) => callLog.list(filter),
    conversations: () => store.list(),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        stopController.abort();
        wecom.suites.stop();
        for (const release of [...heldResponses]) release();
        let open = 2;
        const done = () => {
          open -= 1;
          if (open === 0) resolve();
        };
        server.close(done);
        server.closeAllConnections();
        void smtp.close().then(done);
      });
      return stopped;
    },
  };
}
