/**
 * DingTalk browser OAuth, outside the client (research §4.6, obtain-user-token,
 * dingtalk-retrieve-user-information):
 *   GET  /oauth2/auth?redirect_uri&response_type=code&client_id&scope=openid%20corpid&state&prompt=consent
 *        (login.dingtalk.com; point the "login base" at the simulator) → a "sign in as" picker, or
 *        at once when the cookie sim_dingtalk_user names a member → 302 redirect_uri?code=C&authCode=C&state=S
 *   POST /v1.0/oauth2/userAccessToken {clientId, clientSecret, code, grantType: authorization_code}
 *        (or grantType refresh_token with refreshToken) → {accessToken, refreshToken, expireIn: 7200, corpId}
 *   GET  /v1.0/contact/users/me with header x-acs-dingtalk-access-token: <user token>
 *        → {nick, avatarUrl, mobile, openId, unionId, email, stateCode}
 * Codes live 5 minutes and are single use; refresh tokens 30 days. `mobile` and `email` need
 * their own permission: absent when the switch contactsReadable is off for the app.
 */
import { createHash } from 'node:crypto';
import { SimContext, SimRequest, SimResponse } from '../core/contract';
import { htmlPage, parseCookies } from '../core/sign-in';
import { splitMobile } from './contacts';
import { newApiRejection } from './errors';
import { DINGTALK_CLIENT_COOKIE } from './h5';
import { AppState } from './model';
import { EndpointDefinition } from './pipeline';
import { ACCESS_TOKEN_TTL_MS, DingTalkState } from './state';
import { isRecord, newHexId, queryRecord } from './util';

export const USER_AUTH_CODE_TTL_MS = 5 * 60_000;
export const USER_REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600_000;

export function isUserOAuthPage(path: string): boolean {
  return path === '/oauth2/auth';
}

class AuthPageError extends Error {
  override readonly name = 'AuthPageError';
}

