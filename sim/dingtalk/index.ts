/**
 * DingTalk (钉钉) half of the platform simulator: the api.dingtalk.com and oapi.dingtalk.com
 * endpoints dutybridge uses, the custom group robot webhook, HTTP-push events, card clicks and
 * login codes — each at least as strict as DingTalk, every rejection in the real error shape and
 * recorded with a plain-words reason. See control.ts for the `/_sim/dingtalk/...` API and
 * cards.ts for the card template keys.
 */
import { ClickRequest, PlatformModule, SimContext, SimRequest, SimResponse } from '../core/contract';
import { performClick, CARD_CALLBACK_DEADLINE_MS } from './click';
import { requireApp, routeControl, zodIssues } from './control';
import { DingTalkControlError } from './errors';
import {
  DINGTALK_EVENT_DEADLINE_MS,
  DINGTALK_EVENT_RETRY_DELAYS_MS,
  DingTalkEventReport,
  DingTalkEventRequest,
  buildEventPayload,
  deliverEvent,
  eventRequestSchema,
  newEventId,
  newEventReport,
} from './events';
import {
  AppState,
  CardParamMap,
  CardSpace,
  DingTalkAppInput,
  DingTalkCustomRobotInput,
  DingTalkSceneGroupTemplateInput,
  DingTalkUsage,
  appConfigSchema,
  customRobotSchema,
  sceneGroupTemplateSchema,
} from './model';
import { contactsEndpoints } from './contacts';
import { handleH5, isH5Path } from './h5';
import { newApiEndpoints } from './new-api';
import { handleAuthPage, isUserOAuthPage, userOAuthEndpoints } from './user-oauth';
import { LOGIN_CODE_TTL_MS, handleCustomRobotSend, oapiEndpoints } from './oapi';
import { EndpointDefinition, runEndpoint } from './pipeline';
import { DingTalkState } from './state';
import type { DingTalkSwitchesInput, DingTalkSwitchesSnapshot } from './switches';
import { newHexId, newRequestId, queryRecord } from './util';
import { demoDingTalkApp, demoUsers } from '../seed';

export type { DingTalkAppInput, DingTalkCustomRobotInput, DingTalkSceneGroupTemplateInput, DingTalkUsage } from './model';
export type { DingTalkEventReport, DingTalkEventRequest } from './events';
export type { DingTalkSwitchesInput, DingTalkSwitchesSnapshot } from './switches';
export { judgeSuccessAnswer } from './events';
export { DingTalkControlError, DingTalkRejectionError } from './errors';

export interface DingTalkModuleOptions {
  /** Delays before the retries of a failed event push; DingTalk: [10 000, 30 000]. */
  readonly eventRetryDelaysMs?: readonly number[];
  /** Patience per event push; DingTalk: 2500 ms. */
  readonly eventDeadlineMs?: number;
  /** Patience for a card click callback; DingTalk: 2000 ms. */
  readonly cardCallbackDeadlineMs?: number;
  /** How long an injected `timeout` fault holds a request before answering 504 (default 20 000 ms). */
  readonly faultTimeoutMs?: number;
  /** Random source for percentage switches such as batchSend flow control. */
  readonly random?: () => number;
  /**
   * eventsUrl of the demo app registered by `seedDemo()`. The local stack re-registers the app
   * with its real gateway URL through `PUT /_sim/dingtalk/apps/{clientId}`.
   */
  readonly demoEventsUrl?: string;
}

/** Group the demo app's robot is in (all demo users are members). */
export const DEMO_DINGTALK_GROUP_ID = 'cidLocalDemoOncall==';
/** Published scene-group template of the demo org and its robot (War Room), registered by `seedDemo()`. */
export const DEMO_DINGTALK_WAR_ROOM_TEMPLATE = { templateId: 'demo-war-room-template', robotCode: 'dinglocaldemowarroom' } as const;

export interface DingTalkCardSnapshot {
  readonly outTrackId: string;
  readonly clientId: string;
  readonly cardTemplateId: string;
  readonly callbackRouteKey?: string;
  readonly publicData: CardParamMap;
  readonly privateData: Record<string, CardParamMap>;
  readonly spaces: readonly CardSpace[];
}

export interface DingTalkGroupSnapshot {
  readonly openConversationId: string;
  readonly chatId: string;
  readonly corpId: string;
  readonly title: string;
  readonly ownerUserId?: string;
  readonly memberUserIds: readonly string[];
  readonly coolAppCode?: string;
  /** Scene groups: the template it was made from; its robot is the one in `robotCodes`. */
  readonly templateId?: string;
  readonly robotCodes: readonly string[];
  readonly disbanded: boolean;
}

