/**
 * Thin fetch client for the DingTalk endpoints dutybridge uses (dingtalk.md §3.3, §4):
 * card route registration, card create/deliver and update, robot group and 1:1 messages, and the
 * mobile → userId lookup. Every answer is classified by errors.ts (HTTP 200 is never trusted),
 * every success body is validated with zod/mini, and a rejected access token is invalidated and
 * the call repeated once with a fresh one.
 */
import * as z from 'zod/mini';
import type {
  BatchSendInput,
  BatchSendResult,
  CreateAndDeliverCardInput,
  CreateSceneGroupInput,
  SceneGroupMembersInput,
  CreateAndDeliverResult,
  DeliverResult,
  DingTalkMessaging,
  GroupMessageInput,
  UpdateCardInput,
} from '../../application/dispatch-ports';
import type { ConversationTarget } from '../../domain/outgoing-call';

export type { BatchSendInput, BatchSendResult, CreateAndDeliverCardInput, DeliverResult, GroupMessageInput, UpdateCardInput };
import {
  CARD_ALREADY_EXISTS_CODE,
  DingTalkApiError,
  DingTalkPermanentError,
  DingTalkRetryableError,
  DingTalkTokenError,
  classifyNewApiAnswer,
  classifyOapiAnswer,
  dingTalkErrorFor,
} from './errors';

export interface DingTalkCredentials {
  /** Client ID (AppKey). */
  readonly clientId: string;
  readonly clientSecret: string;
  /** https://api.dingtalk.com (new family) or the simulator. */
  readonly apiBase: string;
  /** https://oapi.dingtalk.com (old family) or the simulator. */
  readonly oapiBase: string;
  /** The app robot's code; for an internal-app robot this is the AppKey. */
  readonly robotCode: string;
}

/** What the client needs from shared/application/token-provider.ts (TokenProvider satisfies it). */
export interface AccessTokenSource {
  getToken(key: string, fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>): Promise<string>;
  invalidate(key: string, token: string): Promise<void>;
}

export interface DingTalkClientDeps {
  readonly tokens: AccessTokenSource;
  readonly fetch?: typeof fetch;
  /** Per request; an unanswered call becomes DingTalkRetryableError. Default 5000 ms. */
  readonly timeoutMs?: number;
}

export const DEFAULT_DINGTALK_TIMEOUT_MS = 5000;
/** "每次最多传20个" (chatbots-send-one-on-one-chat-messages-in-batches). */
export const BATCH_SEND_MAX_USERS = 20;

const tokenAnswerSchema = z.object({ accessToken: z.string().check(z.minLength(1)), expireIn: z.number() });
const registerAnswerSchema = z.object({
  success: z.optional(z.boolean()),
  result: z.optional(z.object({ callbackUrl: z.optional(z.string()), apiSecret: z.optional(z.string()) })),
});
const deliverResultSchema = z.object({
  spaceType: z.string(),
  spaceId: z.string(),
  success: z.boolean(),
  carrierId: z.optional(z.string()),
  errorMsg: z.optional(z.string()),
});
const createAndDeliverAnswerSchema = z.object({
  success: z.optional(z.boolean()),
  result: z.object({ outTrackId: z.string(), deliverResults: z._default(z.array(deliverResultSchema), []) }),
});
const updateAnswerSchema = z.object({ success: z.optional(z.boolean()), result: z.optional(z.boolean()) });
const groupSendAnswerSchema = z.object({ processQueryKey: z.string() });
// CreateSceneGroupConversationResponseBody (SDK im_1_0): openConversationId, required.
const sceneGroupCreateAnswerSchema = z.object({ openConversationId: z.string().check(z.minLength(1)) });
// api-addscenegroupmember / api-removescenegroupmember: `{"success": true}`; success:false is refused by errors.ts.
const sceneGroupMembersAnswerSchema = z.object({ success: z.optional(z.boolean()) });
const batchSendAnswerSchema = z.object({
  processQueryKey: z.string(),
  invalidStaffIdList: z._default(z.array(z.string()), []),
  flowControlledStaffIdList: z._default(z.array(z.string()), []),
});
// Account linking (dingtalk.md §4.6): login-free and contacts APIs, not metered.
const userInfoByCodeAnswerSchema = z.object({ errcode: z.literal(0), result: z.object({ userid: z.string().check(z.minLength(1)), unionid: z.optional(z.string()) }) });
const userGetAnswerSchema = z.object({
  errcode: z.literal(0),
  result: z.object({ userid: z.string(), mobile: z.optional(z.string()), state_code: z.optional(z.string()), email: z.optional(z.string()), unionid: z.optional(z.string()) }),
});
const userAccessTokenAnswerSchema = z.object({ accessToken: z.string().check(z.minLength(1)), expireIn: z.optional(z.number()) });
const usersMeAnswerSchema = z.object({ unionId: z.string().check(z.minLength(1)), mobile: z.optional(z.string()), stateCode: z.optional(z.string()), email: z.optional(z.string()) });
const getByUnionIdAnswerSchema = z.object({ errcode: z.literal(0), result: z.object({ userid: z.string().check(z.minLength(1)) }) });

