/**
 * The WeCom half of the platform simulator: the /cgi-bin API subset dutybridge uses, the OAuth
 * authorize step, group-robot webhooks, and the people who click cards (real encrypted
 * `template_card_event` callbacks). Rules and error codes follow wecom.md §4/§5. Every request
 * dutybridge sends is checked against its documented contract (request-schemas.ts) before it is
 * acted on; where the docs are silent or ambiguous the simulator plays one documented reading
 * (README, "What the WeCom simulator plays where the docs are silent") and logs why it refused.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { WeComCrypto } from '../../shared/crypto';
import { ClickRequest, PlatformModule, RenderedCard, SimContext, SimRequest, SimResponse, SimUser } from '../core/contract';
import { ClickRejectedError } from '../core/errors';
import { callbackDeliveryProblem, sendCallbackWithRetries } from '../core/callback-sender';
import { urlCheckFailure, urlCheckRequest } from './url-check';
import { openInClient, parseCookies } from '../core/sign-in';
import { demoUsers, demoWeComCorp, demoWeComRobot } from '../seed';
import { WeComApiError, jsonObjectBody, wecomErrorBody } from './errors';
import { validateTemplateCard } from './template-card';
import { contractViolation, isContractEndpoint, weComRequestContracts, type WeComContractEndpoint } from './request-schemas';
import { WeComAppChatSim } from './appchat';
import { WeComSmartBotSim } from './smart-bot';
import { WeComSuiteSim } from './suite';
import {
  AccessTokenState,
  CardTask,
  OAuthCodeState,
  ResponseCodeState,
  WeComCorpConfig,
  WeComRobot,
  TaskIdReuse,
  ThirdPartyAppInfo,
  findUser,
  taskIdReuseReadings,
} from './state';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** response_code: "72小时内有效，且只能使用一次" (DOC-94888). */
const RESPONSE_CODE_TTL_MS = 72 * HOUR_MS;
/** OAuth code: "code只能使用一次，5分钟未被使用自动过期" (DOC-98176). */
const OAUTH_CODE_TTL_MS = 5 * MINUTE_MS;
/** App messages: per member 30/min and 1000/hour, excess dropped without error (P-90454). */
const MEMBER_PER_MINUTE = 30;
const MEMBER_PER_HOUR = 1000;
/** Group robot: "每个消息推送发送的消息不能超过20条/分钟" (DOC-99110). */
const ROBOT_PER_MINUTE = 20;
/** Text content ≤ 2048 bytes → 45002; robot markdown ≤ 4096 bytes → 40058 (wecom.md §4.9, §5). */
const TEXT_MAX_BYTES = 2048;
const ROBOT_MARKDOWN_MAX_BYTES = 4096;
/** touser: "最多支持1000个" (DOC-90236); update_template_card userids ≤ 1000 (DOC-94888). */
const MAX_RECIPIENTS = 1000;
/** Callback retries: one attempt plus "总共重试三次" on timeout/connection failure (DOC-90930). */
const CALLBACK_RETRIES = 3;
const DEFAULT_CALLBACK_TIMEOUT_MS = 5000;

export interface WeComCorpInput {
  readonly agentId: number;
  readonly secret: string;
  readonly token: string;
  readonly encodingAesKey: string;
  readonly callbackUrl?: string;
  readonly appName?: string;
  readonly tokenTtlSeconds?: number;
  readonly trustedIps?: readonly string[];
  readonly trustedDomain?: string;
  readonly robots?: readonly WeComRobot[];
  readonly users?: readonly SimUser[];
  /** How a reused task_id is answered (default `reject`); see TaskIdReuse. */
  readonly taskIdReuse?: TaskIdReuse;
  /** Set by the suite simulator for a corp that installed a provider's app (suite.ts). */
  readonly thirdParty?: ThirdPartyAppInfo;
}

export class WeComConfigError extends Error {
  override readonly name = 'WeComConfigError';
}

interface Handled {
  readonly endpoint: string;
  readonly body: Record<string, unknown>;
  readonly reason?: string;
}

type Json = Record<string, unknown>;

const xmlParser = new XMLParser({ parseTagValue: false, trimValues: true });