export interface DingTalkModule extends PlatformModule {
  readonly platform: 'dingtalk';
  reset(): void;
  /** Registers the demo app from sim/seed.ts (users from demoUsers, one on-call group). */
  seedDemo(ctx?: SimContext): void;
  /** Same as `PUT /_sim/dingtalk/apps/{clientId}`; throws DingTalkControlError on invalid input. */
  registerApp(input: DingTalkAppInput): void;
  usage(clientId: string, ctx: SimContext): DingTalkUsage;
  /** Same as `POST /_sim/dingtalk/robots`. */
  createCustomRobot(input: DingTalkCustomRobotInput): void;
  /** Same as `POST /_sim/dingtalk/login-code`. */
  issueLoginCode(clientId: string, userId: string, ctx: SimContext): { code: string; expiresAt: number };
  /** Pushes an event and resolves when the outcome is final (after the retries when they fail). */
  sendEvent(request: DingTalkEventRequest, ctx: SimContext): Promise<DingTalkEventReport>;
  card(outTrackId: string): DingTalkCardSnapshot | undefined;
  group(openConversationId: string): DingTalkGroupSnapshot | undefined;
  /** Same as `PUT /_sim/dingtalk/scene-group-templates/{templateId}`; throws DingTalkControlError on invalid input. */
  registerSceneGroupTemplate(templateId: string, input: DingTalkSceneGroupTemplateInput): void;
  /** Same as `GET /_sim/dingtalk/scene-groups?orgId=`: the scene groups (War Rooms), of one org when given. */
  sceneGroups(orgId?: string): DingTalkGroupSnapshot[];
  /** Same as `PUT /_sim/dingtalk/switches`; throws DingTalkControlError on invalid input. */
  setSwitches(input: DingTalkSwitchesInput): DingTalkSwitchesSnapshot;
}

function isDingTalkApiPath(path: string): boolean {
  return path.startsWith('/v1.0/') || path.startsWith('/topapi/') || path === '/robot/send';
}

