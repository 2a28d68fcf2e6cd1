/**
 * Conformance of WeCom's service-provider ("suite") side, checked against the official pages as
 * mirrored in github.com/wxkingstar/doc-hub-mcp (paths below are under DOCS):
 * 1. every request the real WeComSuiteClient sends, captured by a stand-in fetch on its way to the
 *    simulator, fits its entry of weComSuiteRequestContracts, and the client and the table cover
 *    each other exactly (no contract without a caller, no call without a contract);
 * 2. the simulator answers only fields the pages document, and the command events it pushes carry
 *    the pages' fields, which the real command use case reads;
 * 3. field lists copied from the pages (names, 是/否, limits, "缺少…参数" errcodes) are held against
 *    the contracts, so an edit that drifts from the docs fails here;
 * 4. the client reads each page's own example answer, and each reading where a page is ambiguous.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createSimulator, type Simulator } from '../../../../sim/server';
import {
  contractViolation,
  weComSuiteRequestContracts,
  type WeComSuiteContractEndpoint,
} from '../../../../sim/wecom/request-schemas';
import { WeComSuiteClient } from '../../../../shared/adapters/wecom/suite-client';
import { parseEncryptedEnvelope, parseFlatXml } from '../../../../shared/adapters/wecom/callback-xml';
import { WeComCrypto } from '../../../../shared/crypto';
import { WeComSuiteCommandUseCase } from '../../../../shared/application/wecom-suite-command';
import type { SuiteStore, WeComSuiteApi } from '../../../../shared/application/suite-ports';
import type { SuiteAuthJob, SuiteAuthorization, SuiteRecord, SuiteTicket } from '../../../../shared/domain/wecom-suite';

/** Where the field lists below were copied from (the mirror's third-party server-API folder). */
const DOCS = 'wxkingstar/doc-hub-mcp: wecom/002-第三方应用开发/002-服务端API/';

// ------------------------------------------------------------------ the pages, field by field

interface DocPage {
  /** The page, under DOCS. */
  readonly source: string;
  readonly method: 'GET' | 'POST';
  /** URL parameters (the request URL and the 参数说明 table); true = 是 (required). */
  readonly query: Readonly<Record<string, boolean>>;
  /** JSON body fields (参数说明), nested ones dotted; true = 是. */
  readonly body?: Readonly<Record<string, boolean>>;
  /** A valid request: the page's 请求包体 example where it has one. */
  readonly example: { readonly query: Record<string, string>; readonly body?: Record<string, unknown> };
  /** Every answer field the page documents (its table and its example), dotted; arrays are transparent. */
  readonly answer: readonly string[];
}

const SUITE_TOKEN_Q = { suite_access_token: 'SUITE_ACCESS_TOKEN' };
const PROVIDER_TOKEN_Q = { provider_access_token: 'ACCESS_TOKEN' };
/** DOC-100776's own example auth_code ("auth_code_value", 15 bytes) breaks its "长度为64至512个字节": a 64-byte one is used. */
const AUTH_CODE_64 = 'A'.repeat(64);