/** A DingTalk account's contact details; each absent when the app may not read it. */
export interface DingTalkContact {
  readonly userId: string;
  readonly mobile?: string;
  readonly email?: string;
}

/** `13800000000` with state code `86` → `+86-13800000000` (the form member events carry). */
function withStateCode(mobile: string | undefined, stateCode: string | undefined): string | undefined {
  if (!mobile) return undefined;
  return stateCode && !mobile.startsWith('+') ? `+${stateCode}-${mobile}` : mobile;
}

const getByMobileAnswerSchema = z.object({ errcode: z.literal(0), result: z.object({ userid: z.string().check(z.minLength(1)) }) });

export interface RegisterCardCallbackInput {
  readonly routeKey: string;
  /** Must not carry a query string ("URL地址不支持携带参数"). */
  readonly callbackUrl: string;
  readonly apiSecret: string;
  /** false = insert-if-absent (an existing route stays as it is); true overwrites it for every card. */
  readonly forceUpdate: boolean;
}

type Family = 'new' | 'oapi';

interface RequestSpec<T> {
  readonly family: Family;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly body?: unknown;
  readonly schema: z.ZodMiniType<T>;
  readonly authenticated: boolean;
}

export class DingTalkClient implements DingTalkMessaging {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly tokenKey: string;

  constructor(
    private readonly credentials: DingTalkCredentials,
    private readonly deps: DingTalkClientDeps,
  ) {
    this.fetchImpl = deps.fetch ?? fetch;
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_DINGTALK_TIMEOUT_MS;
    this.tokenKey = `dingtalk:${credentials.clientId}`;
  }

  /** POST /v1.0/card/callbacks/register. */
  async registerCardCallback(input: RegisterCardCallbackInput): Promise<{ callbackUrl?: string; apiSecret?: string }> {
    const answer = await this.call({
      family: 'new',
      method: 'POST',
      path: '/v1.0/card/callbacks/register',
      body: { callbackRouteKey: input.routeKey, callbackUrl: input.callbackUrl, apiSecret: input.apiSecret, forceUpdate: input.forceUpdate },
      schema: registerAnswerSchema,
      authenticated: true,
    });
    return answer.result ?? {};
  }

