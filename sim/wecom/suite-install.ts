/**
 * The two browser steps of the service-provider side:
 * - `GET/POST /3rdapp/install` — WeCom's install page for installs started on the provider's site
 *   (DOC-90597): a valid pre_auth_code of the suite, then "Authorize" → 302 to
 *   `redirect_uri?auth_code=…&expires_in=600&state=…`. No create_auth is pushed on this path
 *   (DOC-100964). The pre_auth_code is spent by the install.
 * - `GET /connect/oauth2/authorize?appid=<suite id>` — third-party OAuth (DOC-91120): the member
 *   signed in to the simulated client (cookie, snsapi_base) or picked on a page gets a single-use
 *   5-minute code for `service/auth/getuserinfo3rd` (DOC-91121).
 */
import { randomBytes } from 'node:crypto';
import type { SimContext, SimRequest, SimResponse } from '../core/contract';
import { parseCookies } from '../core/sign-in';
import { contractViolation, installFormSchema, installPageQuerySchema } from './request-schemas';
import type { WeComSuiteSim } from './suite';
import { errorPage, installPage, oauthPickerPage } from './suite-pages';
import { SuiteConfigError, SuiteConflictError, SuiteNotFoundError, type CustomerCorp, type SuiteConfig } from './suite-state';

/** Redirect carries "expires_in=600" (DOC-90597). */
const AUTH_CODE_EXPIRES_IN_S = 600;
/** OAuth code: "5分钟未被使用自动过期" (DOC-91121). */
const OAUTH_CODE_TTL_MS = 5 * 60_000;
/** state: "a-zA-Z0-9的参数值，长度不可超过128个字节" (DOC-91120). */
const OAUTH_STATE = /^[a-zA-Z0-9]{0,128}$/;

/** A page refused with WeCom's errcode in the title; recorded like an API call. */
class InstallPageError extends Error {
  override readonly name = 'InstallPageError';
  constructor(
    readonly status: number,
    readonly errcode: number,
    message: string,
  ) {
    super(message);
  }
}

function record(ctx: SimContext, req: SimRequest, endpoint: string, status: number, resultCode: number, responseBody: unknown, reason?: string, requestBody?: unknown): void {
  ctx.record({ platform: 'wecom', endpoint, method: req.method, path: req.path, query: Object.fromEntries(req.query), requestBody, status, resultCode, responseBody, reason });
  if (reason) ctx.log(`wecom ${endpoint}: ${reason}`);
}

// ------------------------------------------------------------------------------- install page

export async function handleInstallPage(sim: WeComSuiteSim, req: SimRequest, ctx: SimContext): Promise<SimResponse> {
  const form = req.method === 'POST' ? Object.fromEntries(new URLSearchParams(req.body.toString('utf8'))) : undefined;
  try {
    if (req.method !== 'GET' && req.method !== 'POST') throw new InstallPageError(405, 40058, `${req.method} is not allowed`);
    const input = form ?? Object.fromEntries(req.query);
    const violation = contractViolation(form ? installFormSchema : installPageQuerySchema, input, form ? 'body' : 'query');
    if (violation) throw new InstallPageError(400, violation.errcode, `${violation.problems.join('; ')} (DOC-90597)`);
    const suite = sim.store.suites.get(input.suite_id!);
    if (!suite) throw new InstallPageError(400, 40083, `suite_id ${input.suite_id} does not exist`);
    const pre = sim.store.preAuthCodes.get(input.pre_auth_code!);
    if (!pre || pre.suiteId !== suite.suiteId) throw new InstallPageError(400, 40077, 'pre_auth_code unknown for this suite');
    if (pre.used) throw new InstallPageError(400, 40077, 'pre_auth_code was already used for an install');
    if (ctx.clock.now() >= pre.expiresAtMs) throw new InstallPageError(400, 42007, 'pre_auth_code expired (1200 s)');
    const redirect = checkedRedirect(input.redirect_uri!, suite.redirectDomain, 'the install-complete domain (安装完成回调域名, DOC-90595)');
    const link = { suite_id: suite.suiteId, pre_auth_code: input.pre_auth_code!, redirect_uri: input.redirect_uri!, state: input.state ?? '' };
    if (!form) {
      const customers = [...sim.store.customers.values()];
      record(ctx, req, '3rdapp/install', 200, 0, 'install page');
      return installPage(suite, link, customers, (corpId) => sim.store.activeAuthorization(suite.suiteId, corpId) !== undefined);
    }
    pre.used = true;
    const { authCode } = sim.install(suite.suiteId, input.corpid!, { state: link.state, via: 'site', authType: pre.authType }, ctx);
    redirect.searchParams.set('auth_code', authCode);
    redirect.searchParams.set('expires_in', String(AUTH_CODE_EXPIRES_IN_S));
    redirect.searchParams.set('state', link.state);
    const location = redirect.toString();
    record(ctx, req, '3rdapp/install', 302, 0, { location }, undefined, form);
    return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
  } catch (error) {
    const refused =
      error instanceof InstallPageError
        ? error
        : error instanceof SuiteConflictError
          ? new InstallPageError(409, 0, error.message)
          : error instanceof SuiteNotFoundError || error instanceof SuiteConfigError
            ? new InstallPageError(400, 40058, error.message)
            : undefined;
    if (!refused) throw error;
    record(ctx, req, '3rdapp/install', refused.status, refused.errcode || refused.status, refused.message, refused.message, form);
    return errorPage(refused.status, refused.errcode ? `errcode ${refused.errcode}` : 'Cannot authorize', refused.message);
  }
}

