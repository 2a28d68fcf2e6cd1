/**
 * WeCom server-API client for one self-built app (corpId + agentId + secret) of one integration.
 * The base URL is per integration: qyapi.weixin.qq.com, a private deployment (paths unchanged,
 * wecom.md §6) or the local simulator.
 *
 * Protocol rules followed (wecom.md §4):
 * - access_token travels in the URL, never in the body (41001);
 * - HTTP 200 means nothing: the body's errcode decides (§4 intro), and every answer is validated;
 * - on 40014/42001 the token is dropped, a fresh one fetched and the call retried ONCE (DOC-91039:
 *   WeCom may revoke tokens early);
 * - agentid is a JSON integer (§4.2); userids are case-insensitive and come back lower-cased, so
 *   userids WeCom reports are mapped back to the caller's spelling.
 * Secrets and tokens never appear in errors: errors name the endpoint, not the URL.
 */
import * as z from 'zod/mini';
import { truncateText } from '../../domain/text-budget';
import type { TokenProvider } from '../../application/token-provider';
import {
  WeComApiError,
  WeComCredentialsError,
  WeComPermanentError,
  WeComRetryableError,
  weComErrorFromErrcode,
} from './errors';
import { fetchWeComJson } from './transport';

export const WECOM_DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';
/** touser "最多支持1000个" (DOC-90236); update_template_card userids ≤ 1000 (DOC-94888). */
export const WECOM_MAX_RECIPIENTS = 1000;
/** duplicate_check_interval: default 1800 s, at most 4 hours (DOC-90236). */
export const WECOM_MAX_DUPLICATE_CHECK_SECONDS = 4 * 3600;
export const WECOM_DEFAULT_TIMEOUT_MS = 5000;
/** text.content ≤ 2048 bytes, else errcode 45002 (wecom.md §4.9). */
export const WECOM_TEXT_MAX_BYTES = 2048;
/**
 * markdown.content "最长不超过2048个字节" (DOC-90236, message/send; the simulator's contract uses the
 * same). appchat/send's markdown table (DOC-90248) was not read in full: the same limit is assumed.
 */
export const WECOM_MARKDOWN_MAX_BYTES = 2048;
/** appchat name: "最多50个utf8字符，超过将截断" (DOC-90245, DOC-98913). */
export const WECOM_APPCHAT_NAME_MAX_CHARS = 50;
/** appchat userlist: "至少2人，至多2000人" (DOC-90245). */
export const WECOM_APPCHAT_MIN_MEMBERS = 2;
export const WECOM_APPCHAT_MAX_MEMBERS = 2000;
/** chatid: "最长32个字符。只允许字符0-9及字母a-zA-Z" (DOC-90245). */
export const WECOM_APPCHAT_ID_PATTERN = /^[0-9a-zA-Z]{1,32}$/;

export interface WeComCredentials {
  readonly corpId: string;
  /** The app's AgentId as configured (digits); sent to WeCom as an integer. */
  readonly agentId: string;
  readonly secret: string;
  /** e.g. `https://qyapi.weixin.qq.com`; a trailing slash is ignored. */
  readonly apiBase: string;
}

export interface WeComClientDeps {
  readonly tokens: TokenProvider;
  readonly fetch?: typeof fetch;
  /** Per-request deadline (default 5000 ms); a timeout is a WeComRetryableError. */
  readonly timeoutMs?: number;
  /**
   * Where the corp token comes from when it is not `gettoken`: a third-party app's corp token is
   * service/get_corp_token with the permanent code (`secret`), DOC-90605. Default: gettoken.
   */
  readonly fetchCorpToken?: (credentials: WeComCredentials) => Promise<{ token: string; expiresInSeconds: number }>;
}