  /**
   * POST /v1.0/card/instances/createAndDeliver to groups (IM_GROUP, robotCode) and people
   * (IM_ROBOT), one `dtv1.card//` prefix and the spaces joined with ";". Throws DingTalkPermanentError when no space got the card;
   * a partial delivery returns the per-space results.
   */
  async createAndDeliverCard(input: CreateAndDeliverCardInput): Promise<CreateAndDeliverResult> {
    if (input.targets.length === 0) throw new DingTalkPermanentError('no target to deliver the card to', { endpoint: 'new:/v1.0/card/instances/createAndDeliver', answered: false });
    const groups = input.targets.filter((t): t is Extract<ConversationTarget, { type: 'group' }> => t.type === 'group');
    const users = input.targets.filter((t): t is Extract<ConversationTarget, { type: 'user' }> => t.type === 'user');
    // The documented form: the `dtv1.card//` prefix once, then the spaces joined with ";"
    // (`dtv1.card//IM_GROUP.cid…;IM_ROBOT.user…`, create-and-deliver-cards and the SDK example).
    const openSpaceId = `dtv1.card//${[...groups.map((g) => `IM_GROUP.${g.openConversationId}`), ...users.map((u) => `IM_ROBOT.${u.userId}`)].join(';')}`;
    const body: Record<string, unknown> = {
      cardTemplateId: input.cardTemplateId,
      outTrackId: input.outTrackId,
      cardData: { cardParamMap: input.cardParamMap },
      openSpaceId,
      userIdType: 1,
    };
    if (input.callbackRouteKey) {
      // Upper-case "HTTP": the route was registered with /v1.0/card/callbacks/register (§3.3).
      body.callbackType = 'HTTP';
      body.callbackRouteKey = input.callbackRouteKey;
    }
    if (input.privateData) body.privateData = Object.fromEntries(Object.entries(input.privateData).map(([userId, map]) => [userId, { cardParamMap: map }]));
    if (groups.length > 0) {
      body.imGroupOpenSpaceModel = { supportForward: true };
      body.imGroupOpenDeliverModel = {
        // Internal-app robot in an ordinary group: robotCode is the AppKey (§4.4). The card API
        // documents no coolAppCode field, so a target's coolAppCode only matters for robot messages.
        // A War Room's scene group (issue 14) holds its template's robot instead.
        robotCode: input.robotCode ?? this.credentials.robotCode,
        ...(input.atUserIds && Object.keys(input.atUserIds).length > 0 ? { atUserIds: input.atUserIds } : {}),
      };
    }
    if (users.length > 0) {
      body.imRobotOpenSpaceModel = { supportForward: true };
      body.imRobotOpenDeliverModel = { spaceType: 'IM_ROBOT' };
    }
    const path = '/v1.0/card/instances/createAndDeliver';
    let answer: z.infer<typeof createAndDeliverAnswerSchema>;
    try {
      answer = await this.call({ family: 'new', method: 'POST', path, body, schema: createAndDeliverAnswerSchema, authenticated: true });
    } catch (error) {
      // The card exists: an earlier attempt whose answer was lost delivered it (errors.ts). Delivered.
      if (error instanceof DingTalkPermanentError && error.code === CARD_ALREADY_EXISTS_CODE) return { outTrackId: input.outTrackId, deliverResults: [], alreadyExisted: true };
      throw error;
    }
    const results = answer.result.deliverResults;
    if (results.length > 0 && results.every((r) => !r.success)) {
      throw new DingTalkPermanentError(`card ${input.outTrackId} reached no space: ${results.map((r) => `${r.spaceType}.${r.spaceId}: ${r.errorMsg ?? 'failed'}`).join('; ')}`, {
        endpoint: `new:${path}`,
        httpStatus: 200,
        answered: true,
      });
    }
    return { outTrackId: answer.result.outTrackId, deliverResults: results };
  }

  /** PUT /v1.0/card/instances; updateByKey merges instead of overwriting. */
  async updateCard(input: UpdateCardInput): Promise<void> {
    const body: Record<string, unknown> = {
      outTrackId: input.outTrackId,
      cardUpdateOptions: { updateCardDataByKey: input.updateByKey, updatePrivateDataByKey: input.updateByKey },
      userIdType: 1,
    };
    if (input.cardParamMap) body.cardData = { cardParamMap: input.cardParamMap };
    if (input.privateData) body.privateData = Object.fromEntries(Object.entries(input.privateData).map(([userId, map]) => [userId, { cardParamMap: map }]));
    const answer = await this.call({ family: 'new', method: 'PUT', path: '/v1.0/card/instances', body, schema: updateAnswerSchema, authenticated: true });
    if (answer.result === false) throw new DingTalkPermanentError(`card ${input.outTrackId} was not updated (result:false)`, { endpoint: 'new:/v1.0/card/instances', httpStatus: 200, answered: true });
  }