const docPages: Readonly<Record<WeComSuiteContractEndpoint, DocPage>> = {
  'service/get_provider_token': {
    source: '001-开发指南/003-获取服务商凭证.md',
    method: 'POST',
    query: {},
    body: { corpid: true, provider_secret: true },
    example: { query: {}, body: { corpid: 'xxxxx', provider_secret: 'xxx' } },
    answer: ['provider_access_token', 'expires_in'],
  },
  'service/get_suite_token': {
    source: '003-应用授权/004-接口调用/001-获取第三方应用凭证.md',
    method: 'POST',
    query: {},
    body: { suite_id: true, suite_secret: true, suite_ticket: true },
    example: { query: {}, body: { suite_id: 'wwddddccc7775555aaa', suite_secret: 'ldAE_H9anCRN21GKXVfdAAAAAAAAAAAAAAAAAA', suite_ticket: 'Cfp0_givEagXcYJIztF6sfbdmIZCmpaR8ZBsvJEFFNBrWmnD5-CGYJ3_NhYexMyw' } },
    answer: ['suite_access_token', 'expires_in'],
  },
  'service/get_pre_auth_code': {
    source: '003-应用授权/004-接口调用/002-获取预授权码.md',
    method: 'GET',
    query: { suite_access_token: true },
    example: { query: SUITE_TOKEN_Q },
    answer: ['pre_auth_code', 'expires_in'],
  },
  'service/set_session_info': {
    source: '003-应用授权/004-接口调用/003-设置授权配置.md',
    method: 'POST',
    query: { suite_access_token: true },
    // The table lists appid and auth_type flat; the example puts them inside session_info.
    body: { pre_auth_code: true, session_info: true, 'session_info.appid': false, 'session_info.auth_type': false },
    example: { query: SUITE_TOKEN_Q, body: { pre_auth_code: 'xxxxx', session_info: { appid: [1, 2, 3], auth_type: 1 } } },
    answer: [],
  },
  'service/v2/get_permanent_code': {
    source: '003-应用授权/004-接口调用/004-获取企业永久授权码.md',
    method: 'POST',
    query: { suite_access_token: true },
    body: { auth_code: true },
    example: { query: SUITE_TOKEN_Q, body: { auth_code: AUTH_CODE_64 } },
    answer: [
      'permanent_code', 'auth_corp_info', 'auth_corp_info.corpid', 'auth_corp_info.corp_name',
      'auth_user_info', 'auth_user_info.userid', 'auth_user_info.open_userid', 'auth_user_info.name', 'auth_user_info.avatar',
      'register_code_info', 'register_code_info.register_code', 'register_code_info.template_id', 'register_code_info.state', 'state',
    ],
  },
  'service/v2/get_auth_info': {
    source: '003-应用授权/004-接口调用/005-获取企业授权信息.md',
    method: 'POST',
    query: { suite_access_token: true },
    body: { auth_corpid: true, permanent_code: true },
    example: { query: SUITE_TOKEN_Q, body: { auth_corpid: 'auth_corpid_value', permanent_code: 'code_value' } },
    answer: [
      'dealer_corp_info', 'dealer_corp_info.corpid', 'dealer_corp_info.corp_name',
      'auth_corp_info', 'auth_corp_info.corpid', 'auth_corp_info.corp_name', 'auth_corp_info.corp_type', 'auth_corp_info.corp_square_logo_url',
      'auth_corp_info.corp_user_max', 'auth_corp_info.corp_full_name', 'auth_corp_info.verified_end_time', 'auth_corp_info.subject_type',
      'auth_corp_info.corp_scale', 'auth_corp_info.corp_industry', 'auth_corp_info.corp_sub_industry', 'auth_corp_info.corp_ex_name', 'auth_corp_info.corp_ex_name.name_list',
      'auth_info', 'auth_info.agent', 'auth_info.agent.agentid', 'auth_info.agent.name', 'auth_info.agent.round_logo_url', 'auth_info.agent.square_logo_url',
      'auth_info.agent.appid', 'auth_info.agent.auth_mode', 'auth_info.agent.is_customized_app',
      // In the page's example only (its table does not describe it).
      'auth_info.agent.auth_from_thirdapp',
      'auth_info.agent.privilege', 'auth_info.agent.privilege.level', 'auth_info.agent.privilege.allow_party', 'auth_info.agent.privilege.allow_user',
      'auth_info.agent.privilege.allow_tag', 'auth_info.agent.privilege.extra_party', 'auth_info.agent.privilege.extra_user', 'auth_info.agent.privilege.extra_tag',
      'auth_info.agent.shared_from', 'auth_info.agent.shared_from.corpid', 'auth_info.agent.shared_from.share_type',
    ],
  },
  'service/get_corp_token': {
    source: '003-应用授权/004-接口调用/006-获取企业凭证.md',
    method: 'POST',
    query: { suite_access_token: true },
    body: { auth_corpid: true, permanent_code: true },
    example: { query: SUITE_TOKEN_Q, body: { auth_corpid: 'auth_corpid_value', permanent_code: 'code_value' } },
    answer: ['access_token', 'expires_in'],
  },
  'service/corpid_to_opencorpid': {
    source: '007-账号ID/003-ID转换接口/001-corpid的转换.md',
    method: 'POST',
    query: { provider_access_token: true },
    body: { corpid: true },
    example: { query: PROVIDER_TOKEN_Q, body: { corpid: 'xxxxx' } },
    answer: ['open_corpid'],
  },
  'service/auth/getuserinfo3rd': {
    source: '009-身份验证/001-网页授权登录/003-获取访问用户身份.md',
    method: 'GET',
    query: { suite_access_token: true, code: true },
    example: { query: { ...SUITE_TOKEN_Q, code: 'CODE' } },
    answer: ['corpid', 'userid', 'user_ticket', 'expires_in', 'open_userid', 'openid'],
  },
  'license/get_app_license_info': {
    source: '004-接口调用许可/004-应用管理/001-获取应用的接口许可状态.md',
    method: 'POST',
    query: { provider_access_token: true },
    body: { corpid: true, suite_id: true, appid: false },
    example: { query: PROVIDER_TOKEN_Q, body: { corpid: 'xxxx', suite_id: 'xxxx', appid: 1 } },
    answer: ['license_status', 'trail_info', 'trail_info.start_time', 'trail_info.end_time', 'license_check_time'],
  },
  'license/list_actived_account': {
    source: '004-接口调用许可/003-账号管理/003-获取企业的账号列表.md',
    method: 'POST',
    query: { provider_access_token: true },
    body: { corpid: true, limit: false, cursor: false },
    example: { query: PROVIDER_TOKEN_Q, body: { corpid: 'CORPID', limit: 500, cursor: 'xxxx' } },
    answer: ['next_cursor', 'has_more', 'account_list', 'account_list.userid', 'account_list.type', 'account_list.expire_time', 'account_list.active_time'],
  },
};

/** Every answer may carry the errcode/errmsg envelope. */
const ENVELOPE = ['errcode', 'errmsg'];

/** Limits stated on the pages: values that must pass and values that must be refused. '字' is 3 bytes in UTF-8. */
const docLimits: readonly (readonly [WeComSuiteContractEndpoint, 'query' | 'body', string, readonly unknown[], readonly unknown[], string])[] = [
  ['service/get_suite_token', 'body', 'suite_ticket', ['x'.repeat(512)], ['x'.repeat(513), '字'.repeat(171)], '003-应用授权/005-回调通知/002-推送suite_ticket.md: "Ticket内容，最长为512字节"'],
  ['service/get_pre_auth_code', 'query', 'suite_access_token', ['x'.repeat(512)], ['x'.repeat(513), ''], '003-应用授权/004-接口调用/002-获取预授权码.md: "第三方应用access_token,最长为512字节"'],
  ['service/corpid_to_opencorpid', 'query', 'provider_access_token', ['x'.repeat(512)], ['x'.repeat(513)], '001-开发指南/003-获取服务商凭证.md: "服务商的access_token，最长为512字节"'],
  ['service/v2/get_permanent_code', 'body', 'auth_code', ['x'.repeat(64), 'x'.repeat(512), '字'.repeat(22)], ['x'.repeat(63), 'x'.repeat(513), '字'.repeat(171)], '003-应用授权/004-接口调用/004-获取企业永久授权码.md: "长度为64至512个字节"'],
  ['service/v2/get_auth_info', 'body', 'permanent_code', ['x'.repeat(512)], ['x'.repeat(513), ''], '004-获取企业永久授权码.md: "企业微信永久授权码,最长为512字节"'],
  ['service/get_corp_token', 'body', 'permanent_code', ['x'.repeat(512)], ['x'.repeat(513)], '004-获取企业永久授权码.md: "企业微信永久授权码,最长为512字节"'],
  ['service/auth/getuserinfo3rd', 'query', 'code', ['x'.repeat(512)], ['x'.repeat(513), '字'.repeat(171)], '009-身份验证/001-网页授权登录/003-获取访问用户身份.md: "最大为512字节"'],
  ['service/set_session_info', 'body', 'session_info.auth_type', [0, 1], [2, '1'], '003-应用授权/004-接口调用/003-设置授权配置.md: "0 正式授权， 1 测试授权"'],
  ['service/set_session_info', 'body', 'session_info.appid', [[], [1, 2, 3]], [['1'], 1], '003-设置授权配置.md: "如1、2、3， 不填或者填空数组都表示允许授权套件内所有应用"'],
  ['license/list_actived_account', 'body', 'limit', [1, 500, 1000], [1001, '500', 1.5], '004-接口调用许可/003-账号管理/003-获取企业的账号列表.md: "整型，最大值1000，默认值500"'],
  ['license/list_actived_account', 'body', 'cursor', ['xxxx'], [1], '003-获取企业的账号列表.md: "字符串类型"'],
  ['license/get_app_license_info', 'body', 'appid', [1], ['1'], '004-接口调用许可/004-应用管理/001-获取应用的接口许可状态.md: example "appid": 1'],
];