function checkedRedirect(value: string, domain: string | undefined, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InstallPageError(400, 40058, 'redirect_uri must be an absolute URL (urlencoded once, DOC-90597)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InstallPageError(400, 40058, 'redirect_uri must be http(s)');
  if (domain && url.host !== domain) throw new InstallPageError(400, 50001, `redirect_uri host ${url.host} is not ${what} ${domain}`);
  return url;
}

// ------------------------------------------------------------------------------- third-party OAuth

/** The member behind an id: a customer's plain userid, or an id one of the provider's apps sees. */
function findMember(sim: WeComSuiteSim, suite: SuiteConfig, userId: string, corpHint?: string): { customer: CustomerCorp; plainUserId: string } | undefined {
  const customers = [...sim.store.customers.values()].filter((c) => !corpHint || c.corpId.toLowerCase() === corpHint.toLowerCase());
  for (const customer of customers) {
    const user = customer.users.find((u) => u.userId.toLowerCase() === userId.toLowerCase());
    if (user) return { customer, plainUserId: user.userId };
  }
  for (const a of sim.store.authorizations) {
    if (a.providerCorpId.toLowerCase() !== suite.providerCorpId.toLowerCase() || !a.ids.encrypted) continue;
    const customer = sim.store.customer(a.plainCorpId);
    const plain = customer && a.ids.plainUserId(userId, customer.users.map((u) => u.userId));
    if (customer && plain) return { customer, plainUserId: plain };
  }
  return undefined;
}

/**
 * Answers `/connect/oauth2/authorize` when appid is a third-party suite id (DOC-91120); other
 * appids (corp ids, 代开发 apps, which use corp-style links) are left to WeComModule.
 */
export async function handleThirdPartyAuthorize(sim: WeComSuiteSim, req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined> {
  const q = req.query;
  const suite = sim.store.suites.get(q.get('appid') ?? '');
  if (!suite || suite.developerHosted) return undefined;
  try {
    if (q.get('response_type') !== 'code') throw new InstallPageError(400, 40058, 'response_type must be code (DOC-91120)');
    const scope = q.get('scope');
    if (scope !== 'snsapi_base' && scope !== 'snsapi_privateinfo') throw new InstallPageError(400, 40058, 'scope must be snsapi_base or snsapi_privateinfo (DOC-91120)');
    const state = q.get('state') ?? '';
    if (!OAUTH_STATE.test(state)) throw new InstallPageError(400, 40058, 'state must be a-zA-Z0-9, at most 128 bytes (DOC-91120)');
    const redirect = checkedRedirect(q.get('redirect_uri') ?? '', suite.trustedDomain, "the app's trusted domain (可信域名, DOC-91121)");
    const signedIn = parseCookies(req.headers.cookie).get(sim.clientCookie);
    const picked = q.get('sim_userid');
    // Silent for snsapi_base inside the client; snsapi_privateinfo is a manual consent (DOC-91120).
    const member = picked
      ? findMember(sim, suite, picked, q.get('sim_corpid') ?? undefined)
      : signedIn && scope === 'snsapi_base'
        ? findMember(sim, suite, signedIn)
        : undefined;
    if (picked && !member) throw new InstallPageError(400, 60111, `${picked} is not a member of a customer corp`);
    if (!member) {
      const choices = [...sim.store.customers.values()].flatMap((c) =>
        c.users.map((u) => {
          const next = new URLSearchParams(q);
          next.set('sim_corpid', c.corpId);
          next.set('sim_userid', u.userId);
          return { label: `${u.name} (${u.userId}) — ${c.corpName}`, href: `/connect/oauth2/authorize?${next.toString()}` };
        }),
      );
      record(ctx, req, 'oauth2/authorize', 200, 0, 'picker');
      return oauthPickerPage(suite, choices);
    }
    const code = randomBytes(24).toString('hex');
    sim.store.oauthCodes.set(code, {
      suiteId: suite.suiteId, plainCorpId: member.customer.corpId, plainUserId: member.plainUserId, scope, expiresAtMs: ctx.clock.now() + OAUTH_CODE_TTL_MS, used: false,
    });
    redirect.searchParams.set('code', code);
    redirect.searchParams.set('state', state);
    const location = redirect.toString();
    record(ctx, req, 'oauth2/authorize', 302, 0, { location });
    return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
  } catch (error) {
    if (!(error instanceof InstallPageError)) throw error;
    record(ctx, req, 'oauth2/authorize', error.status, error.errcode, error.message, error.message);
    return errorPage(error.status, `errcode ${error.errcode}`, error.message);
  }
}