  /** POST /v1.0/robot/groupMessages/send. */
  async sendGroupMessage(input: GroupMessageInput): Promise<{ processQueryKey: string }> {
    const body: Record<string, unknown> = {
      // A scene group holds its template's robot, named by the caller (War Room); else the app's robot.
      robotCode: input.robotCode ?? this.credentials.robotCode,
      openConversationId: input.openConversationId,
      msgKey: input.msgKey,
      msgParam: input.msgParam,
    };
    // OrgGroupSendRequest has no @ fields (robotCode, openConversationId, msgKey, msgParam,
    // coolAppCode, token): a robot group message mentions nobody. Groups are @-ed by the card.
    if (input.coolAppCode) body.coolAppCode = input.coolAppCode;
    return this.call({ family: 'new', method: 'POST', path: '/v1.0/robot/groupMessages/send', body, schema: groupSendAnswerSchema, authenticated: true });
  }

  /** POST /v1.0/robot/oToMessages/batchSend to at most 20 users. */
  async batchSendOto(input: BatchSendInput): Promise<BatchSendResult> {
    if (input.userIds.length === 0 || input.userIds.length > BATCH_SEND_MAX_USERS) {
      throw new DingTalkPermanentError(`batchSend takes 1..${BATCH_SEND_MAX_USERS} userIds, got ${input.userIds.length}`, { endpoint: 'new:/v1.0/robot/oToMessages/batchSend', answered: false });
    }
    const answer = await this.call({
      family: 'new',
      method: 'POST',
      path: '/v1.0/robot/oToMessages/batchSend',
      body: { robotCode: this.credentials.robotCode, userIds: input.userIds, msgKey: input.msgKey, msgParam: input.msgParam },
      schema: batchSendAnswerSchema,
      authenticated: true,
    });
    return { processQueryKey: answer.processQueryKey, invalidUserIds: answer.invalidStaffIdList, flowControlledUserIds: answer.flowControlledStaffIdList };
  }

  /**
   * Creates a scene group from a template (dingtalk.md §4.5). Sent as the official SDK models it:
   * `im_1_0.CreateSceneGroupConversationRequest`, POST /v1.0/im/sceneGroups with camelCase keys
   * (@alicloud/dingtalk 2.2.27, the newest on npm) → `{openConversationId}`. Two more variants are
   * documented: POST /v1.0/im/sceneGroup/create with a snake_case body (title, template_id,
   * owner_user_id, user_ids, uuid → open_conversation_id, chat_id; page create-a-scene-group and the
   * Java SDK's CreateSceneGroupRequest), and the legacy oapi topapi/im/chat/scenegroup/create
   * ("不支持新增申请": closed to new apps). `uuid` makes a retry return the first group.
   */
  async createSceneGroup(input: CreateSceneGroupInput): Promise<{ openConversationId: string }> {
    const answer = await this.call({
      family: 'new',
      method: 'POST',
      path: '/v1.0/im/sceneGroups',
      body: { groupName: input.title, templateId: input.templateId, groupOwnerId: input.ownerUserId, userIdList: [...input.userIds], uuid: input.uuid },
      schema: sceneGroupCreateAnswerSchema,
      authenticated: true,
    });
    return { openConversationId: answer.openConversationId };
  }

  /**
   * POST /v1.0/im/sceneGroup/member/add (api-addscenegroupmember): snake_case keys, user_ids an
   * array (the legacy oapi took a comma-separated string). The npm SDK has no model for it; the Java
   * SDK's AddSceneGroupMemberRequest maps the same keys.
   */
  async addSceneGroupMembers(input: SceneGroupMembersInput): Promise<void> {
    await this.sceneGroupMembers('/v1.0/im/sceneGroup/member/add', input);
  }