/** `GET /oauth2/auth`: what login.dingtalk.com shows (or skips, when already signed in). */
export function handleAuthPage(req: SimRequest, ctx: SimContext, state: DingTalkState): SimResponse {
  const q = req.query;
  const record = (status: number, responseBody: unknown, reason?: string) =>
    ctx.record({ platform: 'dingtalk', endpoint: 'oauth2/auth', method: req.method, path: req.path, query: queryRecord(q), requestBody: undefined, status, resultCode: status < 400 ? 'ok' : status, responseBody, reason, metered: false });
  try {
    if (req.method !== 'GET') throw new AuthPageError('use GET');
    const app = state.apps.get(q.get('client_id') ?? '');
    if (!app) throw new AuthPageError(`client_id "${q.get('client_id') ?? ''}" is not a registered app`);
    const redirect = q.get('redirect_uri');
    let target: URL;
    try {
      target = new URL(redirect ?? '');
    } catch {
      throw new AuthPageError('redirect_uri must be an absolute URL');
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new AuthPageError('redirect_uri must be an http(s) URL');
    if (q.get('response_type') !== 'code') throw new AuthPageError('response_type must be code');
    const scopes = (q.get('scope') ?? '').split(/[ +]/).filter(Boolean);
    if (!scopes.includes('openid')) throw new AuthPageError('scope must contain openid (e.g. "openid corpid")');
    const prompt = q.get('prompt');
    if (prompt !== null && prompt !== 'consent' && prompt !== 'none') throw new AuthPageError('prompt must be consent');

    const inClient = parseCookies(req.headers.cookie).get(DINGTALK_CLIENT_COOKIE);
    const chosen = q.get('sim_userid') ?? (inClient && state.findUser(app, ctx, inClient) ? inClient : null);
    if (!chosen) {
      const choices = state.usersOf(app, ctx).map((user) => {
        const next = new URLSearchParams(q);
        next.set('sim_userid', user.userId);
        return { label: `${user.name} (${user.userId})`, href: `/oauth2/auth?${next.toString()}` };
      });
      record(200, 'picker');
      return htmlPage(200, 'Simulated DingTalk login: sign in as', choices);
    }
    const user = state.findUser(app, ctx, chosen);
    if (!user) throw new AuthPageError(`${chosen} is not a member of org ${app.config.corpId}`);
    const code = newHexId();
    state.userAuthCodes.set(code, { clientId: app.config.clientId, userId: user.userId, expiresAt: ctx.clock.now() + USER_AUTH_CODE_TTL_MS, used: false });
    target.searchParams.set('code', code);
    target.searchParams.set('authCode', code);
    const st = q.get('state');
    if (st !== null) target.searchParams.set('state', st);
    record(302, { location: target.toString() });
    return { status: 302, headers: { location: target.toString(), 'cache-control': 'no-store' }, body: '' };
  } catch (error) {
    if (!(error instanceof AuthPageError)) throw error;
    ctx.log(`dingtalk oauth2/auth: ${error.message}`);
    record(400, error.message, error.message);
    return htmlPage(400, 'DingTalk login error', error.message);
  }
}

function issueUserTokens(state: DingTalkState, app: AppState, userId: string, now: number) {
  const accessToken = newHexId();
  const refreshToken = newHexId();
  state.userTokens.set(accessToken, { clientId: app.config.clientId, userId, expiresAt: now + ACCESS_TOKEN_TTL_MS });
  state.userRefreshTokens.set(refreshToken, { clientId: app.config.clientId, userId, expiresAt: now + USER_REFRESH_TOKEN_TTL_MS });
  return { accessToken, refreshToken, expireIn: ACCESS_TOKEN_TTL_MS / 1000, corpId: app.config.corpId };
}

/** A stable per-app id of a user (DingTalk's openId differs per app). */
function openIdOf(app: AppState, userId: string): string {
  return createHash('sha256').update(`${app.config.clientId}\u0000${userId}`).digest('hex').slice(0, 28);
}

export function userOAuthEndpoints(state: DingTalkState): EndpointDefinition[] {
  const userAccessToken: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/oauth2/userAccessToken',
    endpoint: 'oauth2/userAccessToken',
    metered: false, // token APIs are free
    authenticate: (parsed, registry) => {
      const body = parsed.ok && isRecord(parsed.value) ? parsed.value : {};
      const app = typeof body.clientId === 'string' ? registry.apps.get(body.clientId) : undefined;
      if (!app || body.clientSecret !== app.config.clientSecret) {
        throw newApiRejection(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret', app ? 'clientSecret does not match the app' : 'clientId is not a registered app');
      }
      return app;
    },
    run: (call) => {
      const body = isRecord(call.body) ? call.body : {};
      // sim codes below: the docs name no codes for a bad grant.
      if (body.grantType === 'refresh_token') {
        const refresh = typeof body.refreshToken === 'string' ? state.userRefreshTokens.get(body.refreshToken) : undefined;
        if (!refresh || refresh.clientId !== call.app.config.clientId || refresh.expiresAt <= call.now) {
          throw newApiRejection(400, 'invalidParameter.refreshToken', '不合法的refreshToken', 'refreshToken unknown, of another app, or older than 30 days');
        }
        state.userRefreshTokens.delete(body.refreshToken as string);
        return issueUserTokens(state, call.app, refresh.userId, call.now);
      }
      if (body.grantType !== 'authorization_code') {
        throw newApiRejection(400, 'invalidParameter.grantType', 'grantType不合法', `grantType must be authorization_code or refresh_token, got ${JSON.stringify(body.grantType)}`);
      }
      if (typeof body.code !== 'string' || body.code === '') throw newApiRejection(400, 'Missingcode', 'code is mandatory for this action.', 'code missing');
      const grant = state.userAuthCodes.get(body.code);
      const invalid = (why: string) => newApiRejection(400, 'invalidParameter.authCode', '不合法的临时授权码', why);
      if (!grant) throw invalid('code was never issued');
      if (grant.used) throw invalid('code was already used once (single use)');
      if (grant.expiresAt <= call.now) throw invalid(`code expired ${call.now - grant.expiresAt} ms ago (5-minute lifetime)`);
      if (grant.clientId !== call.app.config.clientId) throw invalid(`code was issued for app ${grant.clientId}, not ${call.app.config.clientId}`);
      grant.used = true;
      return issueUserTokens(state, call.app, grant.userId, call.now);
    },
  };

  const usersMe: EndpointDefinition = {
    family: 'new',
    method: 'GET',
    path: '/v1.0/contact/users/me',
    endpoint: 'contact/users/me',
    metered: false,
    authenticate: (_parsed, registry, req, now) => {
      const status = registry.switches.invalidTokenStatus;
      const token = req.headers['x-acs-dingtalk-access-token'];
      const grant = token ? registry.userTokens.get(token) : undefined;
      if (!grant) throw newApiRejection(status, 'InvalidAuthentication', '不合法的access_token', token ? 'not a user access token this simulator issued' : 'missing header x-acs-dingtalk-access-token');
      if (grant.expiresAt <= now) throw newApiRejection(status, 'InvalidAuthentication', '不合法的access_token', `user access token expired ${now - grant.expiresAt} ms ago (lifetime 7200 s)`);
      const app = registry.apps.get(grant.clientId);
      if (!app) throw newApiRejection(status, 'InvalidAuthentication', '不合法的access_token', `token belongs to unknown app ${grant.clientId}`);
      return app;
    },
    run: (call) => {
      const grant = state.userTokens.get(call.req.headers['x-acs-dingtalk-access-token'] ?? '');
      const user = grant ? state.findUser(call.app, call.ctx, grant.userId) : undefined;
      if (!grant || !user) throw newApiRejection(400, 'user.notFound', '用户不存在', `user ${grant?.userId ?? '?'} is no longer in the org`); // sim code
      const readable = state.switches.contactsReadableFor(call.app.config.clientId);
      if (!readable) call.note(`mobile and email left out: app ${call.app.config.clientId} lacks the personal contacts permission (switch contactsReadable)`);
      const { stateCode, number } = splitMobile(user.mobile);
      return {
        nick: user.name,
        avatarUrl: '',
        ...(readable ? { mobile: number, email: user.email } : {}),
        openId: openIdOf(call.app, user.userId),
        unionId: user.unionId ?? '',
        stateCode,
      };
    },
  };

  return [userAccessToken, usersMe];
}
