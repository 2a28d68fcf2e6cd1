/**
 * One call through the simulated gateway, in the order DingTalk applies its checks:
 * injected fault → authentication → app×API QPS window → monthly org quota (metered APIs only)
 * → body → endpoint rules. Throttled or failed calls are not counted against the quota
 * ("因限流或网络异常导致的失败不会被统计到调用次数中", billing model). A `lost-answer` fault lets
 * the call run (and be metered) and then drops its answer.
 */
import { SimContext, SimRequest, SimResponse } from '../core/contract';
import { DingTalkRejectionError, RejectionShape, newApiRejection, oapiRejection } from './errors';
import { AppState } from './model';
import { nonConformingBodyRejection, requestModelFor } from './sdk-models';
import { DingTalkState } from './state';
import { JsonParse, newRequestId, parseJson, queryRecord, sleep } from './util';

export type ApiFamily = 'new' | 'oapi';

export interface ApiCall {
  readonly req: SimRequest;
  readonly ctx: SimContext;
  readonly app: AppState;
  readonly body: unknown;
  readonly now: number;
  /** Strictness notes for things DingTalk accepts but silently degrades (e.g. an @ not in the text). */
  note(message: string): void;
}

export interface EndpointDefinition {
  readonly family: ApiFamily;
  readonly method: string;
  readonly path: string;
  /** Key used by fault rules, the call log and the usage counters. */
  readonly endpoint: string;
  readonly metered: boolean;
  /**
   * Identifies the app otherwise than by its access token: from the body (`oauth2/accessToken`,
   * `oauth2/userAccessToken`) or from a user access token (`contact/users/me`).
   */
  readonly authenticate?: (body: JsonParse, state: DingTalkState, req: SimRequest, now: number) => AppState;
  run(call: ApiCall): unknown;
}

export interface PipelineOptions {
  /** How long an injected `timeout` fault holds the request before answering 504. */
  readonly faultTimeoutMs: number;
}

const QPS_MESSAGE = '您的企业应用调用钉钉开放平台当前接口的所有请求都被暂时禁用了';

/** `newStatus`: 401, or 400 as captured answers show (switch `invalidTokenStatus`). */
function tokenRejection(family: ApiFamily, reason: string, newStatus: 400 | 401, expired = false): DingTalkRejectionError {
  return family === 'new'
    ? newApiRejection(newStatus, 'InvalidAuthentication', '不合法的access_token', reason)
    : expired
      ? oapiRejection(42001, 'access_token超时', reason)
      : oapiRejection(40014, '不合法的access_token', reason);
}

