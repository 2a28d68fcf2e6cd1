/**
 * What a DingTalk answer means, for both API families (dingtalk.md §0, §5.2, §8.6):
 *  - oapi.dingtalk.com answers HTTP 200 with `{errcode, errmsg}`; errcode 0 is the only success.
 *  - api.dingtalk.com answers HTTP 4xx/5xx with `{code, message, requestid}`.
 * Neither status alone is trusted: an HTTP 200 without errcode 0 (oapi) or with an error `code`
 * (new API) is not a success, and a QPS throttle arrives as HTTP 403 although it only means
 * "try again in a second".
 */

export type DingTalkOutcomeKind = 'ok' | 'retry' | 'throttled' | 'token' | 'quota' | 'permanent';

export interface DingTalkClassification {
  readonly kind: DingTalkOutcomeKind;
  /** Plain words: why this kind, naming the code DingTalk sent. */
  readonly reason: string;
  /** errcode (oapi) or code (new API) as DingTalk sent it, when there was one. */
  readonly code?: string | number;
  /** For `throttled`/`retry`: how long to wait before the next attempt. */
  readonly retryAfterMs?: number;
}

/**
 * "sleep 1秒，然后继续执行" after a QPS rejection (how-to-process-api-throttling-on-the-dingtalk-server):
 * the window is one second, so one second is the least wait that can help.
 */
export const THROTTLE_RETRY_AFTER_MS = 1000;
/** `-1 系统繁忙`: "稍后再重试1次" — a short pause before the retry. */
export const BUSY_RETRY_AFTER_MS = 500;

/** oapi errcodes for QPS throttles: 90018 app×API, 90002 global API; 9000x/90017 legacy corp-level. */
const OAPI_THROTTLE_CODES = new Set([90018, 90002, 90001, 90003, 90004, 90005, 90006, 90017]);
/** 90020: the org's monthly API quota is used up ("您的企业本月api调用量已超过限制"). */
const OAPI_QUOTA_CODES = new Set([90020]);
/** 40014 invalid access_token, 42001 expired, 40001 invalid credential, 41001 missing access_token. */
const OAPI_TOKEN_CODES = new Set([40014, 42001, 40001, 41001]);
/** `-1 系统繁忙`: retry later (at most 3 times, server-api-error-codes-1). */
const OAPI_BUSY_CODES = new Set([-1]);
/** 88: "鉴权异常。关注返回结果里的subCode和subMsg" — the real reason is in sub_code. */
const OAPI_LOOK_AT_SUB_CODE = 88;

/** New-API codes, matched by prefix (DingTalk appends the dimension: …ForAppkeyAndApi, …ForApi). */
const NEW_API_THROTTLE_PREFIXES = ['Forbidden.AccessDenied.QpsLimit', 'Forbidden.AccessDenied.QpmLimit'];
/** Robot sends answer HTTP 400 with these when a sender goes too fast (chatbots-send-…-in-batches). */
const NEW_API_THROTTLE_CODES = new Set(['send.too.fast', 'send.byToken.tooFast']);
const NEW_API_QUOTA_CODES = new Set(['Forbidden.AccessDenied.ApiCountLimitForOrg']);
/**
 * A bad or expired token: `InvalidAuthentication` "不合法的access_token", answered as HTTP 401 or — as
 * captured answers show — HTTP 400; matched case-insensitively (`invalidAuthentication` is seen too).
 */
const NEW_API_TOKEN_CODES = new Set(['invalidauthentication', 'invalidaccesstoken', 'unauthorized', 'invalidauthentication.accesstoken']);
/**
 * `400 param.cardAlreadyExist` (createAndDeliver's error table): a card with this outTrackId exists.
 * Whether DingTalk answers it or silently ignores a reused outTrackId is unconfirmed; either way an
 * earlier attempt delivered the card, so the caller treats it as delivered.
 */
export const CARD_ALREADY_EXISTS_CODE = 'param.cardAlreadyExist';
const NEW_API_BUSY_CODES = new Set(['system.busy', 'ServiceUnavailable', 'InternalError', 'GatewayTimeout']);

/**
 * Scene-group refusals (War Room), in plain words. Codes from the error tables of the official
 * pages create-a-scene-group ("群模板不存在或者已下线", "不存在的员工 … 请确认群主的userid是否正确",
 * "群成员数量超出限制", "企业未在模板灰度名单内", "群主不在应用可见性内") and api-addscenegroupmember.
 * Every one is permanent: the docs give no retry advice except for `500 system.error`, which the
 * HTTP status already makes a retry.
 */
