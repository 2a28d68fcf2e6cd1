/**
 * WeCom server-API failures. WeCom answers HTTP 200 even when a call fails; the body's `errcode`
 * decides (0 = ok). Every errcode is classified into what the caller should do about it:
 *
 * - `retry`: transient on WeCom's side (-1 "系统繁忙", or no usable answer at all) → back off, retry;
 * - `throttled`: a frequency limit (45009/45033) → retry much later, lower the pace;
 * - `token`: the access_token is invalid or expired (40014/42001; suite_access_token: 40082/42009)
 *   → refresh once and retry;
 * - `permanent`: configuration, permission or request errors → retrying cannot help; fix the cause.
 *
 * Codes and meanings: WeCom global error codes (DOC-90313, via wecom.md §4.9), the service-provider
 * codes (DOC-90455, via wecom-suite.md) and the endpoint pages cited per entry. Error messages
 * never contain access tokens, secrets or request URLs.
 */
import type { WeComCallFailure } from '../../application/ports';

export type WeComErrorKind = 'ok' | 'retry' | 'throttled' | 'token' | 'permanent';

export interface WeComErrcodeClassification {
  readonly kind: WeComErrorKind;
  readonly reason: string;
}

const classifications: ReadonlyMap<number, WeComErrcodeClassification> = new Map<number, WeComErrcodeClassification>([
  [0, { kind: 'ok', reason: 'ok (0)' }],
  // "系统繁忙，此时请开发者稍候再试…建议重试次数不超过3次" (DOC-90313).
  [-1, { kind: 'retry', reason: 'WeCom is busy (-1); retry with backoff, at most 3 times' }],
  [6000, { kind: 'retry', reason: 'WeCom reported a data version conflict (6000); retry' }],

  [45009, { kind: 'throttled', reason: 'the API frequency limit was exceeded (45009); WeCom blocks for the length of the limit window (minute, hour or day)' }],
  [45011, { kind: 'throttled', reason: 'API calls are too frequent (45011); retry later' }],
  [45033, { kind: 'throttled', reason: 'too many concurrent calls to this API (45033); lower the concurrency' }],

  [40014, { kind: 'token', reason: 'the access_token is invalid (40014); refresh it and retry once' }],
  [42001, { kind: 'token', reason: 'the access_token has expired (42001); refresh it and retry once' }],

  [40001, { kind: 'permanent', reason: "the app secret is wrong (40001); repeated attempts can ban the caller's IP for an hour" }],
  [40013, { kind: 'permanent', reason: 'the corpid is wrong (40013)' }],
  [40008, { kind: 'permanent', reason: 'the message type is not valid (40008)' }],
  [40029, { kind: 'permanent', reason: 'the OAuth code is invalid, used or older than 5 minutes (40029)' }],
  [40056, { kind: 'permanent', reason: 'the agentid is not valid (40056)' }],
  [40058, { kind: 'permanent', reason: 'a request parameter is not valid (40058); check lengths and required fields' }],
  [41001, { kind: 'permanent', reason: 'the access_token is missing from the URL (41001)' }],
  [41011, { kind: 'permanent', reason: 'the agentid is missing (41011)' }],
  [42014, { kind: 'permanent', reason: 'the card task_id is not valid or was already used by this app (42014)' }],
  [42015, { kind: 'permanent', reason: 'the card was sent by a different app than the one updating it (42015)' }],
  [42016, { kind: 'permanent', reason: 'the card task_id to update does not exist (42016)' }],
  [42017, { kind: 'permanent', reason: 'the card button key does not exist (42017)' }],
  [42018, { kind: 'permanent', reason: 'the card button key is not valid (42018)' }],
  [44004, { kind: 'permanent', reason: 'the message content is empty (44004)' }],
  [45002, { kind: 'permanent', reason: 'the message content is larger than WeCom allows (45002); shorten it' }],
  [46004, { kind: 'permanent', reason: "no member has this mobile/email, or the member is outside the app's visible range (46004)" }],
  [47001, { kind: 'permanent', reason: 'the request body is not valid JSON (47001)' }],
  [48002, { kind: 'permanent', reason: 'the app may not call this API (48002); check the app type and its visible range' }],
  [50001, { kind: 'permanent', reason: "the redirect URL's domain is not the app's trusted domain (50001)" }],
  [60011, { kind: 'permanent', reason: 'the app has no permission for these members, departments or tags (60011); check its visible range' }],
  [60020, { kind: 'permanent', reason: "the app's IP is not in WeCom's trusted IP list (60020); add the egress IP under 企业可信IP" }],
  [60111, { kind: 'permanent', reason: 'the userid does not exist (60111)' }],
  [60140, { kind: 'permanent', reason: 'the response_code is invalid, already used or older than 72 hours (60140); send a new card instead' }],
  [81013, { kind: 'permanent', reason: 'every recipient (users, departments, tags) is invalid or out of the visible range (81013); nothing was delivered' }],
  [82001, { kind: 'permanent', reason: 'the recipients (touser, toparty, totag) are all empty (82001)' }],
  [93000, { kind: 'permanent', reason: 'the group robot webhook URL is invalid or the robot was removed from the group (93000)' }],
  [93004, { kind: 'permanent', reason: 'the group robot is disabled (93004)' }],
  [301002, { kind: 'permanent', reason: 'the access_token belongs to another app than the agentid (301002)' }],
  // "chatid不存在: 会话需要先创建后，才可修改会话详情或者发起聊天" (DOC-90313).
  [40050, { kind: 'permanent', reason: 'the group chat does not exist (40050); it must be created first' }],
  // appchat (DOC-90245 create, DOC-98913 update, DOC-98914 get, DOC-90248 send; names from DOC-90313 via wecom.md §4.5).
  [86001, { kind: 'permanent', reason: 'the group chat id is not valid (86001): at most 32 characters, only 0-9 a-z A-Z' }],
  [86003, { kind: 'permanent', reason: 'the group chat does not exist (86003)' }],
  [86004, { kind: 'permanent', reason: 'the group chat name is not valid (86004)' }],
  [86005, { kind: 'permanent', reason: 'the group chat owner is not valid (86005)' }],
  [86006, { kind: 'permanent', reason: 'the group chat has too few or too many members (86006): 2 to 2000' }],
  [86007, { kind: 'permanent', reason: 'a group chat member is not valid (86007)' }],
  [86008, { kind: 'permanent', reason: 'the group chat was created by another app; an app can only change, read or post to the chats it created (86008)' }],
  [86201, { kind: 'permanent', reason: 'the group chat id is missing (86201)' }],
  [86203, { kind: 'permanent', reason: 'a new group chat owner must be named when the owner is removed (86203)' }],
  [86204, { kind: 'permanent', reason: 'the group chat members are missing (86204)' }],
  [86205, { kind: 'permanent', reason: 'the group chat id is longer than 32 characters (86205)' }],
  [86207, { kind: 'permanent', reason: 'the group chat owner is not one of its members (86207)' }],
  [86215, { kind: 'permanent', reason: 'a group chat with this chatid already exists (86215); read it with appchat/get instead of creating it again' }],
  // "添加会话成员时，指定的成员ID不存在通讯录；删除会话成员时，指定的成员ID不存在于会话中" (DOC-90313, 86216).
  [86216, { kind: 'permanent', reason: 'a member is not in the WeCom address book, or (when removing) not in the group chat (86216)' }],
  [86220, { kind: 'permanent', reason: 'this message type cannot be posted to an app group chat (86220); use text or markdown' }],

  // Service-provider (suite) codes, DOC-90455 via wecom-suite.md §2, §3, §5.2, §7.
  // A rejected suite_access_token is the same situation as 40014/42001 for a corp token: the caller
  // (who owns the suite-token cache) drops it and fetches a new one.
  [40082, { kind: 'token', reason: 'the suite_access_token is invalid (40082); fetch a new one with get_suite_token' }],
  [42009, { kind: 'token', reason: 'the suite_access_token has expired (42009); fetch a new one with get_suite_token' }],
  // A wrong suite_secret only shows on get_suite_token itself: a new token cannot be fetched with it.
  [40080, { kind: 'permanent', reason: "the suite_secret is wrong (40080); copy it again from the app's page in the provider console" }],
  [40083, { kind: 'permanent', reason: 'the suite_id is not valid (40083)' }],
  [48003, { kind: 'permanent', reason: 'the suite_id is not valid (48003)' }],
  // WeCom pushes a ticket every 10 min, each valid 30 min (DOC-90628): a rejected ticket is replaced
  // by the next push, so a later attempt with the newest stored ticket can succeed. Not a token
  // problem (no token is involved yet) and not permanent unless no ticket arrives for 30 min.
  [40085, { kind: 'retry', reason: 'the suite_ticket is not valid (40085): not the newest or older than 30 minutes; retry with the next ticket WeCom pushes (every 10 minutes), or re-push it from the provider console' }],
  [41023, { kind: 'permanent', reason: 'the suite_ticket is missing (41023); none has been received on the command URL yet' }],
  [40077, { kind: 'permanent', reason: 'the pre_auth_code is not valid (40077); get a new one' }],
  [42007, { kind: 'permanent', reason: 'the pre_auth_code has expired (42007, 20 minutes); get a new one' }],
  // auth_code: single use, 10 minutes (DOC-90597, DOC-100964).
  [40078, { kind: 'permanent', reason: 'the auth_code was already used or is older than 10 minutes (40078)' }],
  [41025, { kind: 'permanent', reason: 'the permanent_code is missing (41025)' }],
  [84054, { kind: 'permanent', reason: 'the auth_corpid is missing (84054)' }],
  // After cancel_auth, which of the two WeCom returns is UNCONFIRMED (wecom-suite.md §2.6).
  [40084, { kind: 'permanent', reason: "the customer removed the app: the corp's authorization was cancelled (40084); it must install the app again" }],
  [48004, { kind: 'permanent', reason: "the customer removed the app: the authorization is no longer valid (48004); it must install the app again" }],
  // corpid_to_opencorpid for a corp without an authorization relationship (DOC-90455, 48001 note 2).
  [48001, { kind: 'permanent', reason: 'the corp has not authorized the app: authorize it first (48001)' }],
  // Gated APIs for a member without an active API access license (DOC-95652).
  [701099, { kind: 'permanent', reason: 'the member has no active WeCom API access license for this app (701099); the provider must buy and activate one' }],
]);

