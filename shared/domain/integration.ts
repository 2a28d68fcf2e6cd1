/**
 * An integration is one WeCom self-built app or one DingTalk internal app connected to dutybridge.
 * Non-secret settings live in DynamoDB; secrets live in Secrets Manager under `secretName`.
 */
// zod/mini: the same validation at a fraction of the bundle size (Lambda bundles stay ≤ 300 KB).
import * as z from 'zod/mini';
import { dingTalkLinkingSchema, weComLinkingSchema } from './linking-settings';
import { dingTalkWarRoomSchema, weComWarRoomSchema } from './war-room-settings';
import { aiSettingsSchema, smartBotSettingsSchema } from './smart-bot-settings';
import { suiteIdSchema } from './wecom-suite';

export const platforms = ['wecom', 'dingtalk'] as const;
export type Platform = (typeof platforms)[number];

/** Integration ids appear in callback URLs; keep them URL-safe and short. */
export const integrationIdSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'integration id: 1-63 chars of a-z, 0-9 and -, starting with a letter or digit'));

const httpUrl = z.url({ protocol: /^https?$/ });

export const weComSettingsSchema = z.object({
  /** CorpID (企业ID): the receiveid of the app's callback crypto. */
  corpId: z.string().check(z.regex(/^[A-Za-z0-9]{1,64}$/, 'corp id must be letters and digits')),
  /** AgentId of the self-built app (an integer in WeCom's API). */
  agentId: z.string().check(z.regex(/^\d{1,12}$/, 'agent id must be digits')),
  /** API base URL: https://qyapi.weixin.qq.com, a private deployment, or the simulator. */
  apiBase: httpUrl,
  /** Account linking (shared/domain/linking-settings.ts); absent = auto-match only. */
  linking: z.optional(weComLinkingSchema),
  /** War Room, a group chat per incident (shared/domain/war-room-settings.ts); absent = off. */
  warRoom: z.optional(weComWarRoomSchema),
  /** Smart bot in API mode (shared/domain/smart-bot-settings.ts); absent = off. */
  smartBot: z.optional(smartBotSettingsSchema),
  /** OpenAI-compatible model for summaries and analyses; absent = off. */
  ai: z.optional(aiSettingsSchema),
  /**
   * Third-party (suite) mode (issue 16): the app is the operator's suite, installed by this corp;
   * corpId is the id WeCom gives the suite (encrypted for newer corps) and the secret holds the
   * permanent code. Absent = the corp's own self-built app.
   */
  suite: z.optional(
    z.object({
      suiteId: suiteIdSchema,
      kind: z.enum(['third-party', 'developer-hosted']),
      /** The Corp ID the operator pasted (shown back; not used on the wire). */
      pastedCorpId: z.optional(z.string()),
    }),
  ),
});
export type WeComSettings = z.infer<typeof weComSettingsSchema>;

export const dingTalkSettingsSchema = z.object({
  /** Client ID (AppKey): the owner key of the event crypto and the robotCode of the app's robot. */
  clientId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'client id must be letters, digits, _ or -')),
  /** Base of the new API family (https://api.dingtalk.com) or the simulator. */
  apiBase: httpUrl,
  /** Base of the old API family (https://oapi.dingtalk.com) or the simulator. */
  oapiBase: httpUrl,
  robotCode: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  cardTemplateId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  /** The org (corpId) whose monthly quota this app shares with the org's other apps; default clientId. */
  corpId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'corp id must be letters, digits, _ or -'))),
  /** Edition preset for QPS and monthly quota (standard: 20 QPS, 5,000 calls; professional: 40, 200,000). */
  edition: z.optional(z.enum(['standard', 'professional'])),
  developmentAddOns: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** Explicit limits override the preset. */
  qpsPerAppAndApi: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(60))),
  monthlyMeteredCalls: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** The org's monthly Webhook & Stream quota (custom-robot sends); default by edition (standard 3,000, professional 50,000). */
  monthlyWebhookMessages: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** Account linking (shared/domain/linking-settings.ts); absent = auto-match only. */
  linking: z.optional(dingTalkLinkingSchema),
  /** War Room, a scene group per incident (shared/domain/war-room-settings.ts); absent = off. */
  warRoom: z.optional(dingTalkWarRoomSchema),
  /** OpenAI-compatible model for the War Room's first analysis; absent = off. */
  ai: z.optional(aiSettingsSchema),
});
export type DingTalkSettings = z.infer<typeof dingTalkSettingsSchema>;

/** Token (WeCom: ≤ 32 letters/digits; DingTalk: 3-32) and the 43-char EncodingAESKey / aes_key. */
const callbackToken = z.string().check(z.regex(/^[A-Za-z0-9]{1,32}$/, 'token must be 1-32 letters or digits'));
const aesKey43 = z.string().check(z.regex(/^[A-Za-z0-9]{43}$/, 'AES key must be exactly 43 letters or digits'));

