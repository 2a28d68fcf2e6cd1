/**
 * Control API of the service-provider side (tests and the view drive it; JSON unless noted):
 *   PUT  /_sim/wecom/suites/{suiteId}                     configure an app (pushes a first suite_ticket)
 *   GET  /_sim/wecom/suites                                 the suites
 *   GET  /_sim/wecom/suites/{suiteId}                      ticket, authorizations, ids as the app sees them
 *   POST /_sim/wecom/suites/{suiteId}/ticket               push a suite_ticket now
 *   POST /_sim/wecom/suites/{suiteId}/market-install       {corpId, state?, adminUserId?} → create_auth
 *   POST /_sim/wecom/suites/{suiteId}/cancel               {corpId} → cancel_auth
 *   POST /_sim/wecom/suites/{suiteId}/change               {corpId} → change_auth
 *   POST /_sim/wecom/suites/{suiteId}/reset-secret         {corpId} → 代开发 only: new secret, reset_permanent_code
 *   POST /_sim/wecom/suites/{suiteId}/unlicensed-notify    {corpId, userId} → unlicensed_notify (data URL)
 *   POST /_sim/wecom/suites/{suiteId}/verify               {which: 'command'|'data'} → URL check
 *   PUT  /_sim/wecom/customers/{corpId}                    a customer corp (plain id)
 *   GET  /_sim/wecom/customers/{corpId}
 *   POST /_sim/wecom/customers/{corpId}/licenses           {userId, active}
 *   GET  /_sim/wecom/market                                HTML market; its forms POST install/cancel (303 back)
 */
import type { SimContext, SimRequest, SimResponse } from '../core/contract';
import type { WeComSuiteSim } from './suite';
import { marketPage } from './suite-pages';
import { SuiteConfigError, SuiteConflictError, SuiteNotFoundError } from './suite-state';

type Json = Record<string, unknown>;

const json = (status: number, body: unknown): SimResponse => ({ status, body });

