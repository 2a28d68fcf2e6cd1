/**
 * Conformance: every request the real WeComClient sends fits WeCom's documented contract
 * (sim/wecom/request-schemas.ts, one schema per request, written from the official pages). The
 * client runs against the simulator through an injected fetch that records the exact request
 * (method, path, query, JSON body); each record is parsed with its schema. The negative half
 * proves the schemas, and the simulator over HTTP, refuse the wrong shapes (unknown field, wrong
 * type, missing required field), so this test fails when the client drifts from the docs.
 */
import { createSimulator, type Simulator } from '../../../../sim/server';
import {
  contractViolation,
  getTokenQuerySchema,
  messageSendBodySchema,
  updateTemplateCardBodySchema,
  userIdByEmailBodySchema,
  userIdByMobileBodySchema,
  userGetQuerySchema,
  weComRequestContracts,
  type WeComContractEndpoint,
} from '../../../../sim/wecom/request-schemas';
import { WeComClient } from '../../../../shared/adapters/wecom/client';
import { InMemoryAccessTokenStore, TokenProvider } from '../../../../shared/application/token-provider';
import { renderWeComIncidentCard, weComTaskId } from '../../../../shared/domain/wecom-card';
import type { Incident } from '../../../../shared/domain/incident';

const CORP = 'wwconformance';
const AGENT_ID = 1000005;
const SECRET = 'conformance-secret';
const people = [
  { userId: 'ZhangSan', name: 'Zhang San', mobile: '+86-13800000011', email: 'zhangsan@example.com' },
  { userId: 'lisi', name: 'Li Si', mobile: '+86-13800000012', email: 'lisi@example.com' },
];

interface CapturedRequest {
  readonly method: string;
  readonly endpoint: string;
  readonly path: string;
  readonly queryKeys: string[];
  readonly query: Record<string, string>;
  readonly body: unknown;
}

let sim: Simulator;
const captured: CapturedRequest[] = [];

/** Records what the client puts on the wire, then lets the simulator answer it. */
const capturingFetch: typeof fetch = async (input, init) => {
  const url = new URL(String(input));
  const body = init?.body === undefined || init.body === null ? undefined : JSON.parse(String(init.body));
  captured.push({
    method: init?.method ?? 'GET',
    endpoint: url.pathname.replace(/^\/cgi-bin\//, ''),
    path: url.pathname,
    queryKeys: [...url.searchParams.keys()],
    query: Object.fromEntries(url.searchParams),
    body,
  });
  return fetch(input, init);
};

async function control(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

function client(): WeComClient {
  return new WeComClient(
    { corpId: CORP, agentId: String(AGENT_ID), secret: SECRET, apiBase: sim.url },
    { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }), fetch: capturingFetch, timeoutMs: 2000 },
  );
}

let seq = 0;
function incident(extra: Partial<Incident> = {}): Incident {
  seq += 1;
  const now = Date.now();
  return {
    incidentId: `CONF-${seq}`,
    version: 1,
    revision: 1,
    title: `Payments API p99 latency above 2 s on every shard of the cluster (${seq})`,
    severity: 'Critical',
    description: 'Error budget burning 14x. '.repeat(12),
    labels: { env: 'prod', region: 'cn-north-1', service: 'payments' },
    detailUrl: 'https://oncall.example.com/incidents/1',
    responders: [],
    targets: [],
    status: 'Triggered',
    triggeredAt: now,
    updatedAt: now,
    ...extra,
  };
}
const render = (i: Incident) => renderWeComIncidentCard(i, { taskId: weComTaskId(i.incidentId, 'conformance'), nowMs: Date.now() });