/**
 * Errcodes that mean something narrower on the appchat endpoints (`appchat/...`). 48002 is case 7 of
 * DOC-90313: "应用群聊会话接口，仅支持自建应用调用，且自建应用的可见范围需要设置为根部门".
 */
const appchatClassifications: ReadonlyMap<number, WeComErrcodeClassification> = new Map<number, WeComErrcodeClassification>([
  [
    48002,
    {
      kind: 'permanent',
      reason:
        "appchat needs a self-built app whose visible range is the root department (应用可见范围需为根部门): set it in the admin console, in the app's 可见范围 (48002)",
    },
  ],
]);

/**
 * "每企业创建群数不可超过1000/天" (DOC-90245), "每企业变更群的次数不可超过1000次/小时" (DOC-98913): the
 * errcode of the excess is not documented; UNCONFIRMED: 45009 "接口调用超过限制" (DOC-90313) assumed.
 */
const appchatLimitReasons: Readonly<Record<string, string>> = {
  'appchat/create': 'a WeCom limit was reached (45009): at most 1000 new group chats per company a day; retry later',
  'appchat/update': 'a WeCom limit was reached (45009): at most 1000 group chat changes per company an hour; retry later',
};

/**
 * Provider/suite calls (`service/…`, `license/…`) are checked against the provider console's IP
 * whitelist, not the customer's 企业可信IP (DOC-90595, DOC-90455).
 */
