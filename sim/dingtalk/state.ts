import { SimContext, SimUser } from '../core/contract';
import {
  AppState,
  CardState,
  CustomRobotState,
  DingTalkAppConfig,
  DingTalkUsage,
  EventReportState,
  GroupState,
  LoginCode,
  SceneGroupTemplateState,
  OrgUsage,
  TokenGrant,
  UserAuthCode,
  UserTokenGrant,
} from './model';
import { DingTalkSwitches } from './switches';
import { chinaMonth, newHexId } from './util';

/** Access tokens live 7200 s; re-fetching inside the window returns the same token and extends it (research §4.1). */
export const ACCESS_TOKEN_TTL_MS = 7200_000;

/** All DingTalk state of one simulator instance. */
export class DingTalkState {
  readonly apps = new Map<string, AppState>();
  readonly tokens = new Map<string, TokenGrant>();
  readonly groups = new Map<string, GroupState>();
  /** Scene-group templates by templateId (control route `PUT /_sim/dingtalk/scene-group-templates/{id}`). */
  readonly sceneGroupTemplates = new Map<string, SceneGroupTemplateState>();
  /** Keyed by `cardKey(clientId, outTrackId)`. */
  readonly cards = new Map<string, CardState>();
  readonly loginCodes = new Map<string, LoginCode>();
  readonly customRobots = new Map<string, CustomRobotState>();
  readonly events = new Map<string, EventReportState>();
  /** Browser OAuth (login.dingtalk.com/oauth2/auth) codes, user access and refresh tokens (user-oauth.ts). */
  readonly userAuthCodes = new Map<string, UserAuthCode>();
  readonly userTokens = new Map<string, UserTokenGrant>();
  readonly userRefreshTokens = new Map<string, UserTokenGrant>();
  private readonly usageByCorp = new Map<string, OrgUsage>();
  private readonly qpsWindows = new Map<string, { second: number; count: number }>();
  /** Readings of unconfirmed platform behaviour (switches.ts). */
  readonly switches: DingTalkSwitches;

  constructor(random: () => number = Math.random) {
    this.switches = new DingTalkSwitches(random);
  }

  /** Forget everything (`POST /_sim/reset`). */
  clear(): void {
    for (const map of [this.apps, this.tokens, this.groups, this.sceneGroupTemplates, this.cards, this.loginCodes, this.customRobots, this.events, this.userAuthCodes, this.userTokens, this.userRefreshTokens, this.usageByCorp, this.qpsWindows]) {
      (map as Map<unknown, unknown>).clear();
    }
    this.switches.reset();
  }

  registerApp(config: DingTalkAppConfig): AppState {
    const previous = this.apps.get(config.clientId);
    const app: AppState = {
      config,
      cardRoutes: previous?.cardRoutes ?? new Map(),
      sceneGroupsByUuid: previous?.sceneGroupsByUuid ?? new Map(),
    };
    this.apps.set(config.clientId, app);
    for (const group of config.groups) {
      this.groups.set(group.openConversationId, {
        openConversationId: group.openConversationId,
        chatId: group.chatId ?? `chat${newHexId()}`,
        corpId: config.corpId,
        title: group.title,
        ownerUserId: group.ownerUserId,
        members: new Set(group.memberUserIds),
        robotCodes: new Set([config.robotCode]),
        coolApp: group.coolAppCode ? { coolAppCode: group.coolAppCode, robotCode: config.robotCode } : undefined,
        createdByApi: false,
        disbanded: false,
      });
    }
    return app;
  }

  /** App users first, then whatever the core directory knows about the org. */
  usersOf(app: AppState, ctx: SimContext): readonly SimUser[] {
    const byId = new Map<string, SimUser>();
    for (const user of ctx.users(app.config.corpId)) byId.set(user.userId, user);
    for (const user of app.config.users) byId.set(user.userId, user);
    return [...byId.values()];
  }

  findUser(app: AppState, ctx: SimContext, userId: string): SimUser | undefined {
    return this.usersOf(app, ctx).find((user) => user.userId === userId);
  }

  appsOfCorp(corpId: string): AppState[] {
    return [...this.apps.values()].filter((app) => app.config.corpId === corpId);
  }

  issueToken(clientId: string, now: number): { accessToken: string; expireIn: number } {
    for (const [accessToken, grant] of this.tokens) {
      if (grant.clientId === clientId && grant.expiresAt > now) {
        grant.expiresAt = now + ACCESS_TOKEN_TTL_MS;
        return { accessToken, expireIn: ACCESS_TOKEN_TTL_MS / 1000 };
      }
    }
    const accessToken = newHexId();
    this.tokens.set(accessToken, { clientId, expiresAt: now + ACCESS_TOKEN_TTL_MS });
    return { accessToken, expireIn: ACCESS_TOKEN_TTL_MS / 1000 };
  }

  /**
   * Counts a call in the app × API one-second window of the sim clock. Returns false when the
   * window is already full (the call is then throttled and neither counted nor metered).
   */
  takeQps(app: AppState, endpoint: string, now: number): boolean {
    const key = `${app.config.clientId}\u0000${endpoint}`;
    const second = Math.floor(now / 1000);
    const window = this.qpsWindows.get(key);
    if (!window || window.second !== second) {
      this.qpsWindows.set(key, { second, count: 1 });
      return true;
    }
    if (window.count >= app.config.qps) return false;
    window.count += 1;
    return true;
  }

  private orgUsage(corpId: string, now: number): OrgUsage {
    const month = chinaMonth(now);
    let usage = this.usageByCorp.get(corpId);
    if (!usage || usage.month !== month) {
      usage = { month, metered: 0, meteredByEndpoint: new Map(), freeByEndpoint: new Map() };
      this.usageByCorp.set(corpId, usage);
    }
    return usage;
  }

  /** The quota is org-wide: all internal apps of a corp share it (research §5.1). */
  quotaOf(corpId: string): number {
    const apps = this.appsOfCorp(corpId);
    return apps.length === 0 ? 0 : Math.min(...apps.map((app) => app.config.monthlyQuota));
  }

  meteredThisMonth(corpId: string, now: number): number {
    return this.orgUsage(corpId, now).metered;
  }

  countSuccess(app: AppState, endpoint: string, metered: boolean, now: number): void {
    const usage = this.orgUsage(app.config.corpId, now);
    const counters = metered ? usage.meteredByEndpoint : usage.freeByEndpoint;
    counters.set(endpoint, (counters.get(endpoint) ?? 0) + 1);
    if (metered) usage.metered += 1;
  }

  usage(app: AppState, now: number): DingTalkUsage {
    const usage = this.orgUsage(app.config.corpId, now);
    return {
      corpId: app.config.corpId,
      month: usage.month,
      metered: usage.metered,
      quota: this.quotaOf(app.config.corpId),
      byEndpoint: Object.fromEntries(usage.meteredByEndpoint),
      free: Object.fromEntries(usage.freeByEndpoint),
    };
  }
}

export function cardKey(clientId: string, outTrackId: string): string {
  return `${clientId}\u0000${outTrackId}`;
}