/** The schema a captured request must fit, from the contract table. */
function check(request: CapturedRequest): string[] {
  expect(request.path).toBe(`/cgi-bin/${request.endpoint}`);
  const contract = weComRequestContracts[request.endpoint as WeComContractEndpoint];
  if (!contract) return [`${request.endpoint}: not in the contract table`];
  const problems: string[] = [];
  if (request.method !== contract.method) problems.push(`${request.endpoint}: method ${request.method}, documented ${contract.method}`);
  if (new Set(request.queryKeys).size !== request.queryKeys.length) problems.push(`${request.endpoint}: a query parameter is repeated`);
  problems.push(...(contractViolation(contract.query, request.query, 'query')?.problems ?? []).map((p) => `${request.endpoint}: ${p}`));
  if ('body' in contract) {
    if (request.body === undefined) problems.push(`${request.endpoint}: no JSON body`);
    else problems.push(...(contractViolation(contract.body, request.body, 'body')?.problems ?? []).map((p) => `${request.endpoint}: ${p}`));
  } else if (request.body !== undefined) {
    problems.push(`${request.endpoint}: a ${request.method} request with a body`);
  }
  return problems;
}

beforeAll(async () => {
  sim = await createSimulator({ port: 0 });
  await control('PUT', `/_sim/wecom/corps/${CORP}`, {
    agentId: AGENT_ID,
    secret: SECRET,
    token: 'conformanceToken1',
    encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    users: people,
  });
});
afterAll(async () => sim.stop());

describe('every request the WeComClient sends fits its documented schema', () => {
  /** Calls that failed: recorded, not thrown, so the schema check below still names the problem. */
  const failures: string[] = [];
  async function attempt<T>(label: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      failures.push(`${label}: ${(error as Error).message}`);
      return undefined;
    }
  }

  beforeAll(async () => {
    const wecom = client();
    const acked = { acknowledgedBy: { email: 'lisi@example.com', name: 'Li Si' } };
    const fresh = async () => (await attempt('send for a code', () => wecom.sendTemplateCard({ toUsers: ['lisi'], card: render(incident()) })))?.responseCode ?? 'no-code';
    // message/send, template_card: each card variant the use cases send, with and without a link.
    const triggered = incident();
    const taskId = weComTaskId(triggered.incidentId, 'conformance');
    const sent = await attempt('send Triggered', () => wecom.sendTemplateCard({ toUsers: ['ZhangSan', 'lisi', 'Ghost'], card: render(triggered) }));
    await attempt('send Processing', () => wecom.sendTemplateCard({ toUsers: ['lisi'], card: render(incident({ status: 'Processing', ...acked, detailUrl: undefined, labels: {} })) }));
    await attempt('send Snoozed', () =>
      wecom.sendTemplateCard({ toUsers: ['lisi'], card: render(incident({ status: 'Snoozed', snoozedUntil: Date.now() + 3600_000 })), duplicateCheckSeconds: 600 }),
    );
    // message/update_template_card, both documented forms (each response code is single use).
    const processing: Incident = { ...triggered, status: 'Processing', ...acked };
    const closed: Incident = { ...triggered, status: 'Closed', closedBy: { email: 'lisi@example.com', name: 'Li Si' } };
    await attempt('update to Processing', () =>
      wecom.updateTemplateCard({ userIds: ['ZhangSan', 'lisi'], responseCode: sent?.responseCode ?? 'no-code', card: renderWeComIncidentCard(processing, { taskId, nowMs: Date.now() }) }),
    );
    const closedRender = renderWeComIncidentCard(closed, { taskId, nowMs: Date.now() });
    const code2 = await fresh();
    await attempt('update to Closed', () => wecom.updateTemplateCard({ userIds: ['lisi'], responseCode: code2, card: closedRender }));
    const code3 = await fresh();
    await attempt('update card + replaceName', () => wecom.updateTemplateCard({ userIds: ['lisi'], responseCode: code3, card: closedRender, replaceName: 'Closed by Li Si' }));
    const code4 = await fresh();
    await attempt('update replaceName only', () => wecom.updateTemplateCard({ userIds: ['lisi'], responseCode: code4, replaceName: 'Incident not found' }));
    // message/send, text.
    await attempt('send text', () => wecom.sendText({ toUsers: ['lisi'], content: '请先绑定账号。'.repeat(200) }));
    // Directory lookups, found and not found.
    expect(await attempt('email lookup', () => wecom.getUserIdByEmail('lisi@example.com'))).toBe('lisi');
    expect(await attempt('email miss', () => wecom.getUserIdByEmail('nobody@example.com'))).toBeUndefined();
    expect(await attempt('mobile lookup', () => wecom.getUserIdByMobile('13800000011'))).toBe('zhangsan');
    expect(await attempt('user/get', () => wecom.getUser('ZhangSan'))).toMatchObject({ userId: 'zhangsan' });
    expect(await attempt('user/get miss', () => wecom.getUser('ghost'))).toBeUndefined();
    // appchat (War Room): create, update (remove the owner with a successor, rename; add back), markdown, get.
    await attempt('appchat create', () => wecom.appChatCreate({ chatId: 'conformance1', name: 'P1 conformance war room', owner: 'ZhangSan', userIds: ['ZhangSan', 'lisi'] }));
    await attempt('appchat update del', () => wecom.appChatUpdate({ chatId: 'conformance1', name: 'P1 renamed', owner: 'lisi', removeUserIds: ['ZhangSan'] }));
    await attempt('appchat update add', () => wecom.appChatUpdate({ chatId: 'conformance1', addUserIds: ['ZhangSan'] }));
    await attempt('appchat markdown', () => wecom.appChatSendMarkdown({ chatId: 'conformance1', content: '**P1** 支付服务故障 '.repeat(200) }));
    expect(await attempt('appchat get', () => wecom.appChatGet('conformance1'))).toMatchObject({ owner: 'lisi', userIds: ['lisi', 'ZhangSan'] });
    // A revoked token: the client fetches a new one (a second gettoken) and retries once.
    await control('POST', '/_sim/wecom/tokens/invalidate', { corpId: CORP, mode: 'expired' });
    await attempt('text after token refresh', () => wecom.sendText({ toUsers: ['lisi'], content: 'after a token refresh' }));
  });

  it('every call succeeded against the simulator', () => {
    expect(failures).toEqual([]);
  });

  it('covers every request kind the client can send', () => {
    expect(new Set(captured.map((r) => r.endpoint))).toEqual(new Set(Object.keys(weComRequestContracts)));
    const bodies = (endpoint: string) => captured.filter((r) => r.endpoint === endpoint).map((r) => r.body as Record<string, unknown>);
    expect(new Set(bodies('message/send').map((b) => b.msgtype))).toEqual(new Set(['template_card', 'text']));
    expect(bodies('message/update_template_card').some((b) => 'button' in b)).toBe(true);
    expect(bodies('message/update_template_card').some((b) => 'template_card' in b)).toBe(true);
    expect(bodies('message/update_template_card').some((b) => (b.template_card as { replace_text?: string } | undefined)?.replace_text)).toBe(true);
    expect(captured.filter((r) => r.endpoint === 'gettoken')).toHaveLength(2);
  });

  it('fits the schema: method, path, query and JSON body of each captured request', () => {
    const problems = captured.flatMap(check);
    expect(problems).toEqual([]);
  });

  it('and the simulator, which checks the same schemas, answered all of them (only the expected misses)', () => {
    // 46004 / 60111: the lookups of nobody; 42001: the revoked token, refreshed and retried.
    const refused = sim.calls({ platform: 'wecom' }).filter((c) => ![0, 46004, 60111, 42001].includes(Number(c.resultCode)));
    expect(refused.map((c) => `${c.endpoint}: ${c.resultCode} ${c.reason}`)).toEqual([]);
  });
});