export interface SendTemplateCardInput {
  /** WeCom userids, 1..1000; joined with `|`. */
  readonly toUsers: readonly string[];
  /** The `template_card` object (see shared/domain/wecom-card.ts). */
  readonly card: object;
  /** When set: `enable_duplicate_check: 1` with this `duplicate_check_interval` (1..14400 s). */
  readonly duplicateCheckSeconds?: number;
  /**
   * `enable_id_trans: 1`: WeCom shows `$userName=<userid>$` in the card's texts as the member's
   * name (DOC-90372), for third-party apps, which cannot read names. Default 0.
   */
  readonly idTranslation?: boolean;
}

export interface SendTemplateCardResult {
  readonly msgId: string;
  /** For interactive cards: single-use, 72 h code for one update_template_card (DOC-90236). */
  readonly responseCode?: string;
  /** Recipients WeCom refused (unknown, out of the visible range), in the caller's spelling. */
  readonly invalidUsers: string[];
  /** Recipients without a WeCom account license (`unlicenseduser`): not delivered, in the caller's spelling. */
  readonly unlicensedUsers: string[];
}

export interface UpdateTemplateCardInput {
  /** Whose card to update, 1..1000 userids. */
  readonly userIds: readonly string[];
  /** From message/send or from the click's ResponseCode; single use, 72 h. */
  readonly responseCode: string;
  /**
   * Replace the whole card (same card_type as the original). A `task_id` in it is left out of the
   * request: update_template_card's field tables have none (the response_code names the task,
   * DOC-94888).
   */
  readonly card?: object;
  /**
   * Grey the buttons out with this text. Alone: `button.replace_name`. With `card`: becomes the
   * card's `replace_text` (the replaced card shows greyed buttons with it, DOC-94888).
   */
  readonly replaceName?: string;
  /**
   * `enable_id_trans: 1` on a replacement `card` (DOC-94888, as in DOC-90372). Ignored without a
   * card: the `button.replace_name` form's table lists no enable_id_trans, so it is left out.
   */
  readonly idTranslation?: boolean;
}

export interface SendTextInput {
  readonly toUsers: readonly string[];
  /** Cut to 2048 UTF-8 bytes with an ellipsis when longer (WeCom text limit, errcode 45002). */
  readonly content: string;
}


export interface AppChatCreateInput {
  /** 1..32 characters of 0-9 a-z A-Z; must not exist yet (86215). */
  readonly chatId: string;
  /** Cut to 50 characters with an ellipsis (WeCom would cut it without one, DOC-90245). */
  readonly name: string;
  /** Must be one of `userIds` (86207). */
  readonly owner: string;
  /** 2..2000 members of the corp, de-duplicated case-insensitively. */
  readonly userIds: readonly string[];
}

export interface AppChatUpdateInput {
  readonly chatId: string;
  readonly name?: string;
  /** Required by WeCom when removeUserIds holds the current owner (DOC-98913). */
  readonly owner?: string;
  readonly addUserIds?: readonly string[];
  readonly removeUserIds?: readonly string[];
}

export interface AppChatInfo {
  readonly chatId: string;
  readonly name: string;
  readonly owner: string;
  readonly userIds: string[];
}

export interface UpdateTemplateCardResult {
  readonly invalidUsers: string[];
}

export interface WeComUser {
  readonly userId: string;
  readonly name?: string;
  readonly mobile?: string;
  readonly email?: string;
  /** 1 active, 2 disabled, 4 not activated, 5 left the company (DOC-90196). */
  readonly status?: number;
}

const errorEnvelopeSchema = z.object({
  errcode: z.number(),
  errmsg: z.optional(z.string()),
});

const tokenResponseSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.number().check(z.positive()),
});

const textResponseSchema = z.object({
  msgid: z.string().check(z.minLength(1)),
  invaliduser: z.optional(z.string()),
});

const sendResponseSchema = z.object({
  msgid: z.string().check(z.minLength(1)),
  response_code: z.optional(z.string()),
  // message/send returns a '|'-joined string here (wecom.md §8.9).
  invaliduser: z.optional(z.string()),
  // Members without an account license (DOC-90236 return fields), '|'-joined like invaliduser.
  unlicenseduser: z.optional(z.string()),
});