/** "缺少…参数" codes of 006-附录/003-全局错误码.md (DOC-90455), by the field left out. */
const docMissingErrcodes: readonly (readonly [WeComSuiteContractEndpoint, 'query' | 'body', string, number])[] = [
  ['service/get_pre_auth_code', 'query', 'suite_access_token', 41022], // 缺少suite_access_token参数
  ['service/get_suite_token', 'body', 'suite_id', 41021], // 缺少suite_id参数
  ['service/get_suite_token', 'body', 'suite_ticket', 41023], // 缺少suite_ticket参数
  ['service/get_suite_token', 'body', 'suite_secret', 41024], // 缺少secret参数
  ['service/get_provider_token', 'body', 'corpid', 41002], // 缺少corpid参数
  ['service/get_provider_token', 'body', 'provider_secret', 41004], // 缺少secret参数
  ['service/v2/get_auth_info', 'body', 'auth_corpid', 84054], // 缺少auth_corpid参数
  ['service/get_corp_token', 'body', 'permanent_code', 41025], // 缺少permanent_code参数
  ['service/corpid_to_opencorpid', 'body', 'corpid', 41002],
  ['license/get_app_license_info', 'body', 'suite_id', 41021],
  ['license/list_actived_account', 'body', 'corpid', 41002],
];

/** Command events (003-应用授权/005-回调通知/), element names of the decrypted XML. */
const docCommandFields: Readonly<Record<string, { readonly source: string; readonly fields: readonly string[] }>> = {
  suite_ticket: { source: '003-应用授权/005-回调通知/002-推送suite_ticket.md', fields: ['SuiteId', 'InfoType', 'TimeStamp', 'SuiteTicket'] },
  create_auth: { source: '003-应用授权/005-回调通知/003-授权通知事件.md', fields: ['SuiteId', 'AuthCode', 'InfoType', 'TimeStamp', 'State', 'ExtraInfo'] },
  change_auth: { source: '003-应用授权/005-回调通知/003-授权通知事件.md', fields: ['SuiteId', 'InfoType', 'TimeStamp', 'AuthCorpId', 'State', 'ExtraInfo'] },
  cancel_auth: { source: '003-应用授权/005-回调通知/003-授权通知事件.md', fields: ['SuiteId', 'InfoType', 'TimeStamp', 'AuthCorpId'] },
};
/** 004-接口调用许可/005-回调通知/001-接口许可失效通知.md (DOC-95716), on the data URL. */
const docUnlicensedNotifyFields = ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Event', 'AgentID'];

/** The endpoint behind each WeComSuiteApi method: a method without an entry does not compile. */
const endpointOfMethod: Readonly<Record<keyof WeComSuiteApi, WeComSuiteContractEndpoint>> = {
  getSuiteToken: 'service/get_suite_token',
  getProviderToken: 'service/get_provider_token',
  getPreAuthCode: 'service/get_pre_auth_code',
  setSessionInfo: 'service/set_session_info',
  getPermanentCode: 'service/v2/get_permanent_code',
  getAuthInfo: 'service/v2/get_auth_info',
  getCorpToken: 'service/get_corp_token',
  corpIdToOpenCorpId: 'service/corpid_to_opencorpid',
  getUserInfo3rd: 'service/auth/getuserinfo3rd',
  getAppLicenseInfo: 'license/get_app_license_info',
  listActivatedAccounts: 'license/list_actived_account',
};

// ------------------------------------------------------------------ helpers

/** Fields of a contract schema, dotted, true when required; `debug` (WeCom's global ?debug=1) left out. */
function contractFields(schema: z.ZodType, prefix = ''): Record<string, boolean> {
  if (!(schema instanceof z.ZodObject)) throw new Error(`${prefix || 'schema'} is not an object schema`);
  const out: Record<string, boolean> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    if (!prefix && key === 'debug') continue;
    const path = prefix ? `${prefix}.${key}` : key;
    out[path] = !field.safeParse(undefined).success;
    const inner = field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType) : field;
    if (inner instanceof z.ZodObject) Object.assign(out, contractFields(inner, path));
  }
  return out;
}

function withValue(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  if (rest.length === 0) return { ...base, [head!]: value };
  return { ...base, [head!]: withValue((base[head!] ?? {}) as Record<string, unknown>, rest.join('.'), value) };
}

function without(base: Record<string, unknown>, field: string): Record<string, unknown> {
  const { [field]: _dropped, ...rest } = base;
  return rest;
}

/** Dotted paths of every key in an answer; arrays are transparent, arrays of scalars end the path. */
function answerPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => answerPaths(item, prefix));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...answerPaths(inner, path)];
  });
}

interface Captured {
  readonly method: string;
  readonly endpoint: string;
  readonly path: string;
  readonly queryKeys: string[];
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly answer: unknown;
}