describe('the schemas refuse wrong shapes (so the conformance check can fail)', () => {
  const card = () => render(incident());
  const send = () => ({ touser: 'lisi', msgtype: 'template_card', agentid: AGENT_ID, template_card: card(), enable_id_trans: 0, enable_duplicate_check: 0 });
  const { task_id: _taskId, ...updateCard } = card();
  const update = () => ({ userids: ['lisi'], agentid: AGENT_ID, response_code: 'code', enable_id_trans: 0, template_card: { ...updateCard } });
  const refused = (schema: Parameters<typeof contractViolation>[0], input: unknown, part: 'query' | 'body' = 'body') => contractViolation(schema, input, part);

  it('accepts the valid shapes used below', () => {
    expect(refused(messageSendBodySchema, send())).toBeUndefined();
    expect(refused(updateTemplateCardBodySchema, update())).toBeUndefined();
    expect(refused(getTokenQuerySchema, { corpid: CORP, corpsecret: SECRET }, 'query')).toBeUndefined();
  });

  it.each([
    ['an unknown top-level field', () => ({ ...send(), priority: 'high' }), /Unrecognized key: "priority"/],
    ['an unknown field inside template_card', () => ({ ...send(), template_card: { ...card(), footer: 'x' } }), /template_card: Unrecognized key: "footer"/],
    ['an unknown field inside a button', () => ({ ...send(), template_card: { ...card(), button_list: [{ text: 'a', key: 'a', color: 'red' }] } }), /button_list\.0: Unrecognized key: "color"/],
    ['replace_text, which only update_template_card documents', () => ({ ...send(), template_card: { ...card(), replace_text: 'Closed' } }), /Unrecognized key: "replace_text"/],
    ['agentid as a string', () => ({ ...send(), agentid: String(AGENT_ID) }), /agentid: Invalid input: expected number/],
    ['enable_duplicate_check as "1"', () => ({ ...send(), enable_duplicate_check: '1' }), /enable_duplicate_check/],
    ['duplicate_check_interval over 4 hours', () => ({ ...send(), enable_duplicate_check: 1, duplicate_check_interval: 4 * 3600 + 1 }), /duplicate_check_interval/],
    ['a missing button_list', () => ({ ...send(), template_card: { ...card(), button_list: undefined } }), /template_card\.button_list/],
    ['a missing task_id on a button card', () => ({ ...send(), template_card: { ...card(), task_id: undefined } }), /template_card\.task_id/],
    ['a task_id outside the documented alphabet', () => ({ ...send(), template_card: { ...card(), task_id: 'inc 1' } }), /template_card\.task_id must be 1\.\.128 characters/],
    ['no recipient at all', () => ({ ...send(), touser: undefined }), /touser, toparty and totag are all empty/],
    ['a text over 2048 bytes', () => ({ touser: 'lisi', msgtype: 'text', agentid: AGENT_ID, text: { content: '字'.repeat(683) } }), /text\.content exceeds 2048 bytes/],
    ['safe on a template_card', () => ({ ...send(), safe: 0 }), /Unrecognized key: "safe"/],
  ])('message/send: %s', (_what, body, message) => {
    const violation = refused(messageSendBodySchema, body());
    expect(violation).toBeDefined();
    expect(violation!.problems.join('\n')).toMatch(message);
  });

  it.each([
    ['a task_id in the replacement card (not in DOC-94888)', () => ({ ...update(), template_card: card() }), /template_card: Unrecognized key: "task_id"/],
    ['enable_id_trans with button.replace_name', () => ({ userids: ['lisi'], agentid: AGENT_ID, response_code: 'c', enable_id_trans: 0, button: { replace_name: 'x' } }), /Unrecognized key: "enable_id_trans"/],
    ['a missing response_code', () => ({ ...update(), response_code: undefined }), /response_code/],
    ['userids as a string', () => ({ ...update(), userids: 'lisi' }), /userids: Invalid input: expected array/],
    ['nobody to update', () => ({ ...update(), userids: undefined }), /give userids, partyids, tagids or atall=1/],
    ['an empty replace_name', () => ({ userids: ['lisi'], agentid: AGENT_ID, response_code: 'c', button: { replace_name: '' } }), /button\.replace_name is required/],
  ])('update_template_card: %s', (_what, body, message) => {
    const violation = refused(updateTemplateCardBodySchema, body());
    expect(violation).toBeDefined();
    expect(violation!.problems.join('\n')).toMatch(message);
  });

  it('gettoken, user lookups: unknown, missing and mistyped fields', () => {
    expect(refused(getTokenQuerySchema, { corpid: CORP, corpsecret: SECRET, agentid: '1' }, 'query')!.problems.join()).toMatch(/Unrecognized key: "agentid"/);
    expect(refused(getTokenQuerySchema, { corpid: CORP }, 'query')).toMatchObject({ errcode: 41004 });
    expect(refused(userGetQuerySchema, { access_token: 't' }, 'query')!.problems.join()).toMatch(/query\.userid/);
    expect(refused(userIdByMobileBodySchema, { mobile: 13800000011 })!.problems.join()).toMatch(/mobile: Invalid input: expected string/);
    expect(refused(userIdByEmailBodySchema, { email: 'a@example.com', email_type: 3 })!.problems.join()).toMatch(/email_type/);
    expect(refused(userIdByEmailBodySchema, { email: 'a@example.com', userid: 'x' })!.problems.join()).toMatch(/Unrecognized key: "userid"/);
  });
});

