/**
 * WeCom third-party app ("suite") mode (issue 16): one app run by the operator, installed by many
 * customer corps. Pure shapes and rules; the facts are WeCom's service-provider pages (DOC-n =
 * developer.work.weixin.qq.com/document/path/n).
 */
import * as z from 'zod/mini';

/**
 * suite_id: third-party apps start with `ww`/`wx` (legacy `tj`), 代开发 templates with `dk`
 * (DOC-90600). Letters and digits only: it is a path segment of our callback URLs.
 */
export const suiteIdSchema = z
  .string()
  .check(z.regex(/^(ww|wx|tj|dk)[A-Za-z0-9]{2,62}$/, 'suite id: ww…, wx…, tj… or dk… followed by letters and digits (SuiteID in the provider console)'));

/** A corp id as WeCom shows it: plain (ww…) or provider-encrypted (case-sensitive, DOC-96516). */
export const corpIdPattern = /^[A-Za-z0-9]{1,64}$/;

/**
 * Where WeCom suites' secrets live below the deployment's secret prefix: `suites/<suiteId>`
 * (SuiteSecret, Token, EncodingAESKey, ProviderSecret) and `suites/<suiteId>/corps/<corpId>` (a
 * corp's permanent code, written by the suite-auth worker). IAM grants follow these names.
 */
export function suiteSecretsPath(): string {
  return 'suites/';
}

/** `dk…` templates are 代开发 (developer-hosted custom apps): their permanent code is the app secret (DOC-97163). */
export type SuiteKind = 'third-party' | 'developer-hosted';

export function suiteKindOf(suiteId: string): SuiteKind {
  return suiteId.startsWith('dk') ? 'developer-hosted' : 'third-party';
}

const httpUrl = z.url({ protocol: /^https?$/ });

/** Non-secret settings of the suite (DynamoDB `SUITE#<id>` / `META`; the CLI writes it). */
export const suiteRecordSchema = z.object({
  suiteId: suiteIdSchema,
  kind: z.enum(['third-party', 'developer-hosted']),
  apiBase: httpUrl,
  /** The provider's own corp id (服务商 CorpID): get_provider_token, and the data URL's verification receiveid (DOC-90595). */
  providerCorpId: z.optional(z.string().check(z.regex(corpIdPattern, 'provider corp id must be letters and digits'))),
  /** Secrets Manager name of the suite's SuiteSecret, Token, EncodingAESKey (and ProviderSecret). */
  secretName: z.string().check(z.minLength(1)),
  createdAt: z.string(),
});
export type SuiteRecord = z.infer<typeof suiteRecordSchema>;

const callbackToken = z.string().check(z.regex(/^[A-Za-z0-9]{1,32}$/, 'token must be 1-32 letters or digits'));
const aesKey43 = z.string().check(z.regex(/^[A-Za-z0-9]{43}$/, 'AES key must be exactly 43 letters or digits'));

export const suiteSecretsSchema = z.object({
  suiteSecret: z.string().check(z.minLength(1), z.maxLength(256)),
  /** One Token / EncodingAESKey per app, used for every authorized corp (DOC-90595). */
  token: callbackToken,
  encodingAesKey: aesKey43,
  providerSecret: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
});
export type SuiteSecrets = z.infer<typeof suiteSecretsSchema>;

/** The newest suite_ticket (DOC-90628: pushed every 10 min, valid 30 min, always use the newest). */
export interface SuiteTicket {
  readonly ticket: string;
  /** The push's TimeStamp (Unix seconds): what "newest" is decided on. */
  readonly timestamp: number;
  readonly receivedAtMs: number;
}

/** suite_ticket validity (DOC-90628). */
export const SUITE_TICKET_VALIDITY_MS = 30 * 60_000;

/**
 * One corp's authorization of the suite (`SUITE#<suiteId>` / `CORP#<corpId>`). `corpId` is
 * auth_corp_info.corpid verbatim: plain for historical corps, encrypted for corps that first
 * authorized this provider after 2021-11-17 (DOC-96516).
 */
export interface SuiteAuthorization {
  readonly suiteId: string;
  readonly corpId: string;
  readonly corpName: string;
  /** From get_auth_info (v2 get_permanent_code has none, DOC-100776); absent until read. */
  readonly agentId?: string;
  readonly status: 'active' | 'cancelled';
  /** Secrets Manager name holding the permanent code (as `secret`) with the suite's Token/key. */
  readonly secretName: string;
  /** The integration the operator added for this corp (`integrations add wecom --suite … --corp-id …`). */
  readonly integrationId?: string;
  readonly authorizedAtMs: number;
  readonly updatedAtMs: number;
  readonly cancelledAtMs?: number;
}