function suiteClassification(endpoint: string | undefined, errcode: number): WeComErrcodeClassification | undefined {
  if (errcode !== 60020 || !(endpoint?.startsWith('service/') || endpoint?.startsWith('license/'))) return undefined;
  return { kind: 'permanent', reason: "the server's IP is not in the service provider's IP whitelist (60020); add the egress IP in the provider console (服务商管理后台)" };
}

function appchatClassification(endpoint: string | undefined, errcode: number): WeComErrcodeClassification | undefined {
  if (!endpoint?.startsWith('appchat/')) return undefined;
  const limitReason = errcode === 45009 ? appchatLimitReasons[endpoint] : undefined;
  if (limitReason) return { kind: 'throttled', reason: limitReason };
  return appchatClassifications.get(errcode);
}

/** What to do about a WeCom errcode. Unknown codes are permanent (retrying blindly could loop). */
export function classifyWeComErrcode(errcode: number, errmsg?: string, endpoint?: string): WeComErrcodeClassification {
  const known = appchatClassification(endpoint, errcode) ?? suiteClassification(endpoint, errcode) ?? classifications.get(errcode);
  if (known) return known;
  if (errcode >= 86000 && errcode < 87000) return { kind: 'permanent', reason: `group chat (appchat) request rejected (${errcode})${errmsg ? `: ${errmsg}` : ''}` };
  return { kind: 'permanent', reason: `unknown errcode ${errcode}: ${errmsg ?? 'no errmsg'}` };
}