/** Optional secrets of account linking: the OIDC client secret and an SMTP URL with its credentials. */
const linkingSecrets = {
  oidcClientSecret: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
  smtpUrl: z.optional(z.string().check(z.regex(/^smtps?:\/\/\S+$/, 'smtpUrl must be smtp://user:pass@host:port or smtps://…'))),
  /** Bearer key of the integration's OpenAI-compatible model (settings.ai). */
  modelApiKey: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
};

export const weComSecretsSchema = z.object({
  secret: z.string().check(z.minLength(1), z.maxLength(256)),
  token: callbackToken,
  encodingAesKey: aesKey43,
  /** The smart bot's own callback Token and EncodingAESKey (settings.smartBot, DOC-100719). */
  botToken: z.optional(callbackToken),
  botEncodingAesKey: z.optional(aesKey43),
  ...linkingSecrets,
});
export type WeComSecrets = z.infer<typeof weComSecretsSchema>;

export const dingTalkSecretsSchema = z.object({
  clientSecret: z.string().check(z.minLength(1), z.maxLength(256)),
  token: z.string().check(z.regex(/^[A-Za-z0-9]{3,32}$/, 'token must be 3-32 letters or digits')),
  aesKey: aesKey43,
  /** Secret registered with /v1.0/card/callbacks/register; signs card callbacks (x-ddpaas-signature). */
  cardApiSecret: z.string().check(z.minLength(8), z.maxLength(128)),
  ...linkingSecrets,
});
export type DingTalkSecrets = z.infer<typeof dingTalkSecretsSchema>;

/**
 * Set when dutybridge stopped using an integration on its own (a suite authorization the customer
 * cancelled, DOC-100964): nothing is sent through it and its callbacks are refused, until the
 * operator re-adds it.
 */
const disabledSchema = z.object({ reason: z.string().check(z.maxLength(500)), atMs: z.number() });

export const integrationSchema = z.discriminatedUnion('platform', [
  z.object({
    id: integrationIdSchema,
    platform: z.literal('wecom'),
    name: z.optional(z.string().check(z.maxLength(128))),
    settings: weComSettingsSchema,
    secretName: z.string().check(z.minLength(1)),
    createdAt: z.string(),
    disabled: z.optional(disabledSchema),
  }),
  z.object({
    id: integrationIdSchema,
    platform: z.literal('dingtalk'),
    name: z.optional(z.string().check(z.maxLength(128))),
    settings: dingTalkSettingsSchema,
    secretName: z.string().check(z.minLength(1)),
    createdAt: z.string(),
    disabled: z.optional(disabledSchema),
  }),
]);
export type Integration = z.infer<typeof integrationSchema>;
export type WeComIntegration = Extract<Integration, { platform: 'wecom' }>;
export type DingTalkIntegration = Extract<Integration, { platform: 'dingtalk' }>;

/** What every masked secret starts with: a fixed run, so a mask never tells a secret's length. */
export const SECRET_MASK = '••••';

/**
 * Shows enough of a secret to recognise it, never enough to use it, and nothing of its length:
 * the fixed mask and the last 4 characters (`••••abcd`); secrets of 8 characters or fewer show
 * the mask alone.
 */
export function maskSecret(value: string): string {
  return value.length > 8 ? `${SECRET_MASK}${value.slice(-4)}` : SECRET_MASK;
}

/**
 * Paths served by the gateway for an integration (relative to the API base URL) that go into the
 * platform's console: the callbacks, and the app homepage (the account-linking page).
 */
export function callbackPaths(integration: Pick<Integration, 'id' | 'platform'> & { readonly settings?: object }): Record<string, string> {
  const smartBot = integration.settings && 'smartBot' in integration.settings ? (integration.settings.smartBot as { enabled?: boolean } | undefined) : undefined;
  const homepage = `/link/${integration.platform}/${integration.id}`;
  const suite = integration.settings && 'suite' in integration.settings ? (integration.settings.suite as { suiteId?: string } | undefined) : undefined;
  // A suite corp's events arrive on the suite's data URL (one for every corp, DOC-90595).
  if (integration.platform === 'wecom' && suite?.suiteId) return { data: `/wecom-suite/${suite.suiteId}/data`, homepage };
  return integration.platform === 'wecom'
    ? {
        callback: `/wecom/${integration.id}/callback`,
        // The smart bot's own callback URL (DOC-100719), once the bot is set up (issue 15).
        ...(smartBot?.enabled ? { bot: `/wecom/${integration.id}/bot` } : {}),
        homepage,
      }
    : { events: `/dingtalk/${integration.id}/events`, cards: `/dingtalk/${integration.id}/cards`, homepage };
}