/** What a captured request violates in its contract (empty when it conforms). */
function problemsOf(request: Captured): string[] {
  if (!Object.prototype.hasOwnProperty.call(weComSuiteRequestContracts, request.endpoint)) return [`${request.endpoint}: not in weComSuiteRequestContracts`];
  const contract = weComSuiteRequestContracts[request.endpoint as WeComSuiteContractEndpoint];
  const problems: string[] = [];
  if (request.path !== `/cgi-bin/${request.endpoint}`) problems.push(`${request.endpoint}: path ${request.path}`);
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

// ------------------------------------------------------------------ 1 + 2: the client against the simulator

const SUITE_ID = 'wwsuiteconform01';
const SUITE_SECRET = 'conformance-suite-secret';
const PROVIDER_CORP = 'wwproviderconform';
const PROVIDER_SECRET = 'conformance-provider-secret';
const CALLBACK_TOKEN = 'ConformToken1';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const CUSTOMER = 'wwcustomerconform';

const SUITE_RECORD: SuiteRecord = { suiteId: SUITE_ID, kind: 'third-party', apiBase: 'https://qyapi.weixin.qq.com', providerCorpId: PROVIDER_CORP, secretName: 'suites/conform', createdAt: '2026-01-01T00:00:00Z' };

/** Enough of SuiteStore for the command use case. */
class MemorySuiteStore implements SuiteStore {
  ticket?: SuiteTicket;
  private readonly claimed = new Set<string>();
  async getSuite(id: string) {
    return id === SUITE_ID ? SUITE_RECORD : undefined;
  }
  async putSuite() {}
  async listSuites() {
    return [SUITE_RECORD];
  }
  async saveTicketIfNewer(_suiteId: string, ticket: SuiteTicket) {
    if (this.ticket && this.ticket.timestamp > ticket.timestamp) return false;
    this.ticket = ticket;
    return true;
  }
  async getTicket() {
    return this.ticket;
  }
  async claimAuthCode(_suiteId: string, code: string) {
    if (this.claimed.has(code)) return false;
    this.claimed.add(code);
    return true;
  }
  async releaseAuthCode(_suiteId: string, code: string) {
    this.claimed.delete(code);
  }
  async recordExchangedCode() {}
  async exchangedCorp(): Promise<string | undefined> {
    return undefined;
  }
  async getAuthorization(): Promise<SuiteAuthorization | undefined> {
    return undefined;
  }
  async listAuthorizations(): Promise<SuiteAuthorization[]> {
    return [];
  }
  async putAuthorization() {}
}

interface Push {
  readonly url: 'command' | 'data';
  readonly envelope: Record<string, string | undefined>;
  readonly xml: string;
  readonly fields: Record<string, string | undefined>;
  readonly outcome?: string;
}

/**
 * The provider's URLs: the command URL is served by the real WeComSuiteCommandUseCase (in-memory
 * ports); data-URL events are decrypted with receiveid = ToUserName (the corp id the app sees).
 */
class ProviderUrls {
  readonly pushes: Push[] = [];
  readonly jobs: SuiteAuthJob[] = [];
  readonly suites = new MemorySuiteStore();
  readonly failures: string[] = [];
  url = '';
  private server!: Server;
  private readonly useCase: WeComSuiteCommandUseCase;

  constructor(nowMs: () => number) {
    this.useCase = new WeComSuiteCommandUseCase({
      suites: this.suites,
      secrets: {
        read: async () => ({ suiteSecret: SUITE_SECRET, token: CALLBACK_TOKEN, encodingAesKey: AES_KEY }),
        corpSecretName: (suiteId, corpId) => `suites/${suiteId}/corps/${corpId}`,
        readCorpPermanentCode: async () => '',
        writeCorpSecret: async () => undefined,
      },
      jobs: { publish: async (job) => void this.jobs.push(job) },
      operationLog: { append: async () => undefined, query: async () => [] },
      readXml: parseFlatXml,
      parseEnvelope: parseEncryptedEnvelope,
      clock: { nowMs },
    });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void this.receive(req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks)).then(
          (answer) => res.end(answer),
          (error: Error) => {
            this.failures.push(error.message);
            res.writeHead(500);
            res.end('failed');
          },
        );
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async receive(method: string, target: string, body: Buffer): Promise<string> {
    const url = new URL(target, 'http://provider');
    const envelope = parseEncryptedEnvelope(body.toString('utf8'));
    const signed = { msgSignature: url.searchParams.get('msg_signature') ?? '', timestamp: url.searchParams.get('timestamp') ?? '', nonce: url.searchParams.get('nonce') ?? '' };
    const receiveId = url.pathname.startsWith('/command') ? SUITE_ID : envelope.toUserName ?? '';
    const xml = new WeComCrypto({ token: CALLBACK_TOKEN, encodingAesKey: AES_KEY, receiveId }).decryptMessage({ ...signed, encrypt: envelope.encrypt });
    const flatEnvelope = { ToUserName: envelope.toUserName, AgentID: envelope.agentId };
    if (!url.pathname.startsWith('/command')) {
      this.pushes.push({ url: 'data', envelope: flatEnvelope, xml, fields: parseFlatXml(xml) });
      return '';
    }
    const handled = await this.useCase.handle({ method, integrationId: SUITE_ID, rawQuery: url.search.slice(1), headers: {}, body });
    this.pushes.push({ url: 'command', envelope: flatEnvelope, xml, fields: parseFlatXml(xml), outcome: handled.outcome });
    return handled.response.body;
  }

  commands(infoType: string): Push[] {
    return this.pushes.filter((p) => p.url === 'command' && p.fields.InfoType === infoType);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('WeComSuiteClient against the simulator: every request fits its documented contract', () => {
  let sim: Simulator;
  let provider: ProviderUrls;
  const captured: Captured[] = [];
  const failures: string[] = [];
  let appCorpId = '';

  /** Records the request and the answer, and lets the simulator answer. */
  const capturingFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const response = await fetch(input, init);
    const text = await response.clone().text();
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = text;
    }
    captured.push({
      method: init?.method ?? 'GET',
      endpoint: url.pathname.replace(/^\/cgi-bin\//, ''),
      path: url.pathname,
      queryKeys: [...url.searchParams.keys()],
      query: Object.fromEntries(url.searchParams),
      body: init?.body === undefined || init.body === null ? undefined : JSON.parse(String(init.body)),
      answer,
    });
    return response;
  };

  async function control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async function attempt<T>(label: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      failures.push(`${label}: ${(error as Error).message}`);
      return undefined;
    }
  }

  beforeAll(async () => {
    sim = await createSimulator({ port: 0, callbackTimeoutMs: 2000 });
    provider = new ProviderUrls(() => sim.clock.now());
    await provider.start();
    await control('PUT', `/_sim/wecom/suites/${SUITE_ID}`, {
      suiteSecret: SUITE_SECRET, token: CALLBACK_TOKEN, encodingAesKey: AES_KEY, providerCorpId: PROVIDER_CORP, providerSecret: PROVIDER_SECRET,
      commandUrl: `${provider.url}/command`, dataUrl: `${provider.url}/data/$CORPID$`,
    });
    const users = [
      { userId: 'alice', name: 'Alice', mobile: '13900000001', email: 'alice@example.com' },
      { userId: 'bob', name: 'Bob', mobile: '13900000002', email: 'bob@example.com', unlicensed: true },
      { userId: 'carol', name: 'Carol', mobile: '13900000003', email: 'carol@example.com' },
    ];
    await control('PUT', `/_sim/wecom/customers/${CUSTOMER}`, { corpName: 'Conformance Ltd', users });

    const client = new WeComSuiteClient({ apiBase: sim.url, fetch: capturingFetch, timeoutMs: 3000 });
    // The ticket the real command use case stored from the simulator's push.
    const ticket = provider.suites.ticket?.ticket ?? 'no-ticket-stored';
    const suiteToken = (await attempt('get_suite_token', () => client.getSuiteToken({ suiteId: SUITE_ID, suiteSecret: SUITE_SECRET, suiteTicket: ticket })))?.token ?? 'none';
    const providerToken = (await attempt('get_provider_token', () => client.getProviderToken({ providerCorpId: PROVIDER_CORP, providerSecret: PROVIDER_SECRET })))?.token ?? 'none';
    const pre = await attempt('get_pre_auth_code', () => client.getPreAuthCode(suiteToken));
    await attempt('set_session_info', () => client.setSessionInfo(suiteToken, { preAuthCode: pre?.preAuthCode ?? 'none', authType: 1 }));
    // Market install: create_auth reaches the command use case, which queues the auth code.
    await control('POST', `/_sim/wecom/suites/${SUITE_ID}/market-install`, { corpId: CUSTOMER, state: 'conform1' });
    const exchange = provider.jobs.find((job) => job.kind === 'exchange');
    const grant = await attempt('get_permanent_code', () => client.getPermanentCode(suiteToken, exchange?.kind === 'exchange' ? exchange.authCode : 'none'));
    appCorpId = grant?.corpId ?? 'none';
    const corp = { corpId: appCorpId, permanentCode: grant?.permanentCode ?? 'none' };
    await attempt('get_auth_info', () => client.getAuthInfo(suiteToken, corp));
    await attempt('get_corp_token', () => client.getCorpToken(suiteToken, corp));
    await attempt('corpid_to_opencorpid', () => client.corpIdToOpenCorpId(providerToken, CUSTOMER));
    // Third-party OAuth (snsapi_base) for a member signed in to the simulated client.
    await fetch(`${sim.url}/_sim/wecom/client?user=alice&url=${encodeURIComponent('http://127.0.0.1:8787/')}`, { redirect: 'manual' });
    const authorize = `${sim.url}/connect/oauth2/authorize?${new URLSearchParams({ appid: SUITE_ID, redirect_uri: 'http://127.0.0.1:8787/link', response_type: 'code', scope: 'snsapi_base', state: 's1' })}`;
    const redirected = await fetch(authorize, { redirect: 'manual', headers: { cookie: 'sim_wecom_user=alice' } });
    const code = new URL(redirected.headers.get('location') ?? 'http://none/').searchParams.get('code') ?? 'none';
    await attempt('getuserinfo3rd', () => client.getUserInfo3rd(suiteToken, code));
    await attempt('get_app_license_info', () => client.getAppLicenseInfo(providerToken, { corpId: appCorpId, suiteId: SUITE_ID }));
    const first = await attempt('list_actived_account page 1', () => client.listActivatedAccounts(providerToken, { corpId: appCorpId, limit: 1 }));
    await attempt('list_actived_account page 2', () => client.listActivatedAccounts(providerToken, { corpId: appCorpId, limit: 1, ...(first?.nextCursor ? { cursor: first.nextCursor } : {}) }));
    await attempt('list_actived_account default limit', () => client.listActivatedAccounts(providerToken, { corpId: appCorpId }));
    // The remaining pushes: change_auth, unlicensed_notify (data URL), cancel_auth.
    await control('POST', `/_sim/wecom/suites/${SUITE_ID}/change`, { corpId: CUSTOMER });
    await control('POST', `/_sim/wecom/suites/${SUITE_ID}/unlicensed-notify`, { corpId: CUSTOMER, userId: 'bob' });
    await control('POST', `/_sim/wecom/suites/${SUITE_ID}/cancel`, { corpId: CUSTOMER });
  });
  afterAll(async () => {
    await sim.stop();
    await provider.stop();
  });

  it('every call succeeded, and the provider URLs handled every push', () => {
    expect(failures).toEqual([]);
    expect(provider.failures).toEqual([]);
    const refused = sim.calls({ platform: 'wecom' }).filter((c) => /^(service|license)\//.test(c.endpoint) && c.resultCode !== 0);
    expect(refused.map((c) => `${c.endpoint}: ${c.resultCode} ${c.reason ?? ''}`)).toEqual([]);
  });

  it('no contract without a caller, no call without a contract', () => {
    const contracts = new Set(Object.keys(weComSuiteRequestContracts));
    expect(new Set(captured.map((r) => r.endpoint))).toEqual(contracts);
    expect(new Set(Object.values(endpointOfMethod))).toEqual(contracts);
    // Every public method of the client is a WeComSuiteApi method, so it has an endpoint above.
    const publicMethods = Object.getOwnPropertyNames(WeComSuiteClient.prototype).filter((name) => name !== 'constructor' && !['suiteQuery', 'providerQuery', 'corpBody', 'call'].includes(name));
    expect(publicMethods.sort()).toEqual(Object.keys(endpointOfMethod).sort());
    expect(captured.filter((r) => r.endpoint === 'license/list_actived_account').map((r) => r.body)).toEqual([
      { corpid: appCorpId, limit: 1 },
      { corpid: appCorpId, limit: 1, cursor: expect.any(String) },
      { corpid: appCorpId, limit: 1000 },
    ]);
  });

  it('each captured request fits its contract: method, path, query and JSON body', () => {
    expect(captured.length).toBeGreaterThanOrEqual(Object.keys(weComSuiteRequestContracts).length);
    expect(captured.flatMap(problemsOf)).toEqual([]);
  });

  it('the simulator answers only fields the pages document', () => {
    const undocumented = captured.flatMap((r) => {
      const documented = new Set([...ENVELOPE, ...docPages[r.endpoint as WeComSuiteContractEndpoint].answer]);
      return answerPaths(r.answer).filter((path) => !documented.has(path)).map((path) => `${r.endpoint}: ${path}`);
    });
    expect(undocumented).toEqual([]);
    // The token calls answer success without errcode, as their notes say (DOC-90600, DOC-90605); DOC-91200's example has none.
    for (const endpoint of ['service/get_suite_token', 'service/get_provider_token', 'service/get_corp_token']) {
      expect(captured.find((r) => r.endpoint === endpoint)!.answer).not.toHaveProperty('errcode');
    }
  });

  it('command events carry the fields of their pages, in the envelope DOC-90613 describes, and the command use case acts on them', () => {
    for (const [infoType, doc] of Object.entries(docCommandFields)) {
      const pushes = provider.commands(infoType);
      expect({ infoType, pushed: pushes.length > 0 }).toEqual({ infoType, pushed: true });
      for (const push of pushes) {
        expect({ infoType, source: doc.source, fields: Object.keys(push.fields).sort() }).toEqual({ infoType, source: doc.source, fields: [...doc.fields].sort() });
        // 001-概述.md: "ToUserName为产生事件的SuiteId，AgentID为空"; TimeStamp a bare number.
        expect(push.envelope).toEqual({ ToUserName: SUITE_ID, AgentID: '' });
        expect(push.xml).toMatch(/<TimeStamp>\d+<\/TimeStamp>/);
      }
    }
    // ExtraInfo is printed as an empty element on 003-授权通知事件.md; the simulator sends the same.
    expect(provider.commands('create_auth')[0]!.xml).toContain('<ExtraInfo></ExtraInfo>');
    expect(provider.commands('suite_ticket')[0]!.outcome).toBe('ticket_saved');
    expect(provider.commands('create_auth')[0]!.fields.State).toBe('conform1');
    expect(provider.commands('create_auth').map((p) => p.outcome)).toEqual(['queued']);
    expect(provider.jobs).toEqual([
      { kind: 'exchange', suiteId: SUITE_ID, authCode: provider.commands('create_auth')[0]!.fields.AuthCode, source: 'create_auth' },
      { kind: 'refresh', suiteId: SUITE_ID, corpId: appCorpId },
      { kind: 'cancel', suiteId: SUITE_ID, corpId: appCorpId, atMs: Number(provider.commands('cancel_auth')[0]!.fields.TimeStamp) * 1000 },
    ]);
  });

  it('unlicensed_notify carries the fields of DOC-95716 on the data URL', () => {
    const [notify] = provider.pushes.filter((p) => p.url === 'data' && p.fields.Event === 'unlicensed_notify');
    expect(notify).toBeDefined();
    expect(Object.keys(notify!.fields).sort()).toEqual([...docUnlicensedNotifyFields].sort());
    expect(notify!.fields).toMatchObject({ ToUserName: appCorpId, MsgType: 'event', Event: 'unlicensed_notify' });
    expect(notify!.fields.AgentID).toMatch(/^\d+$/); // "企业应用的id，整型"
    expect(notify!.fields.CreateTime).toMatch(/^\d+$/); // "消息创建时间（整型）"
  });
});

// ------------------------------------------------------------------ 3: the pages' field lists against the contracts

describe('weComSuiteRequestContracts match the field lists copied from the pages', () => {
  const endpoints = Object.keys(docPages) as WeComSuiteContractEndpoint[];

  it('documents exactly the endpoints of the contract table', () => {
    expect(new Set(endpoints)).toEqual(new Set(Object.keys(weComSuiteRequestContracts)));
  });

  it.each(endpoints)('%s: method, field names and 是/否 as on its page', (endpoint) => {
    const doc = docPages[endpoint];
    const contract = weComSuiteRequestContracts[endpoint];
    const where = `${DOCS}${doc.source}`;
    expect({ where, method: contract.method }).toEqual({ where, method: doc.method });
    expect({ where, query: contractFields(contract.query) }).toEqual({ where, query: doc.query });
    const body = 'body' in contract ? contractFields(contract.body) : undefined;
    expect({ where, body }).toEqual({ where, body: doc.body });
  });

  it.each(endpoints)('%s: the page’s example request passes', (endpoint) => {
    const { example } = docPages[endpoint];
    const contract = weComSuiteRequestContracts[endpoint];
    expect(contractViolation(contract.query, example.query, 'query')).toBeUndefined();
    if ('body' in contract) expect(contractViolation(contract.body, example.body, 'body')).toBeUndefined();
  });

  it.each(docLimits.map((row) => [`${row[0]} ${row[2]}`, row] as const))('%s: the documented limit', (_name, [endpoint, part, path, accepted, refused, quote]) => {
    const contract = weComSuiteRequestContracts[endpoint];
    const schema = part === 'query' ? contract.query : 'body' in contract ? contract.body : undefined;
    const base = docPages[endpoint].example[part] as Record<string, unknown>;
    expect(schema).toBeDefined();
    for (const value of accepted) expect({ quote, value, violation: contractViolation(schema!, withValue(base, path, value), part) }).toEqual({ quote, value, violation: undefined });
    for (const value of refused) expect({ quote, value, refused: contractViolation(schema!, withValue(base, path, value), part) !== undefined }).toEqual({ quote, value, refused: true });
  });

  it('the errcodes the pages name for an over-long limit and an auth_code of the wrong length', () => {
    const list = weComSuiteRequestContracts['license/list_actived_account'];
    expect(contractViolation(list.body, { corpid: 'c', limit: 1001 }, 'body')?.errcode).toBe(701101); // "limit大小超过上限1000"
    const permanent = weComSuiteRequestContracts['service/v2/get_permanent_code'];
    expect(contractViolation(permanent.body, { auth_code: 'x'.repeat(63) }, 'body')?.errcode).toBe(40078); // "不合法的auth_code参数"
  });

  it.each(docMissingErrcodes.map((row) => [`${row[0]} without ${row[2]}`, row] as const))('%s: the "缺少…参数" errcode of 全局错误码.md', (_name, [endpoint, part, field, errcode]) => {
    const contract = weComSuiteRequestContracts[endpoint];
    const schema = part === 'query' ? contract.query : 'body' in contract ? contract.body : undefined;
    const base = docPages[endpoint].example[part] as Record<string, unknown>;
    expect(contractViolation(schema!, without(base, field), part)?.errcode).toBe(errcode);
  });

  it('refuses a field no page lists (the contracts are strict)', () => {
    for (const endpoint of endpoints) {
      const contract = weComSuiteRequestContracts[endpoint];
      const { example } = docPages[endpoint];
      expect(contractViolation(contract.query, { ...example.query, extra: '1' }, 'query')?.problems.join()).toMatch(/Unrecognized key: "extra"/);
      if ('body' in contract) expect(contractViolation(contract.body, { ...example.body, extra: 1 }, 'body')?.problems.join()).toMatch(/Unrecognized key: "extra"/);
    }
  });
});

// ------------------------------------------------------------------ 4: the client reads the pages' answers

describe('WeComSuiteClient reads the answers the pages print, and each reading where they disagree', () => {
  let answer: unknown = {};
  const client = new WeComSuiteClient({
    apiBase: 'https://qyapi.example.test',
    fetch: (async () => new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch,
  });

  it('get_suite_token: with the example’s errcode 0 and, per the page’s note, without any errcode', async () => {
    // 003-应用授权/004-接口调用/001-获取第三方应用凭证.md
    const args = { suiteId: 'ww1', suiteSecret: 's', suiteTicket: 't' };
    answer = { errcode: 0, errmsg: 'ok', suite_access_token: '61W3mEpU66027wgNZ_MhGHNQDHnFATkDa9', expires_in: 7200 };
    await expect(client.getSuiteToken(args)).resolves.toEqual({ token: '61W3mEpU66027wgNZ_MhGHNQDHnFATkDa9', expiresInSeconds: 7200 });
    answer = { suite_access_token: 'no-errcode', expires_in: 7200 };
    await expect(client.getSuiteToken(args)).resolves.toEqual({ token: 'no-errcode', expiresInSeconds: 7200 });
  });

  it('get_provider_token and get_corp_token: the examples (the first without errcode, the second with)', async () => {
    answer = { provider_access_token: 'enLSZ5xxxxxxJRL', expires_in: 7200 }; // 001-开发指南/003-获取服务商凭证.md
    await expect(client.getProviderToken({ providerCorpId: 'wwp', providerSecret: 's' })).resolves.toEqual({ token: 'enLSZ5xxxxxxJRL', expiresInSeconds: 7200 });
    answer = { errcode: 0, errmsg: 'ok', access_token: 'xxxxxx', expires_in: 7200 }; // 003-应用授权/004-接口调用/006-获取企业凭证.md
    await expect(client.getCorpToken('sat', { corpId: 'wpA', permanentCode: 'p' })).resolves.toEqual({ token: 'xxxxxx', expiresInSeconds: 7200 });
  });

  it('get_pre_auth_code and set_session_info: the examples', async () => {
    answer = { errcode: 0, errmsg: 'ok', pre_auth_code: 'Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ', expires_in: 1200 }; // 002-获取预授权码.md
    await expect(client.getPreAuthCode('sat')).resolves.toEqual({ preAuthCode: 'Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ', expiresInSeconds: 1200 });
    answer = { errcode: 0, errmsg: 'ok' }; // 003-设置授权配置.md
    await expect(client.setSessionInfo('sat', { preAuthCode: 'xxxxx', authType: 1 })).resolves.toBeUndefined();
  });

  it('v2 get_permanent_code: the full example, and without auth_user_info ("可能不返回") or state', async () => {
    // 003-应用授权/004-接口调用/004-获取企业永久授权码.md
    answer = {
      errcode: 0, errmsg: 'ok', permanent_code: 'xxxx',
      auth_corp_info: { corpid: 'xxxx', corp_name: 'name' },
      auth_user_info: { userid: 'aa', open_userid: 'xxxxxx', name: 'xxx', avatar: 'http://xxx' },
      register_code_info: { register_code: '1111', template_id: 'tpl111', state: 'state001' },
      state: 'state001',
    };
    await expect(client.getPermanentCode('sat', AUTH_CODE_64)).resolves.toEqual({ permanentCode: 'xxxx', corpId: 'xxxx', corpName: 'name', state: 'state001', installerUserId: 'aa' });
    answer = { errcode: 0, errmsg: 'ok', permanent_code: 'p2', auth_corp_info: { corpid: 'wpB', corp_name: 'B' } };
    await expect(client.getPermanentCode('sat', AUTH_CODE_64)).resolves.toEqual({ permanentCode: 'p2', corpId: 'wpB', corpName: 'B' });
    // "授权管理员的userid，可能为空": the open_userid stands in.
    answer = { errcode: 0, errmsg: 'ok', permanent_code: 'p3', auth_corp_info: { corpid: 'wpC', corp_name: 'C' }, auth_user_info: { userid: '', open_userid: 'woOpen' } };
    expect((await client.getPermanentCode('sat', AUTH_CODE_64)).installerUserId).toBe('woOpen');
  });

  it('v2 get_auth_info: the example’s first agent, and no auth_info (a contacts-only app)', async () => {
    // 003-应用授权/004-接口调用/005-获取企业授权信息.md (the example's old multi-app second agent left out).
    answer = {
      errcode: 0, errmsg: 'ok',
      dealer_corp_info: { corpid: 'xxxx', corp_name: 'name' },
      auth_corp_info: {
        corpid: 'xxxx', corp_name: 'name', corp_type: 'verified', corp_square_logo_url: 'yyyyy', corp_user_max: 50, corp_full_name: 'full_name',
        verified_end_time: 1431775834, subject_type: 1, corp_scale: '1-50人', corp_industry: 'IT服务', corp_sub_industry: '计算机软件/硬件/信息服务', corp_ex_name: { name_list: 'xx' },
      },
      auth_info: {
        agent: [{
          agentid: 1, name: 'NAME', round_logo_url: 'xxxxxx', square_logo_url: 'yyyyyy', appid: 1, auth_mode: 1, is_customized_app: false, auth_from_thirdapp: false,
          privilege: { level: 1, allow_party: [1, 2, 3], allow_user: ['zhansan', 'lisi'], allow_tag: [1, 2, 3], extra_party: [4, 5, 6], extra_user: ['wangwu'], extra_tag: [4, 5, 6] },
          shared_from: { corpid: 'wwyyyyy', share_type: 1 },
        }],
      },
    };
    await expect(client.getAuthInfo('sat', { corpId: 'xxxx', permanentCode: 'p' })).resolves.toEqual({
      corpId: 'xxxx', corpName: 'name', agents: [{ agentId: '1', name: 'NAME', authMode: 1, isCustomizedApp: false }],
    });
    answer = { errcode: 0, errmsg: 'ok', auth_corp_info: { corpid: 'wpD', corp_name: 'D' } };
    await expect(client.getAuthInfo('sat', { corpId: 'wpD', permanentCode: 'p' })).resolves.toEqual({ corpId: 'wpD', corpName: 'D', agents: [] });
  });

  it('corpid_to_opencorpid and get_app_license_info: the examples; no trail_info without a trial', async () => {
    answer = { errcode: 0, errmsg: 'ok', open_corpid: 'AAAAAA' }; // 007-账号ID/003-ID转换接口/001-corpid的转换.md
    await expect(client.corpIdToOpenCorpId('pat', 'wwplain')).resolves.toBe('AAAAAA');
    // 004-接口调用许可/004-应用管理/001-获取应用的接口许可状态.md
    answer = { errcode: 0, errmsg: 'ok', license_status: 1, trail_info: { start_time: 1651752000, end_time: 1659700800 }, license_check_time: 1684166400 };
    await expect(client.getAppLicenseInfo('pat', { corpId: 'wpA', suiteId: 'ww1' })).resolves.toEqual({
      licenseStatus: 1, trialStartMs: 1651752000_000, trialEndMs: 1659700800_000, licenseCheckTimeMs: 1684166400_000,
    });
    answer = { errcode: 0, errmsg: 'ok', license_status: 0 };
    await expect(client.getAppLicenseInfo('pat', { corpId: 'wpA', suiteId: 'ww1' })).resolves.toEqual({ licenseStatus: 0 });
  });

  it('getuserinfo3rd: a member (example a) and an outsider (example b, openid only)', async () => {
    // 009-身份验证/001-网页授权登录/003-获取访问用户身份.md
    answer = { errcode: 0, errmsg: 'ok', corpid: 'CORPID', userid: 'USERID', user_ticket: 'USER_TICKET', expires_in: 7200, open_userid: 'wwxxxx' };
    await expect(client.getUserInfo3rd('sat', 'CODE')).resolves.toEqual({ corpId: 'CORPID', userId: 'USERID', openUserId: 'wwxxxx' });
    answer = { errcode: 0, errmsg: 'ok', openid: 'OPENID' };
    await expect(client.getUserInfo3rd('sat', 'CODE')).resolves.toEqual({ openId: 'OPENID' });
  });

  it('list_actived_account: the example, and both readings of has_more ("是否结束" vs its name); next_cursor decides', async () => {
    // 004-接口调用许可/003-账号管理/003-获取企业的账号列表.md
    const rows = [
      { userid: 'user1', type: 1, expire_time: 1500000000, active_time: 1500000000 },
      { userid: 'user2', type: 1, expire_time: 1500000000, active_time: 1500000000 },
    ];
    answer = { errcode: 0, errmsg: 'ok', next_cursor: 'xxx', has_more: 1, account_list: rows };
    const page = await client.listActivatedAccounts('pat', { corpId: 'CORPID' });
    expect(page).toEqual({
      accounts: [
        { userId: 'user1', type: 1, expireTimeMs: 1500000000_000, activeTimeMs: 1500000000_000 },
        { userId: 'user2', type: 1, expireTimeMs: 1500000000_000, activeTimeMs: 1500000000_000 },
      ],
      nextCursor: 'xxx',
      hasMore: true,
    });
    // "是否结束" read literally: 0 = not finished, with a cursor to go on with.
    answer = { errcode: 0, errmsg: 'ok', next_cursor: 'c2', has_more: 0, account_list: rows };
    expect(await client.listActivatedAccounts('pat', { corpId: 'CORPID' })).toMatchObject({ nextCursor: 'c2', hasMore: true });
    // The last page under that reading (1 = finished) and under the name's (0 = none left): the empty cursor ends it.
    for (const hasMore of [1, 0]) {
      answer = { errcode: 0, errmsg: 'ok', next_cursor: '', has_more: hasMore, account_list: rows };
      const last = await client.listActivatedAccounts('pat', { corpId: 'CORPID' });
      expect({ hasMore, result: last.hasMore, cursor: last.nextCursor }).toEqual({ hasMore, result: false, cursor: undefined });
    }
  });
});