const SCENE_GROUP_REASONS: Readonly<Record<string, string>> = {
  'groupTemplate.notFound': 'the scene-group template id is wrong, or the template is not reviewed and published (or was taken offline)',
  'member.notFound': 'a userid is not an employee of the org (the owner\'s or a member\'s)',
  'member.exceed': 'the group would pass its member limit (1000 members)',
  'permession.checkFailed': "permission check failed: typically the group owner is outside the app's visible range",
  'groupTemplate.permessionDenied.orgNotInGrayList': "the org is not on the scene-group template's gray list (DingTalk has not enabled the template for it)",
  'groupTemplate.permessionDenied.appNotInstalled': 'the app is not installed in the org the template belongs to',
  'groupTemplate.permessionDenied.orgNotConsistent': "an internal app's template cannot be used in another org",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The per-egress-IP ban (10,000 requests / 20 s → 5 minutes) answers with
 * `{"status":1111,"wait":5,"punish":"deny",…}` instead of a DingTalk error (call-frequency-limit).
 */
function ipBan(body: unknown): DingTalkClassification | undefined {
  if (!isRecord(body) || body.punish !== 'deny') return undefined;
  const waitMinutes = typeof body.wait === 'number' && body.wait > 0 ? body.wait : 5;
  return {
    kind: 'throttled',
    code: typeof body.status === 'number' ? body.status : 'punish:deny',
    reason: `the gateway banned this egress IP for ${waitMinutes} min (more than 10,000 requests in 20 s)`,
    retryAfterMs: waitMinutes * 60_000,
  };
}

function classifyOapiCode(errcode: number, message: string): DingTalkClassification {
  const said = `errcode ${errcode}${message ? ` "${message}"` : ''}`;
  if (errcode === 0) return { kind: 'ok', code: 0, reason: 'errcode 0' };
  if (OAPI_THROTTLE_CODES.has(errcode)) return { kind: 'throttled', code: errcode, reason: `${said}: QPS limit, retry after ≥ 1 s`, retryAfterMs: THROTTLE_RETRY_AFTER_MS };
  if (OAPI_QUOTA_CODES.has(errcode)) return { kind: 'quota', code: errcode, reason: `${said}: the org's monthly API quota is used up; retrying cannot help` };
  if (OAPI_TOKEN_CODES.has(errcode)) return { kind: 'token', code: errcode, reason: `${said}: the access token was rejected` };
  if (OAPI_BUSY_CODES.has(errcode)) return { kind: 'retry', code: errcode, reason: `${said}: DingTalk is busy, retry later`, retryAfterMs: BUSY_RETRY_AFTER_MS };
  return { kind: 'permanent', code: errcode, reason: `${said}: the request was refused` };
}

/** oapi family: trust the body, never the HTTP 200 (dingtalk.md §8.6). */
export function classifyOapiAnswer(httpStatus: number, body: unknown): DingTalkClassification {
  const banned = ipBan(body);
  if (banned) return banned;
  if (httpStatus === 429) return { kind: 'retry', code: 429, reason: 'HTTP 429 from the gateway, retry later', retryAfterMs: THROTTLE_RETRY_AFTER_MS };
  if (httpStatus >= 500) {
    const errcode = isRecord(body) && typeof body.errcode === 'number' ? ` (errcode ${body.errcode})` : '';
    return { kind: 'retry', code: httpStatus, reason: `HTTP ${httpStatus}${errcode}: server-side failure, retry later`, retryAfterMs: BUSY_RETRY_AFTER_MS };
  }
  if (!isRecord(body)) {
    return httpStatus === 200
      ? { kind: 'retry', code: httpStatus, reason: 'HTTP 200 whose body is not a JSON object (a proxy or ban page?); not a success', retryAfterMs: BUSY_RETRY_AFTER_MS }
      : { kind: 'permanent', code: httpStatus, reason: `HTTP ${httpStatus} without a DingTalk error body` };
  }
  const errcode = typeof body.errcode === 'number' ? body.errcode : typeof body.errcode === 'string' && /^-?\d+$/.test(body.errcode) ? Number(body.errcode) : undefined;
  if (errcode === undefined) {
    return httpStatus === 200
      ? { kind: 'permanent', code: httpStatus, reason: 'HTTP 200 without an errcode: not a DingTalk oapi answer, so not a success' }
      : { kind: 'permanent', code: httpStatus, reason: `HTTP ${httpStatus} without an errcode` };
  }
  const errmsg = typeof body.errmsg === 'string' ? body.errmsg : '';
  if (errcode === OAPI_LOOK_AT_SUB_CODE) {
    const subCode = body.sub_code ?? body.subCode;
    const subMsg = typeof body.sub_msg === 'string' ? body.sub_msg : typeof body.subMsg === 'string' ? body.subMsg : '';
    const numeric = typeof subCode === 'number' ? subCode : typeof subCode === 'string' && /^-?\d+$/.test(subCode) ? Number(subCode) : undefined;
    if (numeric === undefined) return { kind: 'permanent', code: 88, reason: `errcode 88 (authentication error) without a usable sub_code${subMsg ? `: "${subMsg}"` : ''}` };
    const inner = classifyOapiCode(numeric, subMsg);
    // Whether QPS errors also arrive as 88 + sub_code 90018 is unconfirmed (research App. B); handle both.
    return { ...inner, reason: `errcode 88 with sub_code ${numeric}: ${inner.reason}` };
  }
  if (errcode !== 0 && httpStatus !== 200) {
    const inner = classifyOapiCode(errcode, errmsg);
    return { ...inner, reason: `HTTP ${httpStatus}, ${inner.reason}` };
  }
  return classifyOapiCode(errcode, errmsg);
}

/** api.dingtalk.com family: HTTP status plus `code` (dingtalk.md §5.2). */
export function classifyNewApiAnswer(httpStatus: number, body: unknown): DingTalkClassification {
  const banned = ipBan(body);
  if (banned) return banned;
  const code = isRecord(body) && typeof body.code === 'string' ? body.code : undefined;
  const message = isRecord(body) && typeof body.message === 'string' ? body.message : '';
  const said = `HTTP ${httpStatus}${code ? ` ${code}` : ''}${message ? ` "${message}"` : ''}`;
  if (httpStatus >= 200 && httpStatus < 300) {
    if (!isRecord(body)) return { kind: 'permanent', code: httpStatus, reason: `HTTP ${httpStatus} whose body is not a JSON object` };
    // Never trust HTTP 200: an error code or success:false in the body wins.
    if (code !== undefined && body.success !== true) return classifyNewApiError(400, code, `HTTP ${httpStatus} with error code ${code}${message ? ` "${message}"` : ''}`);
    if (body.success === false) return { kind: 'permanent', code: httpStatus, reason: `HTTP ${httpStatus} with success:false${message ? ` "${message}"` : ''}` };
    return { kind: 'ok', code: httpStatus, reason: `HTTP ${httpStatus}` };
  }
  if (code !== undefined) return classifyNewApiError(httpStatus, code, said);
  if (httpStatus === 401) return { kind: 'token', code: 401, reason: `${said}: the access token was rejected` };
  if (httpStatus === 429 || httpStatus >= 500) return { kind: 'retry', code: httpStatus, reason: `${said}: retry later`, retryAfterMs: httpStatus === 429 ? THROTTLE_RETRY_AFTER_MS : BUSY_RETRY_AFTER_MS };
  return { kind: 'permanent', code: httpStatus, reason: `${said}: the request was refused` };
}

function classifyNewApiError(httpStatus: number, code: string, said: string): DingTalkClassification {
  if (NEW_API_THROTTLE_PREFIXES.some((prefix) => code.startsWith(prefix)) || NEW_API_THROTTLE_CODES.has(code)) {
    // A 403 that looks like a permission error but is a QPS throttle: retry after ≥ 1 s (§8.6).
    return { kind: 'throttled', code, reason: `${said}: QPS limit, retry after ≥ 1 s`, retryAfterMs: THROTTLE_RETRY_AFTER_MS };
  }
  if (NEW_API_QUOTA_CODES.has(code)) return { kind: 'quota', code, reason: `${said}: the org's monthly API quota is used up; retrying cannot help` };
  if (httpStatus === 401 || NEW_API_TOKEN_CODES.has(code.toLowerCase())) return { kind: 'token', code, reason: `${said}: the access token was rejected` };
  if (httpStatus === 429 || httpStatus >= 500 || NEW_API_BUSY_CODES.has(code)) {
    return { kind: 'retry', code, reason: `${said}: retry later`, retryAfterMs: httpStatus === 429 ? THROTTLE_RETRY_AFTER_MS : BUSY_RETRY_AFTER_MS };
  }
  const sceneGroup = Object.hasOwn(SCENE_GROUP_REASONS, code) ? SCENE_GROUP_REASONS[code] : undefined;
  if (sceneGroup) return { kind: 'permanent', code, reason: `${said}: ${sceneGroup}` };
  return { kind: 'permanent', code, reason: `${said}: the request was refused` };
}

export interface DingTalkErrorDetails {
  /** Endpoint as `family:path`, e.g. `new:/v1.0/card/instances`. */
  readonly endpoint: string;
  readonly httpStatus?: number;
  readonly code?: string | number;
  readonly requestId?: string;
  readonly retryAfterMs?: number;
  /**
   * False when DingTalk never answered (timeout, connection reset): the call may or may not have
   * been executed and metered. True when it answered, or when the call was never sent.
   */
  readonly answered: boolean;
}

/** Base of every DingTalk failure; `kind` says what the caller should do about it. */
export class DingTalkApiError extends Error {
  readonly kind: Exclude<DingTalkOutcomeKind, 'ok'>;
  readonly endpoint: string;
  readonly httpStatus?: number;
  readonly code?: string | number;
  readonly requestId?: string;
  readonly retryAfterMs?: number;
  readonly answered: boolean;

  constructor(kind: Exclude<DingTalkOutcomeKind, 'ok'>, reason: string, details: DingTalkErrorDetails) {
    super(`${details.endpoint}: ${reason}`);
    this.name = 'DingTalkApiError';
    this.kind = kind;
    this.endpoint = details.endpoint;
    this.httpStatus = details.httpStatus;
    this.code = details.code;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
    this.answered = details.answered;
  }
}

/** Transient: 5xx, system.busy, -1, 429, timeouts. Retry later. */
export class DingTalkRetryableError extends DingTalkApiError {
  constructor(reason: string, details: DingTalkErrorDetails) {
    super('retry', reason, details);
    this.name = 'DingTalkRetryableError';
  }
}

/** QPS throttle (403 QpsLimit*, 90018, 90002): rejected at the gateway, safe to retry after ≥ 1 s. */
export class DingTalkThrottledError extends DingTalkApiError {
  constructor(reason: string, details: DingTalkErrorDetails) {
    super('throttled', reason, { ...details, retryAfterMs: details.retryAfterMs ?? THROTTLE_RETRY_AFTER_MS });
    this.name = 'DingTalkThrottledError';
  }
}

/** The access token was rejected (401, 40014, 42001): refresh it and try once more. */
export class DingTalkTokenError extends DingTalkApiError {
  constructor(reason: string, details: DingTalkErrorDetails) {
    super('token', reason, details);
    this.name = 'DingTalkTokenError';
  }
}

/** Monthly org quota used up (90020, ApiCountLimitForOrg): never retry, alert instead. */
export class DingTalkQuotaExhaustedError extends DingTalkApiError {
  constructor(reason: string, details: DingTalkErrorDetails) {
    super('quota', reason, details);
    this.name = 'DingTalkQuotaExhaustedError';
  }
}

/** The request itself is wrong or not allowed: retrying the same request cannot succeed. */
export class DingTalkPermanentError extends DingTalkApiError {
  constructor(reason: string, details: DingTalkErrorDetails) {
    super('permanent', reason, details);
    this.name = 'DingTalkPermanentError';
  }
}

/** The typed error for a non-ok classification. */
export function dingTalkErrorFor(classification: DingTalkClassification, details: Omit<DingTalkErrorDetails, 'code' | 'retryAfterMs'>): DingTalkApiError {
  const full: DingTalkErrorDetails = { ...details, code: classification.code, retryAfterMs: classification.retryAfterMs };
  switch (classification.kind) {
    case 'retry':
      return new DingTalkRetryableError(classification.reason, full);
    case 'throttled':
      return new DingTalkThrottledError(classification.reason, full);
    case 'token':
      return new DingTalkTokenError(classification.reason, full);
    case 'quota':
      return new DingTalkQuotaExhaustedError(classification.reason, full);
    case 'permanent':
      return new DingTalkPermanentError(classification.reason, full);
    case 'ok':
      throw new TypeError('an ok answer has no error');
  }
}
