/**
 * Configuration and in-memory state of the DingTalk half of the simulator. Everything here is
 * plain data; the rules live in the endpoint modules.
 */
import { z } from 'zod';
import { SimUser } from '../core/contract';

/** Standard edition: 20 QPS per app per API (research §5.1). */
export const DEFAULT_QPS_PER_APP_AND_API = 20;
/** Standard edition since 2025-11-19: 5,000 metered API calls per org per month (research §5.1). */
export const DEFAULT_MONTHLY_ORG_QUOTA = 5000;

const userSchema = z.object({
  userId: z.string().min(1),
  name: z.string().min(1),
  mobile: z
    .string()
    .regex(/^\+\d{1,4}-\d{4,15}$/, 'mobile must carry its country code, e.g. +86-13800000001'),
  email: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'email must look like name@domain'),
  unionId: z.string().min(1),
});

const groupSchema = z.object({
  openConversationId: z.string().min(1),
  chatId: z.string().min(1).optional(),
  title: z.string().min(1),
  ownerUserId: z.string().min(1).optional(),
  memberUserIds: z.array(z.string().min(1)),
  /** Set when the app's robot came into this group through a group cool app (coolAppCode then mandatory). */
  coolAppCode: z.string().min(1).optional(),
});

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const appConfigSchema = z.object({
  corpId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  // 签名 token: letters or digits only, 3–32 characters (configure-stream-push).
  token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'token must be 3–32 letters or digits'),
  // 加密 aes_key: exactly 43 chars [A-Za-z0-9] (DingCallbackCrypto AES_ENCODE_KEY_LENGTH = 43).
  aesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'aesKey must be exactly 43 letters or digits'),
  robotCode: z.string().min(1),
  eventsUrl: z.string().refine(isHttpUrl, 'eventsUrl must be an http(s) URL'),
  users: z.array(userSchema),
  qps: z.number().int().positive().default(DEFAULT_QPS_PER_APP_AND_API),
  monthlyQuota: z.number().int().nonnegative().default(DEFAULT_MONTHLY_ORG_QUOTA),
  groups: z.array(groupSchema).default([]),
  /**
   * The app's visible range (可见范围) as userIds; absent = the whole org. A scene group's owner must
   * be inside it ("群主不在应用可见性内", create-a-scene-group).
   */
  visibleUserIds: z.array(z.string().min(1)).optional(),
});

/** What `PUT /_sim/dingtalk/apps/{clientId}` and `registerApp()` accept. */
export type DingTalkAppInput = z.input<typeof appConfigSchema>;
export type DingTalkAppConfig = z.output<typeof appConfigSchema>;
export type DingTalkGroupInput = z.input<typeof groupSchema>;

export const customRobotSchema = z.object({
  accessToken: z.string().min(1),
  secret: z.string().min(1),
  openConversationId: z.string().min(1),
});
export type DingTalkCustomRobotInput = z.input<typeof customRobotSchema>;

/**
 * A scene-group template of an org (developer console → 场景群 → 群模板). It must be reviewed and
 * published before groups can be created from it (dingtalk.md §4.5); its robot joins every group
 * made from it and posts with its own robotCode.
 */
export const sceneGroupTemplateSchema = z.object({
  corpId: z.string().min(1),
  robotCode: z.string().min(1),
  /** false: not (yet) reviewed and published, or taken offline → groupTemplate.notFound. */
  published: z.boolean().default(true),
});
export type DingTalkSceneGroupTemplateInput = z.input<typeof sceneGroupTemplateSchema>;
export interface SceneGroupTemplateState extends z.output<typeof sceneGroupTemplateSchema> {
  readonly templateId: string;
}

export interface CardRoute {
  readonly callbackUrl: string;
  readonly apiSecret?: string;
}

export interface AppState {
  readonly config: DingTalkAppConfig;
  /** callbackRouteKey → registration (card/callbacks/register). */
  readonly cardRoutes: Map<string, CardRoute>;
  /** Scene-group `uuid` idempotency key → openConversationId. */
  readonly sceneGroupsByUuid: Map<string, string>;
}