describe('the simulator refuses the same wrong shapes over HTTP', () => {
  let token: string;
  beforeAll(async () => {
    token = ((await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`)).json()) as { access_token: string }).access_token;
  });
  const post = async (endpoint: string, body: unknown, query: Record<string, string> = {}) =>
    (await (await fetch(`${sim.url}/cgi-bin/${endpoint}?${new URLSearchParams({ access_token: token, ...query })}`, { method: 'POST', body: JSON.stringify(body) })).json()) as { errcode: number };
  const lastReason = () => sim.calls({ platform: 'wecom' }).at(-1)!.reason ?? '';
  const baseSend = () => ({ touser: 'lisi', msgtype: 'template_card', agentid: AGENT_ID, template_card: render(incident()) });

  it('message/send: unknown field, wrong type, missing field → 40058 and nothing delivered', async () => {
    const delivered = sim.conversations().length;
    expect((await post('message/send', { ...baseSend(), priority: 'high' })).errcode).toBe(40058);
    expect(lastReason()).toMatch(/Unrecognized key: "priority".*document\/path\/90236/);
    const typo = baseSend();
    expect((await post('message/send', { ...typo, template_card: { ...typo.template_card, button_list: [{ text: 'a', key: 'a', typ: 1 }] } })).errcode).toBe(40058);
    expect((await post('message/send', { ...baseSend(), enable_duplicate_check: true })).errcode).toBe(40058);
    const missing = baseSend();
    delete (missing.template_card as Record<string, unknown>).button_list;
    expect((await post('message/send', missing)).errcode).toBe(40058);
    expect((await post('message/send', { ...baseSend(), template_card: { ...render(incident()), task_id: 'inc 1' } })).errcode).toBe(42014);
    expect(sim.conversations()).toHaveLength(delivered);
  });

  it('update_template_card: a task_id in the card, enable_id_trans on the button form → 40058; the code is not spent', async () => {
    const sent = await post('message/send', baseSend());
    const code = (sent as unknown as { response_code: string }).response_code;
    const { task_id: _t, ...cardWithout } = render(incident());
    expect((await post('message/update_template_card', { userids: ['lisi'], agentid: AGENT_ID, response_code: code, template_card: render(incident()) })).errcode).toBe(40058);
    expect((await post('message/update_template_card', { userids: ['lisi'], agentid: AGENT_ID, response_code: code, enable_id_trans: 0, button: { replace_name: 'x' } })).errcode).toBe(40058);
    expect((await post('message/update_template_card', { userids: ['lisi'], agentid: AGENT_ID, response_code: code, template_card: cardWithout })).errcode).toBe(0);
  });

  it('gettoken and lookups: unknown query parameter, missing corpsecret, wrong body types', async () => {
    const get = async (path: string) => (await (await fetch(`${sim.url}/cgi-bin/${path}`)).json()) as { errcode: number };
    expect((await get(`gettoken?corpid=${CORP}&corpsecret=${SECRET}&agentid=${AGENT_ID}`)).errcode).toBe(40058);
    expect((await get(`gettoken?corpid=${CORP}`)).errcode).toBe(41004);
    expect((await get(`gettoken?corpsecret=${SECRET}`)).errcode).toBe(41002);
    expect((await get(`gettoken?corpid=${CORP}&corpsecret=${SECRET}&debug=1`)).errcode).toBe(0);
    expect((await post('user/getuserid', { mobile: 13800000011 })).errcode).toBe(40058);
    expect((await post('user/get_userid_by_email', { email: 'lisi@example.com', userid: 'lisi' })).errcode).toBe(40058);
    expect((await post('message/send', { touser: 'lisi', msgtype: 'text', agentid: AGENT_ID, text: { content: 'hi' } }, { extra: '1' })).errcode).toBe(40058);
  });
});