export function createDingTalkModule(options: DingTalkModuleOptions = {}): DingTalkModule {
  const state = new DingTalkState(options.random);
  const endpoints: EndpointDefinition[] = [...newApiEndpoints(state), ...oapiEndpoints(state), ...contactsEndpoints(state), ...userOAuthEndpoints(state)];
  const pipelineOptions = { faultTimeoutMs: options.faultTimeoutMs ?? 20_000 };
  const eventOptions = {
    retryDelaysMs: options.eventRetryDelaysMs ?? DINGTALK_EVENT_RETRY_DELAYS_MS,
    deadlineMs: options.eventDeadlineMs ?? DINGTALK_EVENT_DEADLINE_MS,
  };
  const cardDeadlineMs = options.cardCallbackDeadlineMs ?? CARD_CALLBACK_DEADLINE_MS;

  function registerApp(input: unknown, pathClientId?: string): AppState {
    const parsed = appConfigSchema.safeParse(isPlainObject(input) && pathClientId !== undefined && input.clientId === undefined ? { ...input, clientId: pathClientId } : input);
    if (!parsed.success) throw new DingTalkControlError(400, 'invalid DingTalk app', zodIssues(parsed.error));
    const config = parsed.data;
    if (pathClientId !== undefined && config.clientId !== pathClientId) throw new DingTalkControlError(400, `body clientId ${config.clientId} differs from the path's ${pathClientId}`);
    const userIds = new Set(config.users.map((user) => user.userId));
    if (userIds.size !== config.users.length) throw new DingTalkControlError(400, 'userIds must be unique');
    for (const group of config.groups) {
      const unknown = group.memberUserIds.filter((id) => !userIds.has(id));
      if (unknown.length > 0) throw new DingTalkControlError(400, `group ${group.openConversationId} has members outside the app's users: ${unknown.join(', ')}`);
      const owner = state.groups.get(group.openConversationId);
      if (owner && owner.corpId !== config.corpId) throw new DingTalkControlError(409, `group ${group.openConversationId} belongs to org ${owner.corpId}`);
    }
    return state.registerApp(config);
  }

  function createCustomRobot(input: unknown): { webhookPath: string } {
    const parsed = customRobotSchema.safeParse(input);
    if (!parsed.success) throw new DingTalkControlError(400, 'invalid custom robot', zodIssues(parsed.error));
    const { accessToken, secret, openConversationId } = parsed.data;
    if (!state.groups.has(openConversationId)) throw new DingTalkControlError(404, `no group ${openConversationId}; register it in an app's groups or create a scene group first`);
    state.customRobots.set(accessToken, { accessToken, secret, openConversationId, recentSends: [], blockedUntil: 0 });
    return { webhookPath: `/robot/send?access_token=${encodeURIComponent(accessToken)}` };
  }

  function issueLoginCode(clientId: string, userId: string, ctx: SimContext): { code: string; expiresAt: number } {
    const app = requireApp(state.apps, clientId);
    if (!state.findUser(app, ctx, userId)) throw new DingTalkControlError(404, `${userId} is not in org ${app.config.corpId}`);
    const code = newHexId();
    const expiresAt = ctx.clock.now() + LOGIN_CODE_TTL_MS;
    state.loginCodes.set(code, { clientId, corpId: app.config.corpId, userId, expiresAt, used: false });
    return { code, expiresAt };
  }

  /** Starts a push; resolves after the first attempt, or after the final one when `wait`. */
  function startEvent(input: unknown, ctx: SimContext, waitForAll: boolean): Promise<DingTalkEventReport> {
    const parsed = eventRequestSchema.safeParse(input);
    if (!parsed.success) throw new DingTalkControlError(400, 'invalid event request', zodIssues(parsed.error));
    const app = requireApp(state.apps, parsed.data.clientId);
    const eventId = newEventId();
    const payload = buildEventPayload(state, app, ctx, parsed.data, eventId);
    const report = newEventReport(app.config.clientId, parsed.data.eventType, payload, eventId);
    state.events.set(eventId, report);
    return new Promise((resolve, reject) => {
      const done = deliverEvent(app, ctx, report, eventOptions, waitForAll || parsed.data.wait ? undefined : () => resolve(snapshotEvent(report)));
      done.then(() => resolve(snapshotEvent(report)), reject);
    });
  }

  function cardSnapshot(outTrackId: string): DingTalkCardSnapshot | undefined {
    const card = [...state.cards.values()].find((candidate) => candidate.outTrackId === outTrackId);
    if (!card) return undefined;
    return {
      outTrackId: card.outTrackId,
      clientId: card.clientId,
      cardTemplateId: card.cardTemplateId,
      ...(card.callbackRouteKey ? { callbackRouteKey: card.callbackRouteKey } : {}),
      publicData: { ...card.publicData },
      privateData: Object.fromEntries(card.privateData),
      spaces: [...card.spaces],
    };
  }

  function groupSnapshot(openConversationId: string): DingTalkGroupSnapshot | undefined {
    const group = state.groups.get(openConversationId);
    if (!group) return undefined;
    return {
      openConversationId: group.openConversationId,
      chatId: group.chatId,
      corpId: group.corpId,
      title: group.title,
      ...(group.ownerUserId ? { ownerUserId: group.ownerUserId } : {}),
      memberUserIds: [...group.members],
      ...(group.coolApp ? { coolAppCode: group.coolApp.coolAppCode } : {}),
      ...(group.templateId ? { templateId: group.templateId } : {}),
      robotCodes: [...group.robotCodes],
      disbanded: group.disbanded,
    };
  }

  function registerSceneGroupTemplate(templateId: string, input: unknown): { templateId: string; corpId: string; published: boolean } {
    const parsed = sceneGroupTemplateSchema.safeParse(input);
    if (!parsed.success) throw new DingTalkControlError(400, 'invalid scene-group template', zodIssues(parsed.error));
    state.sceneGroupTemplates.set(templateId, { templateId, ...parsed.data });
    return { templateId, corpId: parsed.data.corpId, published: parsed.data.published };
  }

  function sceneGroups(orgId?: string): DingTalkGroupSnapshot[] {
    return [...state.groups.values()]
      .filter((group) => group.templateId !== undefined && (orgId === undefined || group.corpId === orgId))
      .map((group) => groupSnapshot(group.openConversationId) as DingTalkGroupSnapshot);
  }

  return {
    platform: 'dingtalk',

    async handle(req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined> {
      if (isUserOAuthPage(req.path)) return handleAuthPage(req, ctx, state);
      if (!isDingTalkApiPath(req.path)) return undefined;
      if (req.path === '/robot/send' && req.method === 'POST') return handleCustomRobotSend(req, ctx, state);
      const definition = endpoints.find((candidate) => candidate.path === req.path && candidate.method === req.method);
      if (definition) return runEndpoint(definition, req, ctx, state, pipelineOptions);
      return unknownEndpoint(req, ctx);
    },

    handleControl(req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined> {
      if (isH5Path(req.path)) return Promise.resolve(handleH5(req, ctx, state));
      return routeControl(req, ctx, {
        putApp: (clientId, body) => {
          const app = registerApp(body, clientId);
          return { clientId: app.config.clientId, corpId: app.config.corpId };
        },
        usage: (clientId, context) => state.usage(requireApp(state.apps, clientId), context.clock.now()),
        createRobot: (body) => createCustomRobot(body),
        sendEvent: (body, context) => startEvent(body, context, false),
        eventReport: (eventId) => {
          const report = state.events.get(eventId);
          if (!report) throw new DingTalkControlError(404, `no event ${eventId}`);
          return snapshotEvent(report);
        },
        loginCode: (body, context) => {
          const { clientId, userId } = body as { clientId?: unknown; userId?: unknown };
          if (typeof clientId !== 'string' || typeof userId !== 'string') throw new DingTalkControlError(400, 'clientId and userId (strings) are required');
          return issueLoginCode(clientId, userId, context);
        },
        card: (outTrackId) => cardSnapshot(outTrackId) ?? notFound(`no card ${outTrackId}`),
        group: (openConversationId) => groupSnapshot(openConversationId) ?? notFound(`no group ${openConversationId}`),
        putSceneGroupTemplate: (templateId, body) => registerSceneGroupTemplate(templateId, body),
        sceneGroups: (orgId) => sceneGroups(orgId),
        switches: (body) => (body === undefined ? state.switches.snapshot() : state.switches.update(body)),
      });
    },

    click(request: ClickRequest, ctx: SimContext): Promise<{ status: number; body: string }> {
      return performClick(state, request, ctx, cardDeadlineMs);
    },

    reset(): void {
      state.clear();
    },

    seedDemo(): void {
      const { apiSecret: _cardSecretIsDutybridgeSide, ...app } = demoDingTalkApp;
      registerApp({
        ...app,
        eventsUrl: options.demoEventsUrl ?? 'http://127.0.0.1:1/dingtalk/events',
        users: demoUsers,
        groups: [{ openConversationId: DEMO_DINGTALK_GROUP_ID, title: '值班群 On-call', ownerUserId: demoUsers[0]?.userId, memberUserIds: demoUsers.map((user) => user.userId) }],
      });
      registerSceneGroupTemplate(DEMO_DINGTALK_WAR_ROOM_TEMPLATE.templateId, { corpId: app.corpId, robotCode: DEMO_DINGTALK_WAR_ROOM_TEMPLATE.robotCode });
    },

    registerApp: (input) => {
      registerApp(input);
    },
    usage: (clientId, ctx) => state.usage(requireApp(state.apps, clientId), ctx.clock.now()),
    createCustomRobot: (input) => {
      createCustomRobot(input);
    },
    issueLoginCode,
    sendEvent: (request, ctx) => startEvent(request, ctx, true),
    card: cardSnapshot,
    group: groupSnapshot,
    registerSceneGroupTemplate: (templateId, input) => {
      registerSceneGroupTemplate(templateId, input);
    },
    sceneGroups,
    setSwitches: (input) => state.switches.update(input),
  };
}

function notFound(message: string): never {
  throw new DingTalkControlError(404, message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function snapshotEvent(report: { eventId: string; clientId: string; eventType: string; payload: Record<string, unknown>; attempts: readonly object[]; outcome: DingTalkEventReport['outcome'] }): DingTalkEventReport {
  return { ...report, attempts: [...report.attempts] } as DingTalkEventReport;
}

function unknownEndpoint(req: SimRequest, ctx: SimContext): SimResponse {
  const reason = `the simulator does not implement ${req.method} ${req.path}`;
  const isNew = req.path.startsWith('/v1.0/');
  const body = isNew
    ? { code: 'InvalidAction.NotFound', message: 'Specified api is not found, please check your url and method.', requestid: newRequestId() }
    : { errcode: 404, errmsg: '请求的URI地址不存在', request_id: newRequestId() };
  ctx.log(`dingtalk: ${reason}`);
  ctx.record({
    platform: 'dingtalk',
    endpoint: req.path.replace(/^\/(v1\.0\/)?/, ''),
    method: req.method,
    path: req.path,
    query: queryRecord(req.query),
    requestBody: req.body.toString('utf8'),
    status: isNew ? 404 : 200,
    resultCode: isNew ? 'InvalidAction.NotFound' : 404,
    responseBody: body,
    reason,
    metered: false,
  });
  return { status: isNew ? 404 : 200, headers: { 'content-type': 'application/json' }, body };
}