  /** POST /v1.0/im/sceneGroup/member/delete (api-removescenegroupmember), same body as member/add. */
  async removeSceneGroupMembers(input: SceneGroupMembersInput): Promise<void> {
    await this.sceneGroupMembers('/v1.0/im/sceneGroup/member/delete', input);
  }

  private async sceneGroupMembers(path: string, input: SceneGroupMembersInput): Promise<void> {
    if (input.userIds.length === 0) throw new DingTalkPermanentError('no userIds given', { endpoint: `new:${path}`, answered: false });
    await this.call({
      family: 'new',
      method: 'POST',
      path,
      body: { open_conversation_id: input.openConversationId, user_ids: [...input.userIds] },
      schema: sceneGroupMembersAnswerSchema,
      authenticated: true,
    });
  }

  /** oapi POST /topapi/v2/user/getbymobile (free; active employees only). Undefined when not found (60121). */
  async getUserIdByMobile(mobile: string): Promise<string | undefined> {
    try {
      const answer = await this.call({ family: 'oapi', method: 'POST', path: '/topapi/v2/user/getbymobile', body: { mobile }, schema: getByMobileAnswerSchema, authenticated: true });
      return answer.result.userid;
    } catch (error) {
      if (error instanceof DingTalkPermanentError && error.code === 60121) return undefined;
      throw error;
    }
  }

  /** oapi POST /topapi/v2/user/getuserinfo {code}: the userid behind an in-client auth code (5 min, single use; 40078 otherwise). */
  async getUserInfoByCode(code: string): Promise<{ userId: string; unionId?: string }> {
    const answer = await this.call({ family: 'oapi', method: 'POST', path: '/topapi/v2/user/getuserinfo', body: { code }, schema: userInfoByCodeAnswerSchema, authenticated: true });
    return { userId: answer.result.userid, ...(answer.result.unionid ? { unionId: answer.result.unionid } : {}) };
  }

  /** oapi POST /topapi/v2/user/get {userid}: mobile/email only when the app may read them. Undefined when unknown (60121). */
  async getUser(userId: string): Promise<DingTalkContact | undefined> {
    try {
      const answer = await this.call({ family: 'oapi', method: 'POST', path: '/topapi/v2/user/get', body: { userid: userId }, schema: userGetAnswerSchema, authenticated: true });
      const mobile = withStateCode(answer.result.mobile, answer.result.state_code);
      return { userId: answer.result.userid, ...(mobile ? { mobile } : {}), ...(answer.result.email ? { email: answer.result.email } : {}) };
    } catch (error) {
      if (error instanceof DingTalkPermanentError && error.code === 60121) return undefined;
      throw error;
    }
  }

  /** POST /v1.0/oauth2/userAccessToken: a browser-OAuth code → the person's own access token (not cached, used once). */
  async userAccessToken(code: string): Promise<string> {
    const answer = await this.send(
      { family: 'new', method: 'POST', path: '/v1.0/oauth2/userAccessToken', body: { clientId: this.credentials.clientId, clientSecret: this.credentials.clientSecret, code, grantType: 'authorization_code' }, schema: userAccessTokenAnswerSchema, authenticated: false },
      undefined,
    );
    return answer.accessToken;
  }

  /** GET /v1.0/contact/users/me with the person's token (x-acs-dingtalk-access-token): their unionId. */
  async usersMe(userAccessToken: string): Promise<{ unionId: string; mobile?: string; email?: string }> {
    const answer = await this.send({ family: 'new', method: 'GET', path: '/v1.0/contact/users/me', schema: usersMeAnswerSchema, authenticated: true }, userAccessToken);
    const mobile = withStateCode(answer.mobile, answer.stateCode);
    return { unionId: answer.unionId, ...(mobile ? { mobile } : {}), ...(answer.email ? { email: answer.email } : {}) };
  }

