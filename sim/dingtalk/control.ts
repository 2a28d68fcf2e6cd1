/**
 * Test/view API under `/_sim/dingtalk/`:
 *   PUT  /_sim/dingtalk/apps/{clientId}          register or replace an app (DingTalkAppInput)
 *   GET  /_sim/dingtalk/apps/{clientId}/usage    {corpId, month, metered, quota, byEndpoint, free}
 *   POST /_sim/dingtalk/robots                   custom group robot {accessToken, secret, openConversationId}
 *   POST /_sim/dingtalk/events                   push an event {clientId, eventType, ...fields, wait?}
 *   GET  /_sim/dingtalk/events/{eventId}         progress of a pushed event
 *   POST /_sim/dingtalk/login-code               {clientId, userId} → {code, expiresAt}
 *   GET  /_sim/dingtalk/cards/{outTrackId}       card state (public + private data, spaces)
 *   GET  /_sim/dingtalk/groups/{openConversationId}
 *   PUT  /_sim/dingtalk/scene-group-templates/{templateId}  {corpId, robotCode, published?} (published: false = not reviewed/published)
 *   GET  /_sim/dingtalk/scene-groups?orgId=      scene groups of an org (War Room)
 *   GET|PUT /_sim/dingtalk/switches             readings of unconfirmed platform behaviour (switches.ts)
 * and, answered by h5.ts (in-client login-free): GET /_sim/dingtalk/dingtalk.open.js,
 * GET /_sim/dingtalk/client?user=&url=, POST /_sim/dingtalk/h5/auth-code.
 */
import { z } from 'zod';
import { SimContext, SimRequest, SimResponse } from '../core/contract';
import { DingTalkControlError } from './errors';
import { AppState } from './model';
import { isRecord, parseJson } from './util';

export interface ControlRoutes {
  putApp(clientId: string, body: unknown, ctx: SimContext): unknown;
  usage(clientId: string, ctx: SimContext): unknown;
  createRobot(body: unknown, ctx: SimContext): unknown;
  sendEvent(body: unknown, ctx: SimContext): Promise<unknown>;
  eventReport(eventId: string): unknown;
  loginCode(body: unknown, ctx: SimContext): unknown;
  card(outTrackId: string): unknown;
  group(openConversationId: string): unknown;
  putSceneGroupTemplate(templateId: string, body: unknown): unknown;
  sceneGroups(orgId: string | undefined): unknown;
  /** GET: the current readings; PUT: change some (body given). */
  switches(body: Record<string, unknown> | undefined): unknown;
}

export function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
}

export function requireApp(apps: Map<string, AppState>, clientId: string): AppState {
  const app = apps.get(clientId);
  if (!app) throw new DingTalkControlError(404, `no DingTalk app ${clientId}; PUT /_sim/dingtalk/apps/${clientId} first`);
  return app;
}

const PREFIX = '/_sim/dingtalk/';

export async function routeControl(req: SimRequest, ctx: SimContext, routes: ControlRoutes): Promise<SimResponse | undefined> {
  if (!req.path.startsWith(PREFIX)) return undefined;
  const parts = req.path.slice(PREFIX.length).split('/').map(decodeURIComponent);
  const parsed = parseJson(req.body);
  const body = req.body.length === 0 ? {} : parsed.ok ? parsed.value : undefined;
  try {
    const needBody = () => {
      if (!isRecord(body)) throw new DingTalkControlError(400, 'body must be a JSON object');
      return body;
    };
    const [head, id, tail] = parts;
    let result: unknown;
    if (head === 'apps' && id && tail === undefined && req.method === 'PUT') result = routes.putApp(id, needBody(), ctx);
    else if (head === 'apps' && id && tail === 'usage' && parts.length === 3 && req.method === 'GET') result = routes.usage(id, ctx);
    else if (head === 'robots' && id === undefined && req.method === 'POST') result = routes.createRobot(needBody(), ctx);
    else if (head === 'events' && id === undefined && req.method === 'POST') result = await routes.sendEvent(needBody(), ctx);
    else if (head === 'events' && id && tail === undefined && req.method === 'GET') result = routes.eventReport(id);
    else if (head === 'login-code' && id === undefined && req.method === 'POST') result = routes.loginCode(needBody(), ctx);
    else if (head === 'cards' && id && tail === undefined && req.method === 'GET') result = routes.card(id);
    else if (head === 'groups' && id && tail === undefined && req.method === 'GET') result = routes.group(id);
    else if (head === 'scene-group-templates' && id && tail === undefined && req.method === 'PUT') result = routes.putSceneGroupTemplate(id, needBody());
    else if (head === 'scene-groups' && id === undefined && req.method === 'GET') result = routes.sceneGroups(req.query.get('orgId') ?? undefined);
    else if (head === 'switches' && id === undefined && req.method === 'GET') result = routes.switches(undefined);
    else if (head === 'switches' && id === undefined && req.method === 'PUT') result = routes.switches(needBody());
    else return { status: 404, body: { error: `no DingTalk control route ${req.method} ${req.path}` } };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: result };
  } catch (error) {
    if (error instanceof DingTalkControlError) {
      ctx.log(`dingtalk control ${req.method} ${req.path}: ${error.message}`);
      return { status: error.status, headers: { 'content-type': 'application/json' }, body: { error: error.message, ...(error.issues ? { issues: error.issues } : {}) } };
    }
    throw error;
  }
}