export interface WeComApiErrorDetails {
  /** The API path after /cgi-bin/, e.g. `message/send`. */
  readonly endpoint: string;
  /** WeCom's errcode; undefined when no WeCom answer was received (network, timeout, HTTP error). */
  readonly errcode: number | undefined;
  readonly errmsg: string;
  readonly reason: string;
  readonly cause?: unknown;
}

/** Base of every WeCom API failure; `kind` says what the caller should do. */
export abstract class WeComApiError extends Error implements WeComCallFailure {
  abstract readonly kind: Exclude<WeComErrorKind, 'ok'>;
  readonly endpoint: string;
  readonly errcode: number | undefined;
  readonly errmsg: string;
  readonly reason: string;

  constructor(details: WeComApiErrorDetails) {
    super(`WeCom ${details.endpoint} failed: ${details.reason}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.endpoint = details.endpoint;
    this.errcode = details.errcode;
    this.errmsg = details.errmsg;
    this.reason = details.reason;
  }
}

/** Transient: -1, network failures, timeouts, HTTP 5xx, unreadable answers. Back off and retry. */
export class WeComRetryableError extends WeComApiError {
  override readonly name = 'WeComRetryableError';
  readonly kind = 'retry' as const;
}

/** Frequency limits (45009, 45033): retry after the limit window, at a lower pace. */
export class WeComThrottledError extends WeComApiError {
  override readonly name = 'WeComThrottledError';
  readonly kind = 'throttled' as const;
  /** "按分钟拦截则被屏蔽60秒" (P-90454): retrying within the minute only extends the block. */
  readonly retryAfterMs = 60_000;
}

/** The access_token was rejected even after one refresh (40014, 42001). */
export class WeComTokenError extends WeComApiError {
  override readonly name = 'WeComTokenError';
  readonly kind = 'token' as const;
}

/** Configuration, permission or request errors: retrying the same call cannot succeed. */
export class WeComPermanentError extends WeComApiError {
  override readonly name = 'WeComPermanentError';
  readonly kind = 'permanent' as const;
}

/** Builds the typed error for a non-zero errcode returned by `endpoint`. */
export function weComErrorFromErrcode(endpoint: string, errcode: number, errmsg: string): WeComApiError {
  const { kind, reason } = classifyWeComErrcode(errcode, errmsg, endpoint);
  const details = { endpoint, errcode, errmsg, reason };
  switch (kind) {
    case 'retry':
      return new WeComRetryableError(details);
    case 'throttled':
      return new WeComThrottledError(details);
    case 'token':
      return new WeComTokenError(details);
    case 'ok':
      // errcode 0 is success; reaching here is a caller bug, and retrying would not change it.
      return new WeComPermanentError({ ...details, reason: 'errcode 0 (ok) was treated as a failure' });
    case 'permanent':
      return new WeComPermanentError(details);
  }
}

/** Bad constructor input (e.g. a non-numeric agentId): the integration is misconfigured. */
export class WeComCredentialsError extends Error {
  override readonly name = 'WeComCredentialsError';
}