const updateResponseSchema = z.object({
  // update_template_card returns an ARRAY here, unlike message/send (wecom.md §4.4).
  invaliduser: z.optional(z.array(z.string())),
});

const appChatCreateResponseSchema = z.object({ chatid: z.string().check(z.minLength(1)) });

/** appchat/get answer (DOC-98914): chat_type 0 ordinary, 1 course group. */
const appChatGetResponseSchema = z.object({
  chat_info: z.object({
    chatid: z.string().check(z.minLength(1)),
    name: z.string(),
    owner: z.string(),
    userlist: z.array(z.string()),
    chat_type: z.optional(z.number()),
  }),
});

const okResponseSchema = z.object({});

const userIdResponseSchema = z.object({ userid: z.string().check(z.minLength(1)) });

const userResponseSchema = z.object({
  userid: z.string().check(z.minLength(1)),
  name: z.optional(z.string()),
  mobile: z.optional(z.string()),
  email: z.optional(z.string()),
  status: z.optional(z.number()),
});

/** Lookups answer "no such member" with these (wecom.md §4.6 / §4.9). */
const NOT_FOUND_ERRCODES = new Set([46004, 60111]);

type Endpoint =
  | 'gettoken'
  | 'message/send'
  | 'message/update_template_card'
  | 'user/getuserid'
  | 'user/get_userid_by_email'
  | 'user/get'
  | 'auth/getuserinfo'
  | 'appchat/create'
  | 'appchat/update'
  | 'appchat/send'
  | 'appchat/get';

/** auth/getuserinfo: a member's `userid`, or a non-member's `openid` (wecom.md §4.7). */
const authUserInfoSchema = z.object({ userid: z.optional(z.string()), openid: z.optional(z.string()) });

/** Who an OAuth code belongs to: a member (userid) or someone outside the organisation (openid). */
export type WeComOAuthIdentity = { readonly userId: string } | { readonly openId: string };

interface ApiCall {
  readonly endpoint: Endpoint;
  readonly method: 'GET' | 'POST';
  readonly query?: Record<string, string>;
  readonly body?: unknown;
}

/** Maps userids WeCom reports (lower-cased) back to the spelling the caller used. */
function toCallerSpelling(reported: readonly string[], requested: readonly string[]): string[] {
  const byLower = new Map(requested.map((id) => [id.toLowerCase(), id]));
  return reported.filter((id) => id.length > 0).map((id) => byLower.get(id.toLowerCase()) ?? id);
}

/** Recipients, de-duplicated case-insensitively and checked against WeCom's rules. */
function recipientList(endpoint: Endpoint, userIds: readonly string[]): string[] {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const id of userIds) {
    // userid: 1..64 bytes (wecom.md §4.6); '|' would split it in touser.
    if (id.length === 0 || Buffer.byteLength(id, 'utf8') > 64 || id.includes('|')) {
      throw invalidRequest(endpoint, `userid ${JSON.stringify(id.slice(0, 80))} is not a valid WeCom userid (1..64 bytes, no "|")`);
    }
    const lower = id.toLowerCase();
    if (!seen.has(lower)) {
      seen.add(lower);
      unique.push(id);
    }
  }
  if (unique.length === 0) throw invalidRequest(endpoint, 'at least one recipient userid is required (82001)');
  if (unique.length > WECOM_MAX_RECIPIENTS) {
    throw invalidRequest(endpoint, `${unique.length} recipients, WeCom allows at most ${WECOM_MAX_RECIPIENTS} per call`);
  }
  return unique;
}

/** userids of an appchat call, de-duplicated case-insensitively (userid: 1..64 bytes, wecom.md §4.6). */
function appChatUserIds(endpoint: Endpoint, field: string, userIds: readonly string[]): string[] {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const id of userIds) {
    if (id.length === 0 || Buffer.byteLength(id, 'utf8') > 64) {
      throw invalidRequest(endpoint, `${field}: ${JSON.stringify(id.slice(0, 80))} is not a valid WeCom userid (1..64 bytes)`);
    }
    if (!seen.has(id.toLowerCase())) {
      seen.add(id.toLowerCase());
      unique.push(id);
    }
  }
  return unique;
}

