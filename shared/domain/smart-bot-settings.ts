/**
 * Smart bot and model settings of an integration (issue 15).
 *
 * `settings.smartBot` (WeCom only): the smart bot (智能机器人) in API mode has its own callback URL,
 * Token and EncodingAESKey (DOC-100719); its Token and key live in the integration's secret as
 * `botToken` / `botEncodingAesKey`, beside the app's own. Absent or disabled = the bot route answers
 * 401 like an unknown integration.
 *
 * `settings.ai` (both platforms): an OpenAI-compatible chat-completions endpoint (Amazon Bedrock's
 * OpenAI-compatible endpoint, or the models Chinese teams host), off unless set. Its key is the
 * secret's `modelApiKey`. It writes summaries and first analyses; it never triggers an action.
 */
import * as z from 'zod/mini';

export const smartBotSettingsSchema = z.object({
  enabled: z.boolean(),
  /** The bot's id (aibotid in callbacks), shown in the admin console; callbacks for another bot are refused. */
  botId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});
export type SmartBotSettings = z.infer<typeof smartBotSettingsSchema>;

/** Seconds the model may take for one answer before the deterministic answer is used instead. */
export const DEFAULT_MODEL_TIMEOUT_SECONDS = 30;

export const aiSettingsSchema = z.object({
  enabled: z.boolean(),
  /** Base URL ending before /chat/completions, e.g. https://api.example.com/v1. */
  baseUrl: z.url({ protocol: /^https?$/ }),
  model: z.string().check(z.minLength(1), z.maxLength(128)),
  timeoutSeconds: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(300)), DEFAULT_MODEL_TIMEOUT_SECONDS),
});
export type AiSettings = z.infer<typeof aiSettingsSchema>;

/** The model of an integration when it is on, else undefined. */
export function enabledAi(integration: { readonly settings: { readonly ai?: AiSettings } }): AiSettings | undefined {
  const ai = integration.settings.ai;
  return ai?.enabled ? ai : undefined;
}

/** The smart bot of a WeCom integration when it is on, else undefined. */
export function enabledSmartBot(integration: { readonly platform: string; readonly settings: { readonly smartBot?: SmartBotSettings } }): SmartBotSettings | undefined {
  if (integration.platform !== 'wecom') return undefined;
  const bot = integration.settings.smartBot;
  return bot?.enabled ? bot : undefined;
}