/** Decrypted command-URL event (DOC-90613; fields per DOC-90628, DOC-100964, DOC-94758). */
export const suiteCommandSchema = z.object({
  infoType: z.string().check(z.minLength(1)),
  /** Absent on the provider-wide license events, which carry ServiceCorpId instead (DOC-95804). */
  suiteId: z.optional(z.string().check(z.minLength(1))),
  timeStamp: z.number(),
  suiteTicket: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  authCode: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  authCorpId: z.optional(z.string().check(z.regex(corpIdPattern))),
  state: z.optional(z.string()),
  /** License events (DOC-95804, DOC-95805, DOC-95994): the order, its status, the activation scene. */
  orderId: z.optional(z.string().check(z.maxLength(128))),
  orderStatus: z.optional(z.string().check(z.maxLength(16))),
  scene: z.optional(z.string().check(z.maxLength(16))),
});
export type SuiteCommand = z.infer<typeof suiteCommandSchema>;

/**
 * License events WeCom sends to the provider's system event URL (系统事件接收URL, DOC-95804,
 * DOC-95805, DOC-95994); dutybridge accepts them on the command URL too, so one URL can serve both.
 */
export const LICENSE_EVENT_TYPES: ReadonlySet<string> = new Set(['license_pay_success', 'license_refund', 'auto_activate']);

/** Jobs for the suite-auth worker: everything a command event asks that takes longer than WeCom's 1000 ms (DOC-100964). */
export const suiteAuthJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('exchange'), suiteId: suiteIdSchema, authCode: z.string().check(z.minLength(1), z.maxLength(512)), source: z.enum(['create_auth', 'reset_permanent_code']) }),
  z.object({ kind: z.literal('refresh'), suiteId: suiteIdSchema, corpId: z.string().check(z.regex(corpIdPattern)) }),
  z.object({ kind: z.literal('cancel'), suiteId: suiteIdSchema, corpId: z.string().check(z.regex(corpIdPattern)), atMs: z.number() }),
]);
export type SuiteAuthJob = z.infer<typeof suiteAuthJobSchema>;

export class InvalidCorpIdError extends Error {
  override readonly name = 'InvalidCorpIdError';
}

/**
 * A Corp ID as an operator pastes it (我的企业 → 企业信息). Whitespace is refused rather than trimmed:
 * a copy that picked up spaces may also have lost characters, and saying so is cheaper than a
 * wrong match.
 */
export function parsePastedCorpId(value: string): string {
  if (/\s/.test(value)) {
    throw new InvalidCorpIdError(`corp id ${JSON.stringify(value)} contains spaces or line breaks: paste it exactly as WeCom shows it (My Company → Company Info → Corp ID)`);
  }
  if (!corpIdPattern.test(value)) throw new InvalidCorpIdError(`corp id ${JSON.stringify(value.slice(0, 80))} must be 1-64 letters and digits`);
  return value;
}

/**
 * Plain corp ids are case-insensitive, encrypted ones case-sensitive (DOC-96516): an exact match
 * wins; a case-insensitive one is accepted only when it is the only candidate.
 */
export function matchAuthorizedCorp<T extends { readonly corpId: string }>(candidates: readonly T[], wanted: readonly string[]): T | undefined {
  for (const id of wanted) {
    const exact = candidates.find((c) => c.corpId === id);
    if (exact) return exact;
  }
  for (const id of wanted) {
    const loose = candidates.filter((c) => c.corpId.toLowerCase() === id.toLowerCase());
    if (loose.length === 1) return loose[0];
  }
  return undefined;
}

/** The install link (DOC-90597): redirect_uri URL-encoded once, state of [a-zA-Z0-9] ≤ 128 bytes. */
export function suiteInstallLink(args: { installBase: string; suiteId: string; preAuthCode: string; redirectUri: string; state: string }): string {
  if (!/^[A-Za-z0-9]{0,128}$/.test(args.state)) throw new Error('install state must be ≤ 128 letters and digits (DOC-90597)');
  const base = args.installBase.replace(/\/+$/, '');
  return (
    `${base}/3rdapp/install?suite_id=${encodeURIComponent(args.suiteId)}` +
    `&pre_auth_code=${encodeURIComponent(args.preAuthCode)}&redirect_uri=${encodeURIComponent(args.redirectUri)}&state=${args.state}`
  );
}

/** Where the install page lives: open.work.weixin.qq.com for WeCom, the API base for the simulator. */
export function suiteInstallBase(apiBase: string): string {
  return /^https:\/\/qyapi\.weixin\.qq\.com\/?$/.test(apiBase) ? 'https://open.work.weixin.qq.com' : apiBase;
}

/** Days of a trial left at `nowMs`, rounded down (negative once it ended). */
export function trialDaysLeft(trialEndMs: number, nowMs: number): number {
  return Math.floor((trialEndMs - nowMs) / 86_400_000);
}
