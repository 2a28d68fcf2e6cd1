/**
 * DingTalk in-client H5 login-free (免登, research §4.6): the page loads the jsapi, calls
 * `dd.requestAuthCode({corpId, clientId})` (or the older `dd.runtime.permission.requestAuthCode
 * ({corpId})`) and gets `{code}`, valid 5 minutes and single use, which its back end exchanges at
 * topapi/v2/user/getuserinfo. Simulated:
 *   GET  /_sim/dingtalk/dingtalk.open.js    a stand-in jsapi defining window.dd
 *   GET  /_sim/dingtalk/client?user=&url=   "open the page inside the DingTalk client as <user>":
 *                                           cookie sim_dingtalk_user, then 302 to the page
 *   POST /_sim/dingtalk/h5/auth-code        {corpId, clientId?, userId?} → {code, expiresAt};
 *                                           the user is `userId` or the cookie; CORS for the page
 * Like the real client, a corpId that is not the app's org fails, and outside the client
 * (no cookie) requestAuthCode fails.
 */
import { SimContext, SimRequest, SimResponse } from '../core/contract';
import { openInClient, parseCookies } from '../core/sign-in';
import { LOGIN_CODE_TTL_MS } from './oapi';
import { DingTalkState } from './state';
import { AppState } from './model';
import { isRecord, newHexId, parseJson } from './util';

/** Who is signed in to the simulated DingTalk client. */
export const DINGTALK_CLIENT_COOKIE = 'sim_dingtalk_user';

const PREFIX = '/_sim/dingtalk/';

/** Front-end failure as the jsapi reports it to `fail` / `onFail`. */
interface AuthCodeFailure {
  readonly status: number;
  readonly errorCode: string;
  readonly errorMessage: string;
}

function corsHeaders(req: SimRequest): Record<string, string> {
  const origin = req.headers.origin;
  return origin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' } : {};
}

export function isH5Path(path: string): boolean {
  return path === `${PREFIX}dingtalk.open.js` || path === `${PREFIX}client` || path.startsWith(`${PREFIX}h5/`);
}

/** Mints a code for `userId` in the org `corpId` (and app `clientId` when given), or says why not. */
export function mintAuthCode(
  state: DingTalkState,
  ctx: SimContext,
  input: { corpId?: unknown; clientId?: unknown; userId?: unknown },
): { code: string; expiresAt: number } | AuthCodeFailure {
  const fail = (status: number, errorCode: string, errorMessage: string): AuthCodeFailure => ({ status, errorCode, errorMessage });
  if (typeof input.userId !== 'string' || input.userId === '') return fail(403, '7', 'not in DingTalk client');
  if (typeof input.corpId !== 'string' || input.corpId === '') return fail(400, '3', 'corpId is required');
  let app: AppState | undefined;
  if (input.clientId !== undefined) {
    if (typeof input.clientId !== 'string') return fail(400, '3', 'clientId must be a string');
    app = state.apps.get(input.clientId);
    if (!app) return fail(400, '3', `no app with clientId ${input.clientId}`);
    if (app.config.corpId !== input.corpId) return fail(400, '3', `corpId ${input.corpId} is not the org of app ${input.clientId} (${app.config.corpId})`);
  } else {
    app = state.appsOfCorp(input.corpId)[0];
    if (!app) return fail(400, '3', `corpId ${input.corpId} is not an org with a simulated app`);
  }
  if (!state.findUser(app, ctx, input.userId)) return fail(403, '7', `${input.userId} is not a member of org ${app.config.corpId}`);
  const code = newHexId();
  const expiresAt = ctx.clock.now() + LOGIN_CODE_TTL_MS;
  state.loginCodes.set(code, {
    ...(input.clientId !== undefined ? { clientId: app.config.clientId } : {}),
    corpId: app.config.corpId,
    userId: input.userId,
    expiresAt,
    used: false,
  });
  return { code, expiresAt };
}

export function handleH5(req: SimRequest, ctx: SimContext, state: DingTalkState): SimResponse | undefined {
  if (req.path === `${PREFIX}dingtalk.open.js` && req.method === 'GET') {
    const base = `http://${req.headers.host ?? '127.0.0.1'}`;
    return { status: 200, headers: { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'no-store' }, body: jsapiScript(base) };
  }
  if (req.path === `${PREFIX}client` && req.method === 'GET') {
    return openInClient(DINGTALK_CLIENT_COOKIE, req.query, (userId) => [...state.apps.values()].some((app) => state.findUser(app, ctx, userId) !== undefined));
  }
  if (req.path === `${PREFIX}h5/auth-code`) {
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') {
      return { status: 204, headers: { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' }, body: '' };
    }
    if (req.method !== 'POST') return { status: 405, headers: { ...cors, allow: 'POST, OPTIONS' }, body: { errorCode: '3', errorMessage: 'use POST' } };
    const parsed = parseJson(req.body.length === 0 ? '{}' : req.body);
    if (!parsed.ok || !isRecord(parsed.value)) return { status: 400, headers: cors, body: { errorCode: '3', errorMessage: 'body must be a JSON object' } };
    const body = parsed.value;
    const userId = body.userId ?? parseCookies(req.headers.cookie).get(DINGTALK_CLIENT_COOKIE);
    const outcome = mintAuthCode(state, ctx, { corpId: body.corpId, clientId: body.clientId, userId });
    if ('errorCode' in outcome) {
      ctx.log(`dingtalk requestAuthCode: ${outcome.errorMessage}`);
      return { status: outcome.status, headers: cors, body: { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage } };
    }
    return { status: 200, headers: cors, body: outcome };
  }
  return undefined;
}

/** The stand-in jsapi: the calls dutybridge's linking page makes, over the simulator's auth-code route. */
export function jsapiScript(simBase: string): string {
  return `/* dutybridge simulator: stand-in for DingTalk's dingtalk.open.js (local use only) */
(function () {
  var SIM = ${JSON.stringify(simBase)};
  function mint(params, ok, fail) {
    var body = { corpId: params && params.corpId };
    if (params && params.clientId !== undefined) body.clientId = params.clientId;
    return fetch(SIM + '/_sim/dingtalk/h5/auth-code', {
      method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (response.ok && answer.code) { ok({ code: answer.code }); return { code: answer.code }; }
        var error = { errorCode: answer.errorCode, errorMessage: answer.errorMessage || ('HTTP ' + response.status) };
        fail(error); throw error;
      });
    }, function (e) { var error = { errorMessage: String(e) }; fail(error); throw error; });
  }
  function noop() {}
  var dd = {
    version: 'simulator',
    env: { platform: 'android' },
    ready: function (cb) { setTimeout(cb, 0); },
    error: function (cb) { dd._onError = cb; },
    requestAuthCode: function (params) {
      params = params || {};
      var done = params.complete || noop;
      var p = mint(params, function (r) { (params.success || noop)(r); done(r); }, function (e) { (params.fail || noop)(e); done(e); });
      p.catch(noop);
      return p;
    },
    runtime: { permission: { requestAuthCode: function (params) {
      params = params || {};
      var p = mint({ corpId: params.corpId }, params.onSuccess || noop, params.onFail || noop);
      p.catch(noop);
      return p;
    } } }
  };
  window.dd = dd;
})();
`;
}