function isForm(req: SimRequest): boolean {
  return (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

function parseBody(req: SimRequest): Json {
  const text = req.body.toString('utf8');
  if (isForm(req)) return Object.fromEntries(new URLSearchParams(text));
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SuiteConfigError('body must be a JSON object');
  return parsed as Json;
}

function requiredString(body: Json, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) throw new SuiteConfigError(`${field} is required`);
  return value;
}

const optionalString = (body: Json, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new SuiteConfigError(`${field} must be a string`);
  return value;
};

export async function handleSuiteControl(sim: WeComSuiteSim, req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined> {
  const { path, method } = req;
  if (!/^\/_sim\/wecom\/(suites|customers|market)(\/|$)/.test(path)) return undefined;
  try {
    if (path === '/_sim/wecom/market' && method === 'GET') {
      const notice = req.query.get('notice') ?? undefined;
      return marketPage([...sim.store.suites.values()], [...sim.store.customers.values()], sim.store.authorizations, notice);
    }
    if (path === '/_sim/wecom/suites' && method === 'GET') {
      return json(200, { suites: [...sim.store.suites.values()].map((s) => ({ suiteId: s.suiteId, providerCorpId: s.providerCorpId, developerHosted: s.developerHosted, name: s.name })) });
    }
    const suiteMatch = /^\/_sim\/wecom\/suites\/([^/]+)(?:\/([a-z-]+))?$/.exec(path);
    if (suiteMatch) return await suiteRoute(sim, req, ctx, decodeURIComponent(suiteMatch[1]!), suiteMatch[2]);
    const customerMatch = /^\/_sim\/wecom\/customers\/([^/]+)(\/licenses)?$/.exec(path);
    if (customerMatch) {
      const corpId = decodeURIComponent(customerMatch[1]!);
      if (customerMatch[2] && method === 'POST') {
        const body = parseBody(req);
        sim.setLicense(corpId, requiredString(body, 'userId'), body.active, ctx);
        return json(200, { ok: true, corpId, userId: body.userId, active: body.active });
      }
      if (!customerMatch[2] && method === 'PUT') {
        const customer = sim.configureCustomer(corpId, parseBody(req), ctx);
        return json(200, { corpId: customer.corpId });
      }
      if (!customerMatch[2] && method === 'GET') {
        const customer = sim.store.customer(corpId);
        if (!customer) return json(404, { error: `unknown customer corp ${corpId}` });
        return json(200, {
          corpId: customer.corpId,
          corpName: customer.corpName,
          historical: customer.historical,
          users: customer.users.map((u) => ({ userId: u.userId, name: u.name, licensed: u.license?.active === true })),
        });
      }
    }
    return undefined;
  } catch (error) {
    if (error instanceof SuiteConfigError || error instanceof SyntaxError) return json(400, { error: error.message });
    if (error instanceof SuiteNotFoundError) return json(404, { error: error.message });
    if (error instanceof SuiteConflictError) return json(409, { error: error.message });
    throw error;
  }
}

async function suiteRoute(sim: WeComSuiteSim, req: SimRequest, ctx: SimContext, suiteId: string, action: string | undefined): Promise<SimResponse | undefined> {
  const { method } = req;
  if (!action && method === 'PUT') {
    const { suite, ticketPush } = await sim.configureSuite(suiteId, parseBody(req), ctx);
    return json(200, { suiteId: suite.suiteId, ...(ticketPush ? { ticketPush } : {}) });
  }
  if (!action && method === 'GET') return json(200, sim.describe(suiteId, ctx));
  if (method !== 'POST' || !action) return undefined;
  const form = isForm(req);
  const body = parseBody(req);
  // The market page's forms come back to the page instead of reading JSON.
  const back = (notice: string): SimResponse => ({ status: 303, headers: { location: `/_sim/wecom/market?notice=${encodeURIComponent(notice)}` }, body: '' });
  switch (action) {
    case 'ticket':
      return json(200, await sim.pushTicket(suiteId, ctx));
    case 'market-install': {
      const adminUserId = optionalString(body, 'adminUserId');
      const state = optionalString(body, 'state');
      const { authCode, push } = await sim.marketInstall(suiteId, requiredString(body, 'corpId'), { ...(state !== undefined ? { state } : {}), ...(adminUserId ? { adminUserId } : {}) }, ctx);
      if (form) return back(`installed; create_auth ${push.ok ? 'answered success' : `problem: ${push.reason ?? 'unknown'}`}`);
      return json(200, { authCode, answer: push.answer, status: push.status, elapsedMs: push.elapsedMs, ok: push.ok, ...(push.reason ? { reason: push.reason } : {}) });
    }
    case 'cancel': {
      const push = await sim.cancel(suiteId, requiredString(body, 'corpId'), ctx);
      if (form) return back(`removed; cancel_auth ${push ? (push.ok ? 'answered success' : `problem: ${push.reason ?? 'unknown'}`) : 'not sent (no commandUrl)'}`);
      return json(200, { ok: true, ...(push ? { answer: push.answer, status: push.status, elapsedMs: push.elapsedMs, pushOk: push.ok, ...(push.reason ? { reason: push.reason } : {}) } : {}) });
    }
    case 'change': {
      const push = await sim.change(suiteId, requiredString(body, 'corpId'), ctx);
      return json(200, { answer: push.answer, status: push.status, elapsedMs: push.elapsedMs, ok: push.ok, ...(push.reason ? { reason: push.reason } : {}) });
    }
    case 'reset-secret': {
      const { authCode, push } = await sim.resetSecret(suiteId, requiredString(body, 'corpId'), ctx);
      return json(200, { authCode, answer: push.answer, status: push.status, elapsedMs: push.elapsedMs, ok: push.ok, ...(push.reason ? { reason: push.reason } : {}) });
    }
    case 'unlicensed-notify': {
      const push = await sim.unlicensedNotify(suiteId, requiredString(body, 'corpId'), requiredString(body, 'userId'), ctx);
      return json(200, { answer: push.answer, status: push.status, elapsedMs: push.elapsedMs, ok: push.ok, ...(push.reason ? { reason: push.reason } : {}) });
    }
    case 'verify': {
      const result = await sim.verify(suiteId, body.which, ctx);
      return json(200, result);
    }
    default:
      return undefined;
  }
}