export interface GroupState {
  readonly openConversationId: string;
  readonly chatId: string;
  readonly corpId: string;
  title: string;
  readonly ownerUserId?: string;
  readonly members: Set<string>;
  /** Robots that are in the group (the app robot for configured groups, template robot for scene groups). */
  readonly robotCodes: Set<string>;
  /** Cool app installed in the group and the robot it brought. */
  coolApp?: { readonly coolAppCode: string; readonly robotCode: string };
  /** True when the group came from a server API (scene group): the only groups chat/get knows. */
  readonly createdByApi: boolean;
  /** The scene-group template it was created from. */
  readonly templateId?: string;
  disbanded: boolean;
}

export type CardSpace =
  | { readonly kind: 'group'; readonly openConversationId: string }
  | { readonly kind: 'robot'; readonly userId: string };

export type CardParamMap = Record<string, string>;

export interface CardState {
  readonly outTrackId: string;
  readonly clientId: string;
  readonly corpId: string;
  readonly cardTemplateId: string;
  readonly callbackRouteKey?: string;
  /** 1 = userId, 2 = unionId: decides which id the click callback carries. */
  readonly userIdType: 1 | 2;
  publicData: CardParamMap;
  /** Keyed by userId (unionIds are translated on the way in). */
  readonly privateData: Map<string, CardParamMap>;
  readonly spaces: CardSpace[];
  /** Group @mentions per openConversationId. */
  readonly groupMentions: Map<string, readonly string[]>;
}

export interface LoginCode {
  /** The app the code is for; absent for the older corp-only `dd.runtime.permission.requestAuthCode`. */
  readonly clientId?: string;
  readonly corpId: string;
  readonly userId: string;
  readonly expiresAt: number;
  used: boolean;
}

/** A browser OAuth code (`?code=&authCode=`): 5 minutes, single use (obtain-user-token). */
export interface UserAuthCode {
  readonly clientId: string;
  readonly userId: string;
  readonly expiresAt: number;
  used: boolean;
}

/** A user access token (7200 s) or refresh token (30 days) of one app for one user. */
export interface UserTokenGrant {
  readonly clientId: string;
  readonly userId: string;
  readonly expiresAt: number;
}

export interface CustomRobotState {
  readonly accessToken: string;
  readonly secret: string;
  readonly openConversationId: string;
  /** Sim-clock times of accepted sends in the last minute. */
  recentSends: number[];
  blockedUntil: number;
}

export interface TokenGrant {
  readonly clientId: string;
  expiresAt: number;
}

export interface OrgUsage {
  month: string;
  metered: number;
  readonly meteredByEndpoint: Map<string, number>;
  readonly freeByEndpoint: Map<string, number>;
}

/** `GET /_sim/dingtalk/apps/{clientId}/usage`. */
export interface DingTalkUsage {
  readonly corpId: string;
  /** Calendar month (China Standard Time) the counters belong to, e.g. `2026-03`. */
  readonly month: string;
  /** Metered calls of the whole org this month (all its apps share the quota). */
  readonly metered: number;
  readonly quota: number;
  /** Successful metered calls per endpoint. */
  readonly byEndpoint: Record<string, number>;
  /** Successful calls of free endpoints (token, login, contacts) per endpoint. */
  readonly free: Record<string, number>;
}

export function mobileMatches(user: SimUser, given: string): boolean {
  if (user.mobile === given) return true;
  // Mainland numbers are looked up and @-ed without the +86 prefix (query-users-by-phone-number).
  return user.mobile.startsWith('+86-') && user.mobile.slice(4) === given;
}

export interface EventAttempt {
  readonly attempt: number;
  /** Wall-clock ms since the event was first sent (retries are real delays, not sim time). */
  readonly afterMs: number;
  /** HTTP status of dutybridge's answer, 0 when there was none (timeout, connection refused). */
  readonly status: number;
  readonly passed: boolean;
  /** Why the answer was not accepted as DingTalk's encrypted "success" map. */
  readonly why?: string;
}

export interface EventReportState {
  readonly eventId: string;
  readonly clientId: string;
  readonly eventType: string;
  /** Decrypted payload as dutybridge should see it. */
  readonly payload: Record<string, unknown>;
  readonly attempts: EventAttempt[];
  outcome: 'pending' | 'delivered' | 'failed';
}