function checkChatId(endpoint: Endpoint, chatId: string): void {
  if (!WECOM_APPCHAT_ID_PATTERN.test(chatId)) throw invalidRequest(endpoint, `chatid ${JSON.stringify(chatId.slice(0, 80))} must be 1..32 characters of 0-9 a-z A-Z (86001)`);
}

/** A request WeCom would reject: reported like WeCom's own permanent errors, before any call. */
function invalidRequest(endpoint: string, reason: string): WeComPermanentError {
  return new WeComPermanentError({ endpoint, errcode: undefined, errmsg: '', reason });
}

export class WeComClient {
  private readonly apiBase: string;
  private readonly agentId: number;
  private readonly tokenKey: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(
    private readonly credentials: WeComCredentials,
    private readonly deps: WeComClientDeps,
  ) {
    if (!/^[1-9]\d{0,15}$/.test(credentials.agentId)) throw new WeComCredentialsError('agentId must be the app AgentId (digits)');
    if (!credentials.corpId) throw new WeComCredentialsError('corpId is required');
    if (!credentials.secret) throw new WeComCredentialsError('secret is required');
    let base: URL;
    try {
      base = new URL(credentials.apiBase);
    } catch {
      throw new WeComCredentialsError('apiBase must be an absolute http(s) URL');
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new WeComCredentialsError('apiBase must be an absolute http(s) URL');
    this.apiBase = credentials.apiBase.replace(/\/+$/, '');
    this.agentId = Number(credentials.agentId);
    this.tokenKey = weComTokenKey(credentials);
    this.fetchImpl = deps.fetch ?? fetch;
    this.timeoutMs = deps.timeoutMs ?? WECOM_DEFAULT_TIMEOUT_MS;
  }

  /** message/send with msgtype template_card (DOC-90236). */
  async sendTemplateCard(input: SendTemplateCardInput): Promise<SendTemplateCardResult> {
    const endpoint = 'message/send';
    const recipients = recipientList(endpoint, input.toUsers);
    const duplicateCheck = input.duplicateCheckSeconds;
    if (duplicateCheck !== undefined && (!Number.isInteger(duplicateCheck) || duplicateCheck < 1 || duplicateCheck > WECOM_MAX_DUPLICATE_CHECK_SECONDS)) {
      throw invalidRequest(endpoint, `duplicateCheckSeconds must be an integer in 1..${WECOM_MAX_DUPLICATE_CHECK_SECONDS}`);
    }
    const body = {
      touser: recipients.join('|'),
      msgtype: 'template_card',
      agentid: this.agentId,
      template_card: input.card,
      enable_id_trans: input.idTranslation === true ? 1 : 0,
      ...(duplicateCheck !== undefined ? { enable_duplicate_check: 1, duplicate_check_interval: duplicateCheck } : { enable_duplicate_check: 0 }),
    };
    const response = await this.callWithToken({ endpoint, method: 'POST', body }, sendResponseSchema);
    return {
      msgId: response.msgid,
      ...(response.response_code ? { responseCode: response.response_code } : {}),
      invalidUsers: toCallerSpelling((response.invaliduser ?? '').split('|'), recipients),
      unlicensedUsers: toCallerSpelling((response.unlicenseduser ?? '').split('|'), recipients),
    };
  }

  /** message/update_template_card (DOC-94888): replace the card, or grey its buttons out. */
  async updateTemplateCard(input: UpdateTemplateCardInput): Promise<UpdateTemplateCardResult> {
    const endpoint = 'message/update_template_card';
    const userIds = recipientList(endpoint, input.userIds);
    if (!input.responseCode) throw invalidRequest(endpoint, 'responseCode is required');
    if (input.card === undefined && input.replaceName === undefined) throw invalidRequest(endpoint, 'give card, replaceName or both');
    if (input.replaceName !== undefined && input.replaceName.length === 0) throw invalidRequest(endpoint, 'replaceName must not be empty');
    // The two documented forms (DOC-94888): a replacement card (which may carry enable_id_trans),
    // or `button.replace_name` alone (whose table lists no enable_id_trans).
    let update: Record<string, unknown>;
    if (input.card !== undefined) {
      const { task_id: _taskId, ...card } = input.card as Record<string, unknown>;
      update = { enable_id_trans: input.idTranslation === true ? 1 : 0, template_card: input.replaceName !== undefined ? { ...card, replace_text: input.replaceName } : card };
    } else {
      update = { button: { replace_name: input.replaceName } };
    }
    const body = {
      userids: userIds,
      agentid: this.agentId,
      response_code: input.responseCode,
      ...update,
    };
    const response = await this.callWithToken({ endpoint, method: 'POST', body }, updateResponseSchema);
    return { invalidUsers: toCallerSpelling(response.invaliduser ?? [], userIds) };
  }

  /** message/send with msgtype text, e.g. a private hint to the member who clicked. */
  async sendText(input: SendTextInput): Promise<void> {
    const endpoint = 'message/send';
    const recipients = recipientList(endpoint, input.toUsers);
    const content = truncateText(input.content, { maxBytes: WECOM_TEXT_MAX_BYTES });
    if (content.trim().length === 0) throw invalidRequest(endpoint, 'text content is empty (44004)');
    const body = { touser: recipients.join('|'), msgtype: 'text', agentid: this.agentId, text: { content }, safe: 0, enable_id_trans: 0, enable_duplicate_check: 0 };
    // Best effort (a hint to one member): recipients WeCom refused are not reported back.
    await this.callWithToken({ endpoint, method: 'POST', body }, textResponseSchema);
  }

  /**
   * appchat/create (DOC-90245). Only a self-built app whose visible range is the root department may
   * call it (48002 otherwise); "每企业创建群数不可超过1000/天". A chatid that exists already is 86215,
   * thrown like any failure: the caller reads the chat with appChatGet.
   */
  async appChatCreate(input: AppChatCreateInput): Promise<{ chatId: string }> {
    const endpoint = 'appchat/create';
    checkChatId(endpoint, input.chatId);
    const userIds = appChatUserIds(endpoint, 'userIds', input.userIds);
    if (userIds.length < WECOM_APPCHAT_MIN_MEMBERS || userIds.length > WECOM_APPCHAT_MAX_MEMBERS) {
      throw invalidRequest(endpoint, `a group chat needs ${WECOM_APPCHAT_MIN_MEMBERS}..${WECOM_APPCHAT_MAX_MEMBERS} members, got ${userIds.length} (86006)`);
    }
    if (!userIds.some((id) => id.toLowerCase() === input.owner.toLowerCase())) {
      throw invalidRequest(endpoint, `the owner ${JSON.stringify(input.owner)} is not among the members (86207)`);
    }
    const body = { name: this.appChatName(endpoint, input.name), owner: input.owner, userlist: userIds, chatid: input.chatId };
    const answer = await this.callWithToken({ endpoint, method: 'POST', body }, appChatCreateResponseSchema);
    return { chatId: answer.chatid };
  }

  /** appchat/update (DOC-98913): only chats this app created (86008); owner required when removing the owner. */
  async appChatUpdate(input: AppChatUpdateInput): Promise<void> {
    const endpoint = 'appchat/update';
    checkChatId(endpoint, input.chatId);
    const add = appChatUserIds(endpoint, 'addUserIds', input.addUserIds ?? []);
    const del = appChatUserIds(endpoint, 'removeUserIds', input.removeUserIds ?? []);
    const both = add.filter((id) => del.some((d) => d.toLowerCase() === id.toLowerCase()));
    if (both.length > 0) throw invalidRequest(endpoint, `${both.join(', ')} would be both added and removed`);
    if (add.length > WECOM_APPCHAT_MAX_MEMBERS) throw invalidRequest(endpoint, `at most ${WECOM_APPCHAT_MAX_MEMBERS} members (86006)`);
    if (input.owner !== undefined && input.owner.length === 0) throw invalidRequest(endpoint, 'owner must not be empty');
    const body = {
      chatid: input.chatId,
      ...(input.name !== undefined ? { name: this.appChatName(endpoint, input.name) } : {}),
      ...(input.owner !== undefined ? { owner: input.owner } : {}),
      ...(add.length > 0 ? { add_user_list: add } : {}),
      ...(del.length > 0 ? { del_user_list: del } : {}),
    };
    if (Object.keys(body).length === 1) return; // nothing to change: no call (each counts against 1000 changes/hour)
    await this.callWithToken({ endpoint, method: 'POST', body }, okResponseSchema);
  }

  /**
   * appchat/send with msgtype markdown (DOC-90248): content cut to 2048 UTF-8 bytes with an ellipsis.
   * Messages beyond 200/min or 10000/day per member are dropped by WeCom without an error.
   */
  async appChatSendMarkdown(input: { chatId: string; content: string }): Promise<void> {
    const endpoint = 'appchat/send';
    checkChatId(endpoint, input.chatId);
    const content = truncateText(input.content, { maxBytes: WECOM_MARKDOWN_MAX_BYTES });
    if (content.trim().length === 0) throw invalidRequest(endpoint, 'markdown content is empty (44004)');
    const body = { chatid: input.chatId, msgtype: 'markdown', markdown: { content } };
    await this.callWithToken({ endpoint, method: 'POST', body }, okResponseSchema);
  }

  /** appchat/get (DOC-98914): the chat's name, owner and members; only chats this app created. */
  async appChatGet(chatId: string): Promise<AppChatInfo> {
    const endpoint = 'appchat/get';
    checkChatId(endpoint, chatId);
    const { chat_info: info } = await this.callWithToken({ endpoint, method: 'GET', query: { chatid: chatId } }, appChatGetResponseSchema);
    return { chatId: info.chatid, name: info.name, owner: info.owner, userIds: [...info.userlist] };
  }

  /** The name as sent: one line, at most 50 characters (cut here with an ellipsis, not by WeCom). */
  private appChatName(endpoint: Endpoint, name: string): string {
    const cut = truncateText(name.replace(/\s+/g, ' ').trim(), { maxChars: WECOM_APPCHAT_NAME_MAX_CHARS });
    if (cut.length === 0) throw invalidRequest(endpoint, 'the group chat name is empty (86004)');
    return cut;
  }

  /** user/get_userid_by_email (DOC-95895), enterprise mailbox; undefined when nobody matches. */
  async getUserIdByEmail(email: string): Promise<string | undefined> {
    return this.lookup({ endpoint: 'user/get_userid_by_email', method: 'POST', body: { email, email_type: 1 } });
  }

  /** user/getuserid (DOC-95402); undefined when nobody matches. */
  async getUserIdByMobile(mobile: string): Promise<string | undefined> {
    return this.lookup({ endpoint: 'user/getuserid', method: 'POST', body: { mobile } });
  }

  /** user/get; undefined when the userid does not exist (60111). */
  async getUser(userId: string): Promise<WeComUser | undefined> {
    try {
      const user = await this.callWithToken({ endpoint: 'user/get', method: 'GET', query: { userid: userId } }, userResponseSchema);
      return {
        userId: user.userid,
        ...(user.name !== undefined ? { name: user.name } : {}),
        ...(user.mobile ? { mobile: user.mobile } : {}),
        ...(user.email ? { email: user.email } : {}),
        ...(user.status !== undefined ? { status: user.status } : {}),
      };
    } catch (error) {
      if (error instanceof WeComApiError && error.errcode !== undefined && NOT_FOUND_ERRCODES.has(error.errcode)) return undefined;
      throw error;
    }
  }

  /**
   * auth/getuserinfo (DOC-98176, wecom.md §4.7): the identity behind an OAuth2 code ("code只能使用一次，
   * 5分钟未被使用自动过期"; invalid/used/expired → 40029; redirect domain not trusted → 50001).
   */
  async authGetUserInfo(code: string): Promise<WeComOAuthIdentity> {
    const endpoint = 'auth/getuserinfo';
    if (!code) throw invalidRequest(endpoint, 'code is required');
    const answer = await this.callWithToken({ endpoint, method: 'GET', query: { code } }, authUserInfoSchema);
    if (answer.userid) return { userId: answer.userid };
    if (answer.openid) return { openId: answer.openid };
    throw new WeComPermanentError({ endpoint, errcode: 0, errmsg: '', reason: 'errcode 0 but neither userid nor openid in the answer' });
  }

  private async lookup(call: ApiCall): Promise<string | undefined> {
    try {
      return (await this.callWithToken(call, userIdResponseSchema)).userid;
    } catch (error) {
      // Misses count against "出错的次数超出企业人数上限的20%" (DOC-95402): callers should cache them.
      if (error instanceof WeComApiError && error.errcode !== undefined && NOT_FOUND_ERRCODES.has(error.errcode)) return undefined;
      throw error;
    }
  }

  private fetchToken = async (): Promise<{ token: string; expiresInSeconds: number }> => {
    if (this.deps.fetchCorpToken) return this.deps.fetchCorpToken(this.credentials);
    return this.requestToken();
  };

  /** gettoken with this client's corpid and secret, past the token cache (DOC-91039). */
  requestToken = async (): Promise<{ token: string; expiresInSeconds: number }> => {
    const response = await this.call(
      { endpoint: 'gettoken', method: 'GET', query: { corpid: this.credentials.corpId, corpsecret: this.credentials.secret } },
      tokenResponseSchema,
    );
    return { token: response.access_token, expiresInSeconds: response.expires_in };
  };

  private async callWithToken<T>(call: ApiCall, schema: z.ZodMiniType<T>): Promise<T> {
    const token = await this.deps.tokens.getToken(this.tokenKey, this.fetchToken);
    try {
      return await this.call({ ...call, query: { ...call.query, access_token: token } }, schema);
    } catch (error) {
      if (!(error instanceof WeComApiError) || error.kind !== 'token') throw error;
      // WeCom may revoke a token before expires_in (DOC-91039): refresh once, retry once.
      await this.deps.tokens.invalidate(this.tokenKey, token);
      const fresh = await this.deps.tokens.getToken(this.tokenKey, this.fetchToken);
      return this.call({ ...call, query: { ...call.query, access_token: fresh } }, schema);
    }
  }

  private async call<T>(call: ApiCall, schema: z.ZodMiniType<T>): Promise<T> {
    const { endpoint } = call;
    const json = await fetchWeComJson(call, { apiBase: this.apiBase, fetchImpl: this.fetchImpl, timeoutMs: this.timeoutMs, wrongBaseHint: "check the integration's API base URL" });
    const envelope = errorEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      throw new WeComRetryableError({ endpoint, errcode: undefined, errmsg: '', reason: 'the answer has no numeric errcode' });
    }
    const { errcode, errmsg = '' } = envelope.data;
    if (errcode !== 0) throw weComErrorFromErrcode(endpoint, errcode, errmsg);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
      throw new WeComPermanentError({ endpoint, errcode, errmsg, reason: `errcode 0 but the answer does not have the documented shape (${fields})` });
    }
    return parsed.data;
  }
}

/** The AccessTokenStore key of an app's token: one token per corp and app (DOC-91039). */
export function weComTokenKey(credentials: Pick<WeComCredentials, 'corpId' | 'agentId'>): string {
  return `wecom:${credentials.corpId}:${credentials.agentId}`;
}