function qpsRejection(family: ApiFamily, reason: string): DingTalkRejectionError {
  return family === 'new'
    ? newApiRejection(403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', QPS_MESSAGE, reason)
    : oapiRejection(90018, QPS_MESSAGE, reason);
}

function quotaRejection(family: ApiFamily, used: number, quota: number, reason: string): DingTalkRejectionError {
  const message = `您的企业本月api调用量已超过限制,调用量:${used + 1}次,额度:${quota}次,请登录开发者后台-资源管理-查看用量明细`;
  return family === 'new'
    ? newApiRejection(403, 'Forbidden.AccessDenied.ApiCountLimitForOrg', message, reason)
    : oapiRejection(90020, message, reason);
}

function authenticateByToken(family: ApiFamily, req: SimRequest, state: DingTalkState, now: number): AppState {
  const token = family === 'new' ? req.headers['x-acs-dingtalk-access-token'] : req.query.get('access_token') ?? undefined;
  const where = family === 'new' ? 'header x-acs-dingtalk-access-token' : 'query parameter access_token';
  const status = state.switches.invalidTokenStatus;
  if (!token) throw tokenRejection(family, `missing ${where}`, status);
  const grant = state.tokens.get(token);
  if (!grant) throw tokenRejection(family, `${where} is not a token this simulator issued`, status);
  if (grant.expiresAt <= now) throw tokenRejection(family, `access token expired ${now - grant.expiresAt} ms ago (lifetime 7200 s)`, status, true);
  const app = state.apps.get(grant.clientId);
  if (!app) throw tokenRejection(family, `token belongs to unknown app ${grant.clientId}`, status);
  return app;
}

function rejectionResponse(shape: RejectionShape): { response: SimResponse; resultCode: string | number } {
  if (shape.family === 'new') {
    return {
      response: { status: shape.status, headers: { 'content-type': 'application/json' }, body: { code: shape.code, message: shape.message, requestid: newRequestId() } },
      resultCode: shape.code,
    };
  }
  return {
    response: {
      status: shape.status ?? 200,
      headers: { 'content-type': 'application/json' },
      body: { errcode: shape.errcode, errmsg: shape.errmsg, request_id: newRequestId() },
    },
    resultCode: shape.errcode,
  };
}

async function applyFault(def: EndpointDefinition, ctx: SimContext, options: PipelineOptions): Promise<string | undefined> {
  const fault = ctx.faults.take('dingtalk', def.endpoint);
  if (fault === 'http500') {
    throw def.family === 'new'
      ? newApiRejection(500, 'system.busy', '系统繁忙', 'injected fault: http500')
      : oapiRejection(-1, '系统繁忙', 'injected fault: http500', 500);
  }
  if (fault === 'timeout') {
    await sleep(options.faultTimeoutMs);
    throw def.family === 'new'
      ? newApiRejection(504, 'GatewayTimeout', 'Gateway Timeout', `injected fault: timeout (held ${options.faultTimeoutMs} ms)`)
      : oapiRejection(-1, '系统繁忙', `injected fault: timeout (held ${options.faultTimeoutMs} ms)`, 504);
  }
  return fault;
}

export async function runEndpoint(
  def: EndpointDefinition,
  req: SimRequest,
  ctx: SimContext,
  state: DingTalkState,
  options: PipelineOptions,
): Promise<SimResponse> {
  // A GET carries no body (contact/users/me).
  const parsed: JsonParse = req.method === 'GET' && req.body.length === 0 ? { ok: true, value: undefined } : parseJson(req.body);
  const requestBody = parsed.ok ? parsed.value : parsed.text;
  const now = ctx.clock.now();
  const notes: string[] = [];
  let response: SimResponse;
  let resultCode: string | number;
  let reason: string | undefined;
  let metered = false;
  let fault: string | undefined;
  try {
    fault = await applyFault(def, ctx, options);
    let app: AppState;
    if (def.authenticate) {
      if (fault === 'token-invalid') throw newApiRejection(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret', 'injected fault: token-invalid');
      app = def.authenticate(parsed, state, req, now);
    } else {
      app = authenticateByToken(def.family, req, state, now);
      if (fault === 'token-invalid') throw tokenRejection(def.family, 'injected fault: token-invalid', state.switches.invalidTokenStatus);
    }
    if (fault === 'throttle') throw qpsRejection(def.family, 'injected fault: throttle');
    if (!state.takeQps(app, def.endpoint, now)) {
      throw qpsRejection(def.family, `more than ${app.config.qps} calls to ${def.endpoint} by app ${app.config.clientId} in one second`);
    }
    const used = state.meteredThisMonth(app.config.corpId, now);
    const quota = state.quotaOf(app.config.corpId);
    if (fault === 'quota') throw quotaRejection(def.family, used, quota, 'injected fault: quota');
    if (def.metered && used >= quota) {
      throw quotaRejection(def.family, used, quota, `org ${app.config.corpId} used its monthly quota of ${quota} metered calls`);
    }
    if (!parsed.ok) {
      throw def.family === 'new'
        ? newApiRejection(400, 'MissingParameter.Body', '请求体不是合法的JSON', 'request body is not valid JSON')
        : oapiRejection(40035, '缺少参数 json', 'request body is not valid JSON');
    }
    // The body must fit the endpoint's request model (SDK snapshot, sdk-models.ts): exactly what it allows.
    const model = requestModelFor(def.family, def.method, def.path);
    const misfit = model ? nonConformingBodyRejection(model, parsed.value) : undefined;
    if (misfit) throw misfit;
    const result = await def.run({ req, ctx, app, body: parsed.value, now, note: (message) => notes.push(message) });
    state.countSuccess(app, def.endpoint, def.metered, now);
    metered = def.metered;
    resultCode = def.family === 'new' ? 'ok' : 0;
    const body = def.family === 'new' ? result : { errcode: 0, errmsg: 'ok', ...(result as object), request_id: newRequestId() };
    response = { status: 200, headers: { 'content-type': 'application/json' }, body };
  } catch (error) {
    if (!(error instanceof DingTalkRejectionError)) throw error;
    ({ response, resultCode } = rejectionResponse(error.shape));
    reason = error.reason;
    ctx.log(`dingtalk ${def.endpoint}: ${error.reason}`);
  }
  for (const note of notes) ctx.log(`dingtalk ${def.endpoint}: ${note}`);
  const answerLost = fault === 'lost-answer';
  if (answerLost) {
    notes.push('injected fault: lost-answer (the call was executed; its answer is dropped)');
    ctx.log(`dingtalk ${def.endpoint}: injected fault: lost-answer`);
  }
  const allReasons = [reason, ...notes].filter((text): text is string => text !== undefined);
  ctx.record({
    platform: 'dingtalk',
    endpoint: def.endpoint,
    method: req.method,
    path: req.path,
    query: queryRecord(req.query),
    requestBody,
    status: response.status,
    resultCode,
    responseBody: response.body,
    reason: allReasons.length > 0 ? allReasons.join('; ') : undefined,
    metered,
    ...(answerLost ? { answerLost } : {}),
  });
  return answerLost ? { ...response, lost: true } : response;
}