  /** oapi POST /topapi/user/getbyunionid {unionid} → userid; undefined when not in this org (60121). */
  async getByUnionId(unionId: string): Promise<string | undefined> {
    try {
      const answer = await this.call({ family: 'oapi', method: 'POST', path: '/topapi/user/getbyunionid', body: { unionid: unionId }, schema: getByUnionIdAnswerSchema, authenticated: true });
      return answer.result.userid;
    } catch (error) {
      if (error instanceof DingTalkPermanentError && error.code === 60121) return undefined;
      throw error;
    }
  }

  /** POST /v1.0/oauth2/accessToken {appKey, appSecret} → {accessToken, expireIn}. */
  private async fetchToken(): Promise<{ token: string; expiresInSeconds: number }> {
    try {
      const answer = await this.send({ family: 'new', method: 'POST', path: '/v1.0/oauth2/accessToken', body: { appKey: this.credentials.clientId, appSecret: this.credentials.clientSecret }, schema: tokenAnswerSchema, authenticated: false }, undefined);
      return { token: answer.accessToken, expiresInSeconds: answer.expireIn };
    } catch (error) {
      // A rejected client id/secret is a configuration error, not a stale token: do not loop on it.
      if (error instanceof DingTalkTokenError) throw new DingTalkPermanentError(`token request refused: ${error.message}`, { endpoint: error.endpoint, httpStatus: error.httpStatus, code: error.code, answered: true });
      throw error;
    }
  }

  /**
   * The access token. When none can be had because the token request went unanswered, the call
   * itself was never sent: that failure is reported as `answered` (nothing executed, nothing
   * metered), so the caller neither keeps the quota nor counts the call as possibly delivered.
   */
  private async token(): Promise<string> {
    try {
      return await this.deps.tokens.getToken(this.tokenKey, () => this.fetchToken());
    } catch (error) {
      if (error instanceof DingTalkApiError && !error.answered) {
        throw new DingTalkRetryableError(`no access token, so the call was not sent (${error.message})`, { endpoint: error.endpoint, answered: true, ...(error.retryAfterMs ? { retryAfterMs: error.retryAfterMs } : {}) });
      }
      throw error;
    }
  }

  private async call<T>(spec: RequestSpec<T>): Promise<T> {
    const token = await this.token();
    try {
      return await this.send(spec, token);
    } catch (error) {
      if (!(error instanceof DingTalkTokenError)) throw error;
      // The token was revoked or expired early: drop it (unless a newer one is stored) and retry once.
      await this.deps.tokens.invalidate(this.tokenKey, token);
      const fresh = await this.token();
      return this.send(spec, fresh);
    }
  }

  private async send<T>(spec: RequestSpec<T>, token: string | undefined): Promise<T> {
    const base = spec.family === 'new' ? this.credentials.apiBase : this.credentials.oapiBase;
    const url = new URL(spec.path, base.endsWith('/') ? base : `${base}/`);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (spec.authenticated && token !== undefined) {
      if (spec.family === 'new') headers['x-acs-dingtalk-access-token'] = token;
      else url.searchParams.set('access_token', token);
    }
    const endpoint = `${spec.family}:${spec.path}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method: spec.method,
        headers,
        ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      const why = name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${this.timeoutMs} ms` : `connection failed: ${(error as Error).message}`;
      throw new DingTalkRetryableError(why, { endpoint, answered: false });
    }
    const body = parseJson(text);
    const classification = spec.family === 'new' ? classifyNewApiAnswer(response.status, body) : classifyOapiAnswer(response.status, body);
    const requestId = requestIdOf(body, response);
    if (classification.kind !== 'ok') throw dingTalkErrorFor(classification, { endpoint, httpStatus: response.status, answered: true, ...(requestId ? { requestId } : {}) });
    const parsed = spec.schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
      throw new DingTalkPermanentError(`HTTP ${response.status} success answer has an unexpected shape (${issues})`, { endpoint, httpStatus: response.status, answered: true, ...(requestId ? { requestId } : {}) });
    }
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function requestIdOf(body: unknown, response: Response): string | undefined {
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    const id = record.requestid ?? record.request_id ?? record.requestId;
    if (typeof id === 'string') return id;
  }
  return response.headers.get('x-acs-request-id') ?? undefined;
}