function normaliseIp(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

function cdata(value: string): string {
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** Plain userids come back lower-cased (wecom.md §8.9); encrypted ones are case-sensitive and stay as they are (DOC-96516). */
function userIdOut(corp: WeComCorpConfig, userId: string): string {
  return corp.thirdParty?.encryptedIds ? userId : userId.toLowerCase();
}

/** Refuses a query or body that does not fit the documented contract of `endpoint` (request-schemas.ts). */
function conform(endpoint: WeComContractEndpoint, part: 'query' | 'body', input: unknown): void {
  const contract = weComRequestContracts[endpoint];
  const schema = part === 'query' ? contract.query : 'body' in contract ? contract.body : undefined;
  if (!schema) return;
  const violation = contractViolation(schema, input, part);
  if (violation) throw new WeComApiError(violation.errcode, `${violation.problems.join('; ')} (contract: ${contract.doc})`);
}

export class WeComModule implements PlatformModule {
  readonly platform = 'wecom' as const;
  private corps = new Map<string, WeComCorpConfig>();
  private tokens = new Map<string, AccessTokenState>();
  private tasks = new Map<string, CardTask>();
  private responseCodes = new Map<string, ResponseCodeState>();
  /** appchat/create|update|get|send and their switches (appchat.ts). */
  readonly appchats = new WeComAppChatSim();
  /** The smart bot (智能机器人, API mode): its users, callbacks and stream polling (smart-bot.ts). */
  readonly smartBots = new WeComSmartBotSim();
  /** The service-provider side: suites, customer corps, installs, licenses (suite.ts). */
  readonly suites = new WeComSuiteSim(this, WECOM_CLIENT_COOKIE);
  private oauthCodes = new Map<string, OAuthCodeState>();
  private sendWindows = new Map<string, number[]>();
  private messageSeq = 0;

  // ---------------------------------------------------------------- configuration

  /** Registers (or replaces) a corp; users go into the shared directory. */
  configureCorp(corpId: string, input: WeComCorpInput, ctx: SimContext): WeComCorpConfig {
    if (!/^[A-Za-z0-9]{1,64}$/.test(corpId)) throw new WeComConfigError('corpId must be 1..64 letters/digits');
    if (!Number.isInteger(input.agentId) || input.agentId <= 0) throw new WeComConfigError('agentId must be a positive integer');
    if (typeof input.secret !== 'string' || input.secret.length === 0) throw new WeComConfigError('secret is required');
    // Token: "由英文或数字组成且长度不超过32位"; EncodingAESKey: "由英文或数字组成且长度为43位" (DOC-90930).
    if (!/^[A-Za-z0-9]{1,32}$/.test(input.token ?? '')) throw new WeComConfigError('token must be 1..32 letters/digits');
    if (!/^[A-Za-z0-9]{43}$/.test(input.encodingAesKey ?? '')) throw new WeComConfigError('encodingAesKey must be 43 letters/digits');
    if (input.callbackUrl !== undefined) {
      try {
        new URL(input.callbackUrl);
      } catch {
        throw new WeComConfigError('callbackUrl must be an absolute URL');
      }
    }
    const taskIdReuse = input.taskIdReuse ?? 'reject';
    if (!taskIdReuseReadings.includes(taskIdReuse)) throw new WeComConfigError(`taskIdReuse must be one of ${taskIdReuseReadings.join(', ')}`);
    const ttl = input.tokenTtlSeconds ?? 7200;
    if (!Number.isInteger(ttl) || ttl <= 0) throw new WeComConfigError('tokenTtlSeconds must be a positive integer');
    // A PUT without `robots` (e.g. re-pointing the callback URL) keeps the robots already configured.
    const robots = input.robots ?? this.corps.get(corpId)?.robots ?? [];
    for (const robot of robots) {
      if (!robot.key || !robot.chatId || !robot.name) throw new WeComConfigError('each robot needs key, name and chatId');
    }
    const config: WeComCorpConfig = {
      corpId,
      agentId: input.agentId,
      secret: input.secret,
      token: input.token,
      encodingAesKey: input.encodingAesKey,
      callbackUrl: input.callbackUrl,
      appName: input.appName ?? 'dutybridge',
      tokenTtlSeconds: ttl,
      trustedIps: input.trustedIps,
      trustedDomain: input.trustedDomain,
      robots,
      taskIdReuse,
      ...(input.thirdParty ? { thirdParty: input.thirdParty } : {}),
    };
    this.corps.set(corpId, config);
    if (input.users) {
      for (const user of input.users) {
        if (!user.userId || !user.name || !user.mobile || !user.email) throw new WeComConfigError('each user needs userId, name, mobile, email');
      }
      ctx.setUsers?.(corpId, input.users);
    }
    return config;
  }

  corp(corpId: string): WeComCorpConfig | undefined {
    return this.corps.get(corpId);
  }

  corpIds(): string[] {
    return [...this.corps.keys()];
  }

  /** Makes every token of the corp fail: `invalid` → 40014, `expired` → 42001 (WeCom may revoke early, DOC-91039). */
  invalidateTokens(corpId: string, mode: 'invalid' | 'expired'): number {
    let count = 0;
    for (const state of this.tokens.values()) {
      if (state.corpId === corpId && !state.revoked) {
        state.revoked = mode;
        count += 1;
      }
    }
    return count;
  }

  /**
   * A corp token for an installed third-party app (service/get_corp_token): "本质上是一样的" as the
   * token gettoken gives (DOC-90605).
   */
  issueAccessToken(corpId: string, ctx: SimContext): { accessToken: string; expiresIn: number } {
    const corp = this.corps.get(corpId);
    if (!corp || corp.retired) throw new WeComConfigError(`no live corp ${corpId}`);
    const token = randomBytes(48).toString('base64url');
    this.tokens.set(token, { corpId, agentId: corp.agentId, expiresAt: ctx.clock.now() + corp.tokenTtlSeconds * 1000 });
    return { accessToken: token, expiresIn: corp.tokenTtlSeconds };
  }

  /** The corp removed the app (cancel_auth): tokens die (40014), its cards can no longer be clicked. */
  retireCorp(corpId: string): void {
    const corp = this.corps.get(corpId);
    if (!corp) return;
    this.invalidateTokens(corpId, 'invalid');
    this.corps.set(corpId, { ...corp, retired: true });
  }

  /** Chooses how the corp's reused task_ids are answered (the docs allow two readings; see TaskIdReuse). */
  setTaskIdReuse(corpId: string, mode: TaskIdReuse): void {
    const corp = this.corps.get(corpId);
    if (!corp) throw new WeComConfigError(`unknown corp ${corpId}`);
    if (!taskIdReuseReadings.includes(mode)) throw new WeComConfigError(`taskIdReuse must be one of ${taskIdReuseReadings.join(', ')}`);
    this.corps.set(corpId, { ...corp, taskIdReuse: mode });
  }

  seedDemo(ctx: SimContext): void {
    const { corpId, ...rest } = demoWeComCorp;
    this.configureCorp(
      corpId,
      {
        ...rest,
        appName: 'dutybridge (demo)',
        users: demoUsers,
        robots: [demoWeComRobot],
      },
      ctx,
    );
  }

  reset(): void {
    this.corps.clear();
    this.tokens.clear();
    this.tasks.clear();
    this.responseCodes.clear();
    this.appchats.reset();
    this.smartBots.reset();
    this.oauthCodes.clear();
    this.sendWindows.clear();
    this.suites.reset();
  }

  // ---------------------------------------------------------------- API routing

  async handle(req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined> {
    // Provider calls (/cgi-bin/service|license), the install page, third-party OAuth (suite-api.ts).
    const suiteResponse = await this.suites.handle(req, ctx);
    if (suiteResponse) return suiteResponse;
    if (req.path === '/connect/oauth2/authorize') return this.authorize(req, ctx);
    // A smart bot's response_url carries its own single-use code, no access_token (DOC-101138).
    if (req.path === '/cgi-bin/aibot/response') return this.smartBots.handleResponseUrl(req, ctx);
    if (!req.path.startsWith('/cgi-bin/')) return undefined;
    const endpoint = req.path.slice('/cgi-bin/'.length);
    const remote = normaliseIp(req.remoteAddress);
    let requestBody: unknown = undefined;
    /** `lost-answer` fault: the call runs and is recorded, then its answer is dropped (SimResponse.lost). */
    let answerLost = false;
    const respond = (body: Json, status = 200, reason?: string): SimResponse => {
      if (answerLost) reason = [reason, 'fault injected: lost-answer (the call was executed; its answer is dropped)'].filter(Boolean).join('; ');
      ctx.record({
        platform: 'wecom',
        endpoint,
        method: req.method,
        path: req.path,
        query: Object.fromEntries(req.query),
        requestBody,
        status,
        resultCode: typeof body.errcode === 'number' ? body.errcode : status,
        responseBody: body,
        reason,
        ...(answerLost ? { answerLost } : {}),
      });
      if (reason) ctx.log(`wecom ${endpoint}: ${reason}`);
      return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body, ...(answerLost ? { lost: true } : {}) };
    };
    try {
      if (req.method === 'POST') {
        requestBody = req.body.toString('utf8');
        requestBody = jsonObjectBody(requestBody as string);
      }
      const fault = ctx.faults.take('wecom', endpoint);
      answerLost = fault === 'lost-answer';
      if (fault === 'http500') {
        ctx.record({
          platform: 'wecom', endpoint, method: req.method, path: req.path, query: Object.fromEntries(req.query),
          requestBody, status: 500, resultCode: 500, responseBody: 'Internal Server Error', reason: 'fault injected: http500',
        });
        return { status: 500, headers: { 'content-type': 'text/plain' }, body: 'Internal Server Error' };
      }
      if (fault === 'timeout') {
        await ctx.holdForTimeoutFault?.();
        throw new WeComApiError(-1, 'fault injected: timeout (response held past the client deadline)');
      }
      if (fault === 'throttle' || fault === 'quota') throw new WeComApiError(45009, `fault injected: ${fault}`);
      if (fault === 'token-invalid') {
        const state = this.tokens.get(req.query.get('access_token') ?? '');
        if (state) state.revoked = 'expired';
        throw new WeComApiError(42001, 'fault injected: token-invalid (token revoked)');
      }
      const result = await this.route(endpoint, req, (requestBody ?? {}) as Json, ctx, remote);
      if (!result) {
        return respond({ errcode: 404, errmsg: 'not found' }, 404, `endpoint /cgi-bin/${endpoint} is not simulated`);
      }
      return respond(result.body, 200, result.reason);
    } catch (error) {
      if (error instanceof WeComApiError) return respond(wecomErrorBody(error.errcode, ctx.clock.now(), remote), 200, error.reason);
      throw error;
    }
  }

  private async route(endpoint: string, req: SimRequest, body: Json, ctx: SimContext, remote: string): Promise<Handled | undefined> {
    const method = (expected: 'GET' | 'POST') => {
      if (req.method !== expected) throw new WeComApiError(40058, `${endpoint} expects ${expected}, got ${req.method}`);
    };
    switch (endpoint) {
      case 'gettoken':
        method('GET');
        return this.getToken(req, ctx);
      case 'webhook/send':
        method('POST');
        return this.webhookSend(req, body, ctx);
    }
    const known = [
      'message/send', 'message/update_template_card', 'appchat/create', 'appchat/update', 'appchat/get', 'appchat/send',
      'user/getuserid', 'user/get_userid_by_email', 'user/get', 'auth/getuserinfo',
    ];
    if (!known.includes(endpoint)) return undefined;
    const auth = this.authenticate(req, body, ctx, remote);
    // "应用群聊会话接口，仅支持自建应用调用" (DOC-90455 48002 item 7).
    if (endpoint.startsWith('appchat/') && auth.corp.thirdParty && !auth.corp.thirdParty.developerHosted) {
      throw new WeComApiError(48002, 'appchat is for self-built apps only (DOC-90455 48002 item 7)');
    }
    if (endpoint.startsWith('appchat/')) this.appchats.checkAccess(auth.corp);
    if (isContractEndpoint(endpoint)) conform(endpoint, 'query', Object.fromEntries(req.query));
    switch (endpoint) {
      case 'message/send':
        method('POST');
        return this.messageSend(auth, body, ctx);
      case 'message/update_template_card':
        method('POST');
        return this.updateTemplateCard(auth, body, ctx);
      case 'appchat/create':
        method('POST');
        return this.appchats.create(auth.corp, body, ctx);
      case 'appchat/update':
        method('POST');
        return this.appchats.update(auth.corp, body, ctx);
      case 'appchat/get':
        method('GET');
        return this.appchats.get(auth.corp, req);
      case 'appchat/send':
        method('POST');
        return this.appchats.send(auth.corp, body, ctx);
      case 'user/getuserid':
        method('POST');
        return this.userByMobile(auth, body, ctx);
      case 'user/get_userid_by_email':
        method('POST');
        return this.userByEmail(auth, body, ctx);
      case 'user/get':
        method('GET');
        return this.userGet(auth, req, ctx);
      default:
        method('GET');
        return this.oauthUserInfo(auth, req, ctx);
    }
  }

  // ---------------------------------------------------------------- access_token

  private getToken(req: SimRequest, ctx: SimContext): Handled {
    conform('gettoken', 'query', Object.fromEntries(req.query));
    const corpId = req.query.get('corpid') ?? '';
    const secret = req.query.get('corpsecret') ?? '';
    const corp = this.corps.get(corpId);
    if (!corp) throw new WeComApiError(40013, `unknown corpid "${corpId}"`);
    // A third-party app has no corpsecret: its corp token comes from service/get_corp_token (DOC-90605).
    // Which errcode WeCom gives is UNCONFIRMED; 40001 "不合法的secret参数" is played. 代开发 apps do use gettoken (DOC-97164).
    if (corp.thirdParty && !corp.thirdParty.developerHosted) throw new WeComApiError(40001, `${corpId} runs a third-party app: get its token from service/get_corp_token (DOC-90605)`);
    // A removed app is "应用已经停用" (DOC-90455 40001 item 3).
    if (corp.retired) throw new WeComApiError(40001, 'the app was removed from this corp');
    if (secret !== corp.secret) throw new WeComApiError(40001, 'corpsecret does not match the app secret');
    const token = randomBytes(48).toString('base64url');
    this.tokens.set(token, { corpId, agentId: corp.agentId, expiresAt: ctx.clock.now() + corp.tokenTtlSeconds * 1000 });
    return { endpoint: 'gettoken', body: { errcode: 0, errmsg: 'ok', access_token: token, expires_in: corp.tokenTtlSeconds } };
  }

  private authenticate(req: SimRequest, body: Json, ctx: SimContext, remote: string): { corp: WeComCorpConfig; token: AccessTokenState } {
    const token = req.query.get('access_token');
    if (!token) {
      // 41001: "access_token需要拼接在URL中，不能放在请求包体中".
      const inBody = typeof body.access_token === 'string' ? ' (it was in the body; it must be in the URL)' : '';
      throw new WeComApiError(41001, `access_token missing from the URL${inBody}`);
    }
    const state = this.tokens.get(token);
    if (!state || state.revoked === 'invalid') throw new WeComApiError(40014, state ? 'access_token was invalidated' : 'unknown access_token');
    if (state.revoked === 'expired' || ctx.clock.now() >= state.expiresAt) throw new WeComApiError(42001, 'access_token expired');
    const corp = this.corps.get(state.corpId);
    if (!corp) throw new WeComApiError(40014, 'access_token belongs to a removed corp');
    if (corp.trustedIps && corp.trustedIps.length > 0 && !corp.trustedIps.includes(remote)) {
      throw new WeComApiError(60020, `caller IP ${remote} is not in the corp's trusted IPs`);
    }
    return { corp, token: state };
  }

  private checkAgent(auth: { corp: WeComCorpConfig; token: AccessTokenState }, body: Json): void {
    if (body.agentid === undefined || body.agentid === null || body.agentid === '') throw new WeComApiError(41011, 'agentid is required');
    // agentid is an integer in the JSON (wecom.md §4.2); a string is a client bug.
    if (typeof body.agentid !== 'number' || !Number.isInteger(body.agentid)) throw new WeComApiError(40056, 'agentid must be an integer');
    if (body.agentid !== auth.token.agentId) throw new WeComApiError(301002, `agentid ${body.agentid} is not the app of this access_token`);
  }

  // ---------------------------------------------------------------- message/send

  private messageSend(auth: { corp: WeComCorpConfig; token: AccessTokenState }, body: Json, ctx: SimContext): Handled {
    const { corp } = auth;
    this.checkAgent(auth, body);
    const touser = typeof body.touser === 'string' ? body.touser : '';
    const toparty = typeof body.toparty === 'string' ? body.toparty : '';
    const totag = typeof body.totag === 'string' ? body.totag : '';
    if (!touser && !toparty && !totag) throw new WeComApiError(82001, 'touser, toparty and totag are all empty');
    const users = ctx.users(corp.corpId);
    const requested = touser === '@all' ? users.map((u) => u.userId) : touser.split('|').filter((id) => id.length > 0);
    if (requested.length > MAX_RECIPIENTS) throw new WeComApiError(40058, `touser has ${requested.length} ids, at most ${MAX_RECIPIENTS}`);
    const invalidUsers: string[] = [];
    const recipients: SimUser[] = [];
    for (const id of requested) {
      const user = findUser(users, id, corp.thirdParty?.encryptedIds);
      if (!user) invalidUsers.push(id.toLowerCase());
      else if (!recipients.includes(user)) recipients.push(user);
    }
    // The simulator has no departments or tags: every party/tag is reported invalid.
    const invalidParty = toparty.split('|').filter(Boolean);
    const invalidTag = totag.split('|').filter(Boolean);
    const msgtype = body.msgtype;
    let deliverable: (userId: string) => Parameters<SimContext['deliver']>[0];
    let responseCode: string | undefined;
    let createTask: (() => void) | undefined;
    let reused: CardTask | undefined;
    if (msgtype === 'text' || msgtype === 'markdown') {
      const content = this.textContent(body, msgtype, TEXT_MAX_BYTES, 45002);
      conform('message/send', 'body', body);
      deliverable = (userId) => ({ platform: 'wecom', orgId: corp.corpId, conversation: `user:${userId}`, kind: msgtype, text: content, sender: corp.appName });
    } else if (msgtype === 'template_card') {
      conform('message/send', 'body', body);
      const card = validateTemplateCard(body.template_card, 'app', 'send', this.idTranslation(corp, body, ctx));
      const taskId = card.taskId ?? `msg${++this.messageSeq}`;
      const taskKey = `${corp.corpId}/${corp.agentId}/${taskId}`;
      // "同一个应用任务id不能重复" (DOC-90236); what WeCom answers to a reuse is one of two readings.
      if (card.taskId !== undefined && this.tasks.has(taskKey)) {
        if (corp.taskIdReuse === 'reject') throw new WeComApiError(42014, `task_id "${taskId}" was already used by this app (reading "reject")`);
        reused = this.tasks.get(taskKey)!;
      }
      const rendered: RenderedCard = { ...card.rendered, cardId: taskId };
      deliverable = (userId) => ({ platform: 'wecom', orgId: corp.corpId, conversation: `user:${userId}`, kind: 'card', card: rendered, sender: corp.appName });
      createTask = () => {
        const task: CardTask = {
          corpId: corp.corpId,
          agentId: corp.agentId,
          taskId,
          cardType: card.cardType,
          recipients: new Set(),
          cardByUser: new Map(),
          defaultSelections: card.defaultSelections,
        };
        this.tasks.set(taskKey, task);
        // Unlicensed members never get the card, so they cannot click it either.
        for (const user of recipients.filter((u) => !u.unlicensed)) {
          task.recipients.add(user.userId);
          task.cardByUser.set(user.userId, rendered);
        }
        if (card.issuesResponseCode) responseCode = this.issueResponseCode(corp, taskId, ctx);
      };
    } else {
      throw new WeComApiError(40008, `msgtype "${String(msgtype)}" is not simulated (text, markdown, template_card)`);
    }
    if (recipients.length === 0) throw new WeComApiError(81013, `no valid recipient (invalid: ${[...invalidUsers, ...invalidParty, ...invalidTag].join('|') || 'none'})`);
    // "如果全部接收人无权限或不存在，则本次调用返回失败，errcode为81013"; a missing license is 无权限 (DOC-90372).
    if (recipients.every((u) => u.unlicensed)) {
      throw new WeComApiError(81013, `no deliverable recipient: unlicensed ${recipients.map((u) => u.userId).join('|')}${invalidUsers.length > 0 ? `, invalid ${invalidUsers.join('|')}` : ''}`);
    }
    if (reused) return this.acceptReusedTask(corp, reused, invalidUsers, invalidParty, invalidTag, ctx);
    createTask?.();
    const dropped: string[] = [];
    // Members without an account license get nothing and are listed in unlicenseduser, lower-cased
    // like every userid of the answer ("统一转为小写", DOC-90372), encrypted ones included.
    const unlicensed: string[] = [];
    for (const user of recipients) {
      if (user.unlicensed) unlicensed.push(user.userId.toLowerCase());
      else if (this.overMemberLimit(`${corp.corpId}/${corp.agentId}/${user.userId}`, ctx.clock.now())) dropped.push(user.userId);
      else ctx.deliver(deliverable(user.userId));
    }
    return {
      endpoint: 'message/send',
      body: this.sendOkBody(invalidUsers, invalidParty, invalidTag, responseCode, unlicensed),
      reason:
        dropped.length > 0
          ? `per-member limit (${MEMBER_PER_MINUTE}/min, ${MEMBER_PER_HOUR}/h): silently dropped for ${dropped.join(', ')}`
          : invalidUsers.length > 0 || unlicensed.length > 0
            ? `partial:${invalidUsers.length > 0 ? ` invalid users ${invalidUsers.join('|')}` : ''}${unlicensed.length > 0 ? ` unlicensed users ${unlicensed.join('|')}` : ''}`
            : undefined,
    };
  }

  /**
   * Reading "accept" of a reused task_id: the call succeeds as if it were the message already sent
   * under that task, and nobody receives a second card. A fresh response_code for the task is
   * returned, as message/send does for every interactive card (DOC-90236).
   */
  private acceptReusedTask(corp: WeComCorpConfig, task: CardTask, invalidUsers: string[], invalidParty: string[], invalidTag: string[], ctx: SimContext): Handled {
    const responseCode = this.issueResponseCode(corp, task.taskId, ctx);
    return {
      endpoint: 'message/send',
      body: this.sendOkBody(invalidUsers, invalidParty, invalidTag, responseCode),
      reason: `task_id "${task.taskId}" reused: answered ok without delivering again (reading "accept")`,
    };
  }

  /** message/send's success answer (DOC-90236): partial failures are listed, not errors. */
  private sendOkBody(invalidUsers: string[], invalidParty: string[], invalidTag: string[], responseCode: string | undefined, unlicensed: readonly string[] = []): Json {
    return {
      errcode: 0,
      errmsg: 'ok',
      invaliduser: invalidUsers.join('|'),
      invalidparty: invalidParty.join('|'),
      invalidtag: invalidTag.join('|'),
      unlicenseduser: unlicensed.join('|'),
      msgid: `sim${Date.now().toString(36)}${++this.messageSeq}`,
      ...(responseCode ? { response_code: responseCode } : {}),
    };
  }

  private textContent(body: Json, msgtype: string, maxBytes: number, overLimitCode: number): string {
    const part = body[msgtype];
    const content = typeof part === 'object' && part !== null ? (part as Json).content : undefined;
    if (typeof content !== 'string' || content.length === 0) throw new WeComApiError(44004, `${msgtype}.content is empty`);
    if (bytes(content) > maxBytes) throw new WeComApiError(overLimitCode, `${msgtype}.content is ${bytes(content)} bytes, limit ${maxBytes}`);
    return content;
  }

  /** Sliding windows on the simulated clock; returns true (and records nothing) when the message must be dropped. */
  private overMemberLimit(key: string, now: number): boolean {
    const window = (this.sendWindows.get(key) ?? []).filter((t) => t > now - HOUR_MS);
    const lastMinute = window.filter((t) => t > now - MINUTE_MS).length;
    if (lastMinute >= MEMBER_PER_MINUTE || window.length >= MEMBER_PER_HOUR) {
      this.sendWindows.set(key, window);
      return true;
    }
    window.push(now);
    this.sendWindows.set(key, window);
    return false;
  }

  private issueResponseCode(corp: WeComCorpConfig, taskId: string, ctx: SimContext): string {
    const code = randomBytes(24).toString('base64url');
    this.responseCodes.set(code, {
      corpId: corp.corpId,
      agentId: corp.agentId,
      taskId,
      expiresAt: ctx.clock.now() + RESPONSE_CODE_TTL_MS,
      used: false,
    });
    return code;
  }

  /**
   * With `enable_id_trans: 1` (DOC-90372, DOC-94888), the names WeCom's client shows for
   * `$userName=USERID$`: those of the corp's members. A third-party app's directory holds the userid
   * as the name (DOC-90639), so the real name comes from the customer corp behind the
   * authorization. Without the flag: no lookup, placeholders stay literal.
   */
  private idTranslation(corp: WeComCorpConfig, body: Json, ctx: SimContext): ((userId: string) => string | undefined) | undefined {
    if (body.enable_id_trans !== 1) return undefined;
    return (userId) => {
      const member = findUser(ctx.users(corp.corpId), userId, corp.thirdParty?.encryptedIds);
      if (!member) return undefined;
      if (!corp.thirdParty) return member.name;
      const authorization = this.suites.store.activeAuthorization(corp.thirdParty.suiteId, corp.corpId);
      const customer = authorization ? this.suites.store.customer(authorization.plainCorpId) : undefined;
      if (!authorization || !customer) return undefined;
      const plain = authorization.ids.plainUserId(member.userId, customer.users.map((u) => u.userId));
      return customer.users.find((u) => u.userId === plain)?.name;
    };
  }

  // ---------------------------------------------------------------- message/update_template_card

  private updateTemplateCard(auth: { corp: WeComCorpConfig; token: AccessTokenState }, body: Json, ctx: SimContext): Handled {
    const { corp } = auth;
    this.checkAgent(auth, body);
    conform('message/update_template_card', 'body', body);
    const code = body.response_code;
    if (typeof code !== 'string' || code.length === 0) throw new WeComApiError(40058, 'response_code is required');
    const state = this.responseCodes.get(code);
    if (!state || state.corpId !== corp.corpId || state.agentId !== corp.agentId) throw new WeComApiError(60140, 'response_code unknown for this app');
    if (state.used) throw new WeComApiError(60140, 'response_code was already used (single use)');
    if (ctx.clock.now() >= state.expiresAt) throw new WeComApiError(60140, 'response_code expired (valid 72 h)');
    const task = this.tasks.get(`${corp.corpId}/${corp.agentId}/${state.taskId}`);
    if (!task) throw new WeComApiError(42016, `task_id "${state.taskId}" does not exist`);

    const atAll = body.atall === 1;
    if (body.atall !== undefined && body.atall !== 0 && body.atall !== 1) throw new WeComApiError(40058, 'atall must be 0 or 1');
    const userIds = body.userids;
    if (userIds !== undefined && (!Array.isArray(userIds) || !userIds.every((u) => typeof u === 'string'))) {
      throw new WeComApiError(40058, 'userids must be an array of strings');
    }
    const requested = (userIds ?? []) as string[];
    if (requested.length > MAX_RECIPIENTS) throw new WeComApiError(40058, `userids has ${requested.length} entries, at most ${MAX_RECIPIENTS}`);
    const hasParties = Array.isArray(body.partyids) && body.partyids.length > 0;
    const hasTags = Array.isArray(body.tagids) && body.tagids.length > 0;
    if (!atAll && requested.length === 0 && !hasParties && !hasTags) throw new WeComApiError(40058, 'give userids, partyids, tagids or atall=1');

    const targets: string[] = [];
    const invalid: string[] = [];
    if (atAll) targets.push(...task.recipients);
    const caseSensitive = corp.thirdParty?.encryptedIds === true;
    for (const id of requested) {
      const recipient = [...task.recipients].find((r) => (caseSensitive ? r === id : r.toLowerCase() === id.toLowerCase()));
      if (recipient) {
        if (!targets.includes(recipient)) targets.push(recipient);
      } else invalid.push(id.toLowerCase());
    }

    let makeCard: (current: RenderedCard) => RenderedCard;
    if (body.template_card !== undefined) {
      const card = validateTemplateCard(body.template_card, 'app', 'update', this.idTranslation(corp, body, ctx));
      // DOC-94888 allows "更新成任何一种模板卡片"; the simulator keeps the task's card type (README).
      if (card.cardType !== task.cardType) throw new WeComApiError(40058, `template_card.card_type must stay ${task.cardType}`);
      const replacement: RenderedCard = { ...card.rendered, cardId: task.taskId };
      makeCard = () => replacement;
    } else if (body.button !== undefined) {
      // "button.replace_name" greys out the buttons of button/vote/multiple cards only (DOC-94888).
      if (!['button_interaction', 'vote_interaction', 'multiple_interaction'].includes(task.cardType)) {
        throw new WeComApiError(40058, `button.replace_name cannot update a ${task.cardType} card`);
      }
      const button = body.button as Json;
      const replaceName = typeof button === 'object' && button !== null ? button.replace_name : undefined;
      if (typeof replaceName !== 'string' || replaceName.length === 0) throw new WeComApiError(40058, 'button.replace_name is required');
      makeCard = (current) => ({ ...current, replacedText: replaceName, buttons: current.buttons.map((b) => ({ ...b, disabled: true })) });
    } else {
      throw new WeComApiError(40058, 'give button.replace_name or template_card');
    }

    state.used = true;
    for (const userId of targets) {
      const current = task.cardByUser.get(userId);
      if (!current) continue;
      const next = makeCard(current);
      const greyed: RenderedCard = next.replacedText ? { ...next, buttons: next.buttons.map((b) => ({ ...b, disabled: true })) } : next;
      task.cardByUser.set(userId, greyed);
      ctx.deliver({ platform: 'wecom', orgId: corp.corpId, conversation: `user:${userId}`, kind: 'card', card: greyed, sender: corp.appName });
    }
    // Here invaliduser is an ARRAY, unlike message/send's '|'-joined string (wecom.md §4.4, §8.9).
    return {
      endpoint: 'message/update_template_card',
      body: { errcode: 0, errmsg: 'ok', invaliduser: invalid },
      reason: invalid.length > 0 ? `partial: not recipients of task ${task.taskId}: ${invalid.join(', ')}` : undefined,
    };
  }

  // ---------------------------------------------------------------- users

  private userByMobile(auth: { corp: WeComCorpConfig }, body: Json, ctx: SimContext): Handled {
    conform('user/getuserid', 'body', body);
    const mobile = body.mobile as string;
    const normalised = mobile.replace(/\s/g, '');
    const user = ctx.users(auth.corp.corpId).find((u) => {
      const stored = u.mobile.replace(/\s/g, '');
      // Mainland numbers are looked up without the +86 prefix; other regions as "+852-...".
      return stored === normalised || (stored.startsWith('+86-') && stored.slice(4) === normalised);
    });
    if (!user) throw new WeComApiError(46004, `no member with mobile ${mobile}`);
    return { endpoint: 'user/getuserid', body: { errcode: 0, errmsg: 'ok', userid: userIdOut(auth.corp, user.userId) } };
  }

  private userByEmail(auth: { corp: WeComCorpConfig }, body: Json, ctx: SimContext): Handled {
    conform('user/get_userid_by_email', 'body', body);
    const email = body.email as string;
    const user = ctx.users(auth.corp.corpId).find((u) => u.email.toLowerCase() === email.toLowerCase());
    if (!user) throw new WeComApiError(46004, `no member with email ${email}`);
    return { endpoint: 'user/get_userid_by_email', body: { errcode: 0, errmsg: 'ok', userid: userIdOut(auth.corp, user.userId) } };
  }

  private userGet(auth: { corp: WeComCorpConfig }, req: SimRequest, ctx: SimContext): Handled {
    const userId = req.query.get('userid') ?? ''; // required by the contract (checked in route)
    const user = findUser(ctx.users(auth.corp.corpId), userId, auth.corp.thirdParty?.encryptedIds);
    if (!user) throw new WeComApiError(60111, `userid ${userId} not found`);
    return {
      endpoint: 'user/get',
      body: { errcode: 0, errmsg: 'ok', userid: userIdOut(auth.corp, user.userId), name: user.name, mobile: user.mobile, email: user.email, status: 1 },
    };
  }

  // ---------------------------------------------------------------- OAuth

  /**
   * `/connect/oauth2/authorize`: in the real client the logged-in member is implicit. Here the
   * member is chosen on a small page (or with the simulator-only `sim_userid` parameter). Inside
   * the client (cookie `sim_wecom_user`, set by `GET /_sim/wecom/client`) snsapi_base is silent:
   * a member of the corp is redirected at once (P-91022).
   */
  private authorize(req: SimRequest, ctx: SimContext): SimResponse {
    const q = req.query;
    const inClient = parseCookies(req.headers.cookie).get(WECOM_CLIENT_COOKIE);
    const corpOfRequest = this.corps.get(q.get('appid') ?? '');
    const html = (status: number, title: string, content: string, reason?: string): SimResponse => {
      ctx.record({
        platform: 'wecom', endpoint: 'oauth2/authorize', method: req.method, path: req.path, query: Object.fromEntries(q),
        requestBody: undefined, status, resultCode: status === 200 ? 0 : status, responseBody: title, reason,
      });
      return {
        status,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><body style="font-family:sans-serif"><h3>${escapeHtml(title)}</h3>${content}</body>`,
      };
    };
    try {
      const silent = inClient && corpOfRequest && q.get('scope') === 'snsapi_base' && findUser(ctx.users(corpOfRequest.corpId), inClient) ? inClient : null;
      const userId = q.get('sim_userid') ?? silent;
      if (!userId) {
        const corp = this.checkAuthorizeParams(q);
        const links = ctx
          .users(corp.corpId)
          .map((u) => {
            const next = new URLSearchParams(q);
            next.set('sim_userid', u.userId);
            return `<li><a href="/connect/oauth2/authorize?${escapeHtml(next.toString())}">${escapeHtml(u.name)} (${escapeHtml(u.userId)})</a></li>`;
          })
          .join('');
        return html(200, 'Simulated WeCom client: sign in as', `<ul>${links}</ul>`);
      }
      const { location } = this.issueOAuthCode(q, userId, ctx);
      ctx.record({
        platform: 'wecom', endpoint: 'oauth2/authorize', method: req.method, path: req.path, query: Object.fromEntries(q),
        requestBody: undefined, status: 302, resultCode: 0, responseBody: { location },
      });
      return { status: 302, headers: { location }, body: '' };
    } catch (error) {
      if (error instanceof WeComApiError) return html(400, `errcode ${error.errcode}`, `<p>${escapeHtml(error.reason)}</p>`, error.reason);
      throw error;
    }
  }

  private checkAuthorizeParams(q: URLSearchParams): WeComCorpConfig {
    const corp = this.corps.get(q.get('appid') ?? '');
    if (!corp) throw new WeComApiError(40013, `unknown appid (CorpID) "${q.get('appid') ?? ''}"`);
    if (q.get('response_type') !== 'code') throw new WeComApiError(40058, 'response_type must be code');
    const scope = q.get('scope');
    if (scope !== 'snsapi_base' && scope !== 'snsapi_privateinfo') throw new WeComApiError(40058, 'scope must be snsapi_base or snsapi_privateinfo');
    const agentId = q.get('agentid');
    // agentid is required for snsapi_privateinfo (P-91022).
    if (scope === 'snsapi_privateinfo' && !agentId) throw new WeComApiError(40058, 'agentid is required with snsapi_privateinfo');
    if (agentId && agentId !== String(corp.agentId)) throw new WeComApiError(40056, `agentid ${agentId} is not this corp's app`);
    const state = q.get('state');
    if (state !== null && !/^[a-zA-Z0-9]{0,128}$/.test(state)) throw new WeComApiError(40058, 'state must be a-zA-Z0-9, at most 128 bytes');
    const redirect = q.get('redirect_uri');
    if (!redirect) throw new WeComApiError(40058, 'redirect_uri is required');
    let redirectUrl: URL;
    try {
      redirectUrl = new URL(redirect);
    } catch {
      throw new WeComApiError(40058, 'redirect_uri must be an absolute URL');
    }
    if (corp.trustedDomain && redirectUrl.host !== corp.trustedDomain) {
      throw new WeComApiError(50001, `redirect_uri host ${redirectUrl.host} is not the trusted domain ${corp.trustedDomain}`);
    }
    return corp;
  }

  /** Test/view entry: log a member in and return the redirect with a fresh single-use code. */
  issueOAuthCode(q: URLSearchParams, userId: string, ctx: SimContext): { location: string; code: string } {
    const corp = this.checkAuthorizeParams(q);
    const user = findUser(ctx.users(corp.corpId), userId);
    if (!user) throw new WeComApiError(60111, `userid ${userId} is not a member of ${corp.corpId}`);
    const code = randomBytes(24).toString('hex');
    this.oauthCodes.set(code, { corpId: corp.corpId, userId: user.userId, expiresAt: ctx.clock.now() + OAUTH_CODE_TTL_MS, used: false });
    const target = new URL(q.get('redirect_uri')!);
    target.searchParams.set('code', code);
    target.searchParams.set('state', q.get('state') ?? '');
    return { location: target.toString(), code };
  }

  private oauthUserInfo(auth: { corp: WeComCorpConfig }, req: SimRequest, ctx: SimContext): Handled {
    const code = req.query.get('code') ?? '';
    const state = this.oauthCodes.get(code);
    if (!state || state.corpId !== auth.corp.corpId) throw new WeComApiError(40029, 'unknown code');
    if (state.used) throw new WeComApiError(40029, 'code already used (single use)');
    if (ctx.clock.now() >= state.expiresAt) throw new WeComApiError(40029, 'code expired (5 minutes)');
    state.used = true;
    return { endpoint: 'auth/getuserinfo', body: { errcode: 0, errmsg: 'ok', userid: userIdOut(auth.corp, state.userId) } };
  }

  // ---------------------------------------------------------------- group robot webhook

  private webhookSend(req: SimRequest, body: Json, ctx: SimContext): Handled {
    const key = req.query.get('key') ?? '';
    let found: { corp: WeComCorpConfig; robot: WeComRobot } | undefined;
    for (const corp of this.corps.values()) {
      const robot = corp.robots.find((r) => r.key === key);
      if (robot) found = { corp, robot };
    }
    if (!found) throw new WeComApiError(93000, 'webhook key is unknown (robot removed or URL invalid)');
    const { corp, robot } = found;
    const now = ctx.clock.now();
    const windowKey = `robot/${key}`;
    const window = (this.sendWindows.get(windowKey) ?? []).filter((t) => t > now - MINUTE_MS);
    // 20 messages/min per robot (DOC-99110); the errcode for the excess is assumed to be 45009.
    if (window.length >= ROBOT_PER_MINUTE) {
      this.sendWindows.set(windowKey, window);
      throw new WeComApiError(45009, `robot ${robot.name} exceeded ${ROBOT_PER_MINUTE} messages/minute`);
    }
    const users = ctx.users(corp.corpId);
    const conversation = `group:${robot.chatId}`;
    const msgtype = body.msgtype;
    if (msgtype === 'text') {
      const content = this.textContent(body, 'text', TEXT_MAX_BYTES, 45002);
      const text = body.text as Json;
      const mentions = new Set<string>();
      const mentionedList = text.mentioned_list ?? [];
      if (!Array.isArray(mentionedList)) throw new WeComApiError(40058, 'text.mentioned_list must be an array');
      for (const id of mentionedList) {
        if (id === '@all') mentions.add('@all');
        else {
          const user = typeof id === 'string' ? findUser(users, id) : undefined;
          // DOC-99110 does not say what an unknown userid does; played as WeCom does for mobiles:
          // accepted, nobody highlighted (README, "where the docs are silent").
          if (!user) ctx.log(`wecom webhook/send: mentioned_list has unknown userid ${String(id)}; not mentioned`);
          else mentions.add(user.userId);
        }
      }
      const mobiles = text.mentioned_mobile_list ?? [];
      if (!Array.isArray(mobiles)) throw new WeComApiError(40058, 'text.mentioned_mobile_list must be an array');
      for (const mobile of mobiles) {
        if (mobile === '@all') {
          mentions.add('@all');
          continue;
        }
        const user = users.find((u) => typeof mobile === 'string' && (u.mobile === mobile || u.mobile.replace(/^\+86-/, '') === mobile));
        // The robot ignores a number it cannot match (DOC-99110 names no error for it): accepted, not mentioned.
        if (!user) ctx.log(`wecom webhook/send: mentioned_mobile_list has unknown mobile ${String(mobile)}; not mentioned`);
        else mentions.add(user.userId);
      }
      ctx.deliver({ platform: 'wecom', orgId: corp.corpId, conversation, kind: 'text', text: content, mentions: [...mentions], sender: robot.name });
    } else if (msgtype === 'markdown' || msgtype === 'markdown_v2') {
      const content = this.textContent(body, msgtype, ROBOT_MARKDOWN_MAX_BYTES, 40058);
      const mentions: string[] = [];
      // Inline <@userid> works in markdown, not in markdown_v2 (DOC-99110).
      if (msgtype === 'markdown') {
        for (const match of content.matchAll(/<@([^>]+)>/g)) {
          const user = findUser(users, match[1]!);
          // Silent in DOC-99110: an unknown <@userid> is played as plain text, nobody highlighted.
          if (!user) ctx.log(`wecom webhook/send: markdown.content mentions unknown userid ${match[1]}; not mentioned`);
          else mentions.push(user.userId);
        }
      }
      ctx.deliver({ platform: 'wecom', orgId: corp.corpId, conversation, kind: 'markdown', text: content, mentions, sender: robot.name });
    } else if (msgtype === 'template_card') {
      const card = validateTemplateCard(body.template_card, 'webhook');
      ctx.deliver({
        platform: 'wecom', orgId: corp.corpId, conversation, kind: 'card',
        card: { ...card.rendered, cardId: card.taskId ?? `robot${++this.messageSeq}` }, sender: robot.name,
      });
    } else {
      throw new WeComApiError(40008, `msgtype "${String(msgtype)}" is not simulated for robots (text, markdown, markdown_v2, template_card)`);
    }
    window.push(now);
    this.sendWindows.set(windowKey, window);
    return { endpoint: 'webhook/send', body: { errcode: 0, errmsg: 'ok' } };
  }

  // ---------------------------------------------------------------- control API (/_sim/wecom/...)

  async handleControl(req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined> {
    const json = (status: number, body: unknown): SimResponse => ({ status, body });
    const parse = (): Json => {
      const text = req.body.toString('utf8');
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new WeComConfigError('body must be a JSON object');
      return parsed as Json;
    };
    try {
      const suiteControl = await this.suites.handleControl(req, ctx);
      if (suiteControl) return suiteControl;
      const corpMatch = /^\/_sim\/wecom\/corps\/([^/]+)$/.exec(req.path);
      if (corpMatch && req.method === 'PUT') {
        const corpId = decodeURIComponent(corpMatch[1]!);
        const body = parse();
        const config = this.configureCorp(corpId, body as unknown as WeComCorpInput, ctx);
        return json(200, { ok: true, corpId: config.corpId, agentId: config.agentId, callbackUrl: config.callbackUrl ?? null });
      }
      if (req.path === '/_sim/wecom/corps' && req.method === 'GET') {
        return json(200, { corps: [...this.corps.values()].map((c) => ({ ...c, users: ctx.users(c.corpId) })) });
      }
      if (req.path === '/_sim/wecom/tokens/invalidate' && req.method === 'POST') {
        const body = parse();
        const mode = body.mode === 'expired' ? 'expired' : 'invalid';
        if (!this.corps.has(String(body.corpId))) return json(404, { error: `unknown corp ${String(body.corpId)}` });
        return json(200, { ok: true, invalidated: this.invalidateTokens(String(body.corpId), mode) });
      }
      if (req.path === '/_sim/wecom/task-id-reuse' && req.method === 'POST') {
        const body = parse();
        if (!this.corps.has(String(body.corpId))) return json(404, { error: `unknown corp ${String(body.corpId)}` });
        this.setTaskIdReuse(String(body.corpId), body.mode as TaskIdReuse);
        return json(200, { ok: true, corpId: String(body.corpId), taskIdReuse: body.mode });
      }
      const appchatControl = this.appchats.handleControl(req, ctx, (corpId) => this.corps.has(corpId), parse);
      if (appchatControl) return appchatControl;
      const botControl = await this.smartBots.handleControl(req, ctx, parse);
      if (botControl) return botControl;
      if (req.path === '/_sim/wecom/oauth/login' && req.method === 'POST') {
        const body = parse();
        const corp = this.corps.get(String(body.corpId));
        if (!corp) return json(404, { error: `unknown corp ${String(body.corpId)}` });
        const q = new URLSearchParams({
          appid: corp.corpId,
          redirect_uri: String(body.redirectUri ?? ''),
          response_type: 'code',
          scope: typeof body.scope === 'string' ? body.scope : 'snsapi_base',
          state: typeof body.state === 'string' ? body.state : '',
          agentid: String(corp.agentId),
        });
        try {
          return json(200, this.issueOAuthCode(q, String(body.userId), ctx));
        } catch (error) {
          if (error instanceof WeComApiError) return json(400, { errcode: error.errcode, error: error.reason });
          throw error;
        }
      }
      if (req.path === '/_sim/wecom/client' && req.method === 'GET') {
        // "Open the page inside the WeCom client as <user>" (cookie sim_wecom_user, then 302).
        return openInClient(
          WECOM_CLIENT_COOKIE,
          req.query,
          (userId) => [...this.corps.keys()].some((corpId) => findUser(ctx.users(corpId), userId) !== undefined) || this.suites.isCustomerUser(userId),
        );
      }
      if (req.path === '/_sim/wecom/verify-url' && req.method === 'POST') {
        const body = parse();
        return json(200, await this.verifyUrl(String(body.corpId), ctx));
      }
      return undefined;
    } catch (error) {
      if (error instanceof WeComConfigError || error instanceof SyntaxError) return json(400, { error: error.message });
      throw error;
    }
  }

  /**
   * The admin console's "save callback URL" check: GET with an encrypted echostr; the gateway must
   * answer within 1 s with the bare plaintext — no quotes, BOM or newline (DOC-90930).
   */
  async verifyUrl(corpId: string, ctx: SimContext): Promise<{ ok: boolean; status: number; reply: string; expected: string; elapsedMs: number; reason?: string }> {
    const corp = this.corps.get(corpId);
    if (!corp) throw new WeComConfigError(`unknown corp ${corpId}`);
    if (!corp.callbackUrl) throw new WeComConfigError(`corp ${corpId} has no callbackUrl`);
    const crypto = this.cryptoFor(corp);
    const { url, expected } = urlCheckRequest(crypto, corp.callbackUrl, ctx.clock.now());
    const started = Date.now();
    const outcome = await sendCallbackWithRetries({
      fetch: ctx.fetch, url, method: 'GET', timeoutMs: Math.min(ctx.callbackTimeoutMs ?? 1000, 1000), maxRetries: 0, retryOnHttpError: false,
    });
    const elapsedMs = Date.now() - started;
    const reason = urlCheckFailure(outcome, expected);
    ctx.record({
      platform: 'wecom', endpoint: 'callback/verify-url', method: 'GET', path: new URL(url).pathname, query: Object.fromEntries(new URL(url).searchParams),
      requestBody: undefined, status: outcome.status, resultCode: reason ? outcome.status || 'failed' : 0, responseBody: outcome.body, reason,
    });
    return { ok: reason === undefined, status: outcome.status, reply: outcome.body, expected, elapsedMs, ...(reason ? { reason } : {}) };
  }

  private cryptoFor(corp: WeComCorpConfig): WeComCrypto {
    return new WeComCrypto({ token: corp.token, encodingAesKey: corp.encodingAesKey, receiveId: corp.corpId });
  }

  // ---------------------------------------------------------------- people clicking cards

  async click(request: ClickRequest, ctx: SimContext): Promise<{ status: number; body: string }> {
    const corp = this.corps.get(request.orgId);
    if (!corp) throw new ClickRejectedError(`unknown WeCom corp ${request.orgId}`, 404);
    if (corp.retired) throw new ClickRejectedError(`the app was removed from ${corp.corpId} (cancel_auth)`, 409);
    const user = findUser(ctx.users(corp.corpId), request.userId);
    if (!user) throw new ClickRejectedError(`user ${request.userId} is not a member of ${corp.corpId}`, 404);
    const task = this.tasks.get(`${corp.corpId}/${corp.agentId}/${request.cardId}`);
    if (!task || !task.recipients.has(user.userId)) throw new ClickRejectedError(`card ${request.cardId} was not delivered to ${user.userId}`, 404);
    const card = task.cardByUser.get(user.userId)!;
    const button = card.buttons.find((b) => b.key === request.buttonKey);
    const menuEntry = card.menu?.find((m) => m.key === request.buttonKey);
    if (!button && !menuEntry) throw new ClickRejectedError(`card ${request.cardId} has no button ${request.buttonKey}`, 404);
    if (button && (button.disabled || card.replacedText)) throw new ClickRejectedError(`button ${request.buttonKey} is greyed out`, 409);
    if (!corp.callbackUrl) throw new ClickRejectedError(`corp ${corp.corpId} has no callbackUrl configured`, 409);

    const chosen = this.clickSelections(request, card, task);
    // Each click carries its own fresh single-use ResponseCode, valid 72 h (DOC-90240).
    const responseCode = this.issueResponseCode(corp, task.taskId, ctx);
    const createTime = String(Math.floor(ctx.clock.now() / 1000));
    const event = menuEntry && !button ? 'template_card_menu_event' : 'template_card_event';
    const selections =
      event === 'template_card_event' && chosen.length > 0
        ? `<SelectedItems>${chosen
            .map((s) => `<SelectedItem><QuestionKey>${cdata(s.questionKey)}</QuestionKey><OptionIds>${s.optionIds.map((o) => `<OptionId>${cdata(o)}</OptionId>`).join('')}</OptionIds></SelectedItem>`)
            .join('')}</SelectedItems>`
        : '';
    const xml =
      `<xml><ToUserName>${cdata(corp.corpId)}</ToUserName><FromUserName>${cdata(user.userId)}</FromUserName>` +
      `<CreateTime>${createTime}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata(event)}</Event>` +
      `<EventKey>${cdata(request.buttonKey)}</EventKey><TaskId>${cdata(task.taskId)}</TaskId><CardType>${cdata(task.cardType)}</CardType>` +
      `<ResponseCode>${cdata(responseCode)}</ResponseCode><AgentID>${corp.agentId}</AgentID>${selections}</xml>`;
    const crypto = this.cryptoFor(corp);
    const nonce = randomBytes(8).toString('hex');
    const { body, msgSignature } = crypto.encryptCallback(xml, { toUserName: corp.corpId, agentId: String(corp.agentId), timestamp: createTime, nonce });
    const url = new URL(corp.callbackUrl);
    url.searchParams.set('msg_signature', msgSignature);
    url.searchParams.set('timestamp', createTime);
    url.searchParams.set('nonce', nonce);
    const outcome = await sendCallbackWithRetries({
      fetch: ctx.fetch,
      url: url.toString(),
      body,
      headers: { 'content-type': 'text/xml' },
      timeoutMs: ctx.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS,
      maxRetries: CALLBACK_RETRIES,
    });
    let reason = callbackDeliveryProblem(outcome);
    if (outcome.delivered && outcome.body.trim().length > 0) {
      reason = [reason, this.applyPassiveReply(outcome.body, corp, task, user.userId, ctx)].filter(Boolean).join('; ') || undefined;
    }
    ctx.record({
      platform: 'wecom',
      endpoint: `callback/${event}`,
      method: 'POST',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      requestBody: { plaintext: xml },
      status: outcome.status,
      resultCode: outcome.delivered ? 0 : outcome.status || 'failed',
      responseBody: outcome.body,
      reason,
    });
    if (reason) ctx.log(`wecom click ${request.cardId}/${request.buttonKey}: ${reason}`);
    return { status: outcome.status, body: outcome.body };
  }

  /**
   * SelectedItems of a click (DOC-90240): the choices the person made in the card's dropdown before
   * pressing the button, else the card's defaults. A choice the card does not offer is refused.
   */
  private clickSelections(request: ClickRequest, card: RenderedCard, task: CardTask): readonly { questionKey: string; optionIds: readonly string[] }[] {
    const picked = request.selectedItems ?? [];
    if (picked.length === 0) return task.defaultSelections;
    return task.defaultSelections.map((defaults) => {
      const choice = picked.find((p) => p.questionKey === defaults.questionKey);
      if (!choice) return defaults;
      const offered = card.selection?.questionKey === defaults.questionKey ? card.selection.options.map((o) => o.id) : undefined;
      const unknown = choice.optionIds.filter((id) => !offered?.includes(id));
      if (unknown.length > 0 || choice.optionIds.length !== 1) {
        throw new ClickRejectedError(`card ${request.cardId} offers no single option ${JSON.stringify(choice.optionIds)} for ${defaults.questionKey}`, 400);
      }
      return { questionKey: defaults.questionKey, optionIds: [...choice.optionIds] };
    });
  }

  /**
   * A task's update budget as WeCom holds it: response codes (the send's and one per click), each
   * single use and valid 72 h (DOC-94888). The view marks a card with none usable as stale.
   */
  updateBudget(corpId: string, taskId: string, nowMs: number): { usable: number; spent: number; expired: number } {
    let usable = 0;
    let spent = 0;
    let expired = 0;
    for (const state of this.responseCodes.values()) {
      if (state.corpId !== corpId || state.taskId !== taskId) continue;
      if (state.used) spent += 1;
      else if (nowMs >= state.expiresAt) expired += 1;
      else usable += 1;
    }
    return { usable, spent, expired };
  }

  /**
   * The gateway may answer a card event with an encrypted passive reply (DOC-90241): check the
   * signature, decrypt, and grey the clicking user's buttons for `update_button`.
   */
  private applyPassiveReply(replyBody: string, corp: WeComCorpConfig, task: CardTask, userId: string, ctx: SimContext): string | undefined {
    let envelope: Json;
    try {
      envelope = ((xmlParser.parse(replyBody) as Json).xml ?? {}) as Json;
    } catch {
      return 'passive reply is not XML (ignored; WeCom expects an empty body or an encrypted envelope)';
    }
    const encrypt = envelope.Encrypt;
    const signature = envelope.MsgSignature;
    const timestamp = envelope.TimeStamp;
    const nonce = envelope.Nonce;
    if (typeof encrypt !== 'string' || typeof signature !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string') {
      return 'passive reply lacks Encrypt/MsgSignature/TimeStamp/Nonce (ignored)';
    }
    let inner: Json;
    try {
      const plaintext = this.cryptoFor(corp).decryptMessage({ msgSignature: signature, timestamp, nonce, encrypt });
      inner = ((xmlParser.parse(plaintext) as Json).xml ?? {}) as Json;
    } catch (error) {
      return `passive reply rejected (ignored): ${(error as Error).message}`;
    }
    if (inner.MsgType === 'update_button') {
      const replaceName = ((inner.Button ?? {}) as Json).ReplaceName;
      if (typeof replaceName !== 'string' || replaceName.length === 0) return 'passive update_button without ReplaceName (ignored)';
      const current = task.cardByUser.get(userId)!;
      const greyed: RenderedCard = { ...current, replacedText: replaceName, buttons: current.buttons.map((b) => ({ ...b, disabled: true })) };
      task.cardByUser.set(userId, greyed);
      ctx.deliver({ platform: 'wecom', orgId: corp.corpId, conversation: `user:${userId}`, kind: 'card', card: greyed, sender: corp.appName });
      return 'passive update_button applied';
    }
    return `passive reply MsgType ${String(inner.MsgType)} accepted but not rendered`;
  }
}

/** Who is signed in to the simulated WeCom client (`GET /_sim/wecom/client`). */
export const WECOM_CLIENT_COOKIE = 'sim_wecom_user';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function createWeComModule(): WeComModule {
  return new WeComModule();
}
