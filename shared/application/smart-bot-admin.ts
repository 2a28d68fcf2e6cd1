/**
 * `npx dutybridge integrations set ID --smart-bot on|off … --model on|off …`: the smart bot and
 * model settings of an integration (shared/domain/smart-bot-settings.ts) and their secrets
 * (`botToken`, `botEncodingAesKey`, `modelApiKey`, merged into the integration's secret). As War
 * Room (war-room-admin.ts): validated as a whole, refusals before anything is written. Turning
 * either on needs its secrets, given in the same call or already stored; turning off is always allowed.
 */
import { BadRequestError, NotFoundError } from '../domain/errors';
import { dingTalkSecretsSchema, integrationSchema, weComSecretsSchema, type Integration } from '../domain/integration';
import { DEFAULT_MODEL_TIMEOUT_SECONDS } from '../domain/smart-bot-settings';
import type { SecretWriter } from './integration-admin';
import type { IntegrationRepository } from './ports';

export interface SmartBotPatch {
  readonly enabled?: boolean;
  /** The bot's id (aibotid), from the WeCom admin console. */
  readonly botId?: string;
}

export interface ModelPatch {
  readonly enabled?: boolean;
  /** OpenAI-compatible base URL, before /chat/completions. */
  readonly baseUrl?: string;
  readonly model?: string;
  readonly timeoutSeconds?: number;
}

export interface SmartBotSecretsPatch {
  readonly botToken?: string;
  readonly botEncodingAesKey?: string;
  readonly modelApiKey?: string;
}

export interface SmartBotChange {
  readonly smartBot?: SmartBotPatch;
  readonly model?: ModelPatch;
  readonly secrets?: SmartBotSecretsPatch;
}

/** Where the bot's callback URL, Token and EncodingAESKey go (DOC-100719: API-mode smart bot). */
export const WECOM_SMART_BOT_CONSOLE_HINT =
  'paste the bot callback URL, with the bot Token and EncodingAESKey, into the WeCom admin console: 智能机器人 → API 模式 → 接收消息 URL';

export class InvalidSmartBotSettingsError extends BadRequestError {
  constructor(message: string) {
    super('invalid_smart_bot_settings', message);
  }
}

/** How the operator gives a secret of this command: names and files only, never a value. */
function howToGive(keys: readonly string[]): string {
  return `give ${keys.map((k) => `"${k}"`).join(' and ')} in --secrets-file PATH (or - for standard input), a JSON object like {${keys.map((k) => `"${k}": "…"`).join(', ')}}`;
}

export class SmartBotAdmin {
  constructor(
    private readonly repo: IntegrationRepository,
    private readonly secrets: SecretWriter,
  ) {}

  /** The integration and the merged secret (when it changes) as `set` would store them; writes nothing. */
  async plan(id: string, change: SmartBotChange): Promise<{ integration: Integration; secret?: Record<string, string> }> {
    const integration = await this.repo.get(id);
    if (!integration) throw new NotFoundError('unknown_integration', `no integration with id ${id}`);
    const given = Object.fromEntries(Object.entries(change.secrets ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>;
    if (integration.platform === 'dingtalk') {
      // The smart bot in API mode is WeCom's (DOC-100719); DingTalk's robot comes with the app.
      if (change.smartBot) throw new InvalidSmartBotSettingsError(`--smart-bot and --bot-id are WeCom settings: ${id} is a DingTalk integration, which has no smart bot (its app's robot answers in groups already)`);
      const wrong = ['botToken', 'botEncodingAesKey'].filter((k) => k in given);
      if (wrong.length) throw new InvalidSmartBotSettingsError(`${wrong.map((k) => `"${k}"`).join(' and ')} in --secrets-file ${wrong.length === 1 ? 'is a' : 'are'} WeCom smart bot secret${wrong.length === 1 ? '' : 's'}: ${id} is a DingTalk integration`);
    }

    const settings: Record<string, unknown> = { ...integration.settings };
    let smartBotOn = false;
    if (change.smartBot) {
      const current: Record<string, unknown> = { ...((integration.settings as { smartBot?: object }).smartBot ?? { enabled: false }) };
      for (const key of ['enabled', 'botId'] as const) if (change.smartBot[key] !== undefined) current[key] = change.smartBot[key];
      settings.smartBot = current;
      smartBotOn = change.smartBot.enabled === true;
    }
    let modelOn = false;
    if (change.model) {
      const stored = integration.settings.ai;
      const onlyOff = change.model.enabled === false && Object.keys(change.model).length === 1;
      // `--model off` on an integration that never had a model: nothing to store (absent = off).
      if (stored || !onlyOff) {
        const current: Record<string, unknown> = { ...(stored ?? { enabled: false, timeoutSeconds: DEFAULT_MODEL_TIMEOUT_SECONDS }) };
        for (const key of ['enabled', 'baseUrl', 'model', 'timeoutSeconds'] as const) if (change.model[key] !== undefined) current[key] = change.model[key];
        const missing = [
          current.baseUrl === undefined ? 'its base URL (--model-base-url URL)' : undefined,
          current.model === undefined ? 'its model name (--model-name NAME)' : undefined,
        ].filter((m) => m !== undefined);
        if (missing.length) throw new InvalidSmartBotSettingsError(`the model needs ${missing.join(' and ')}`);
        settings.ai = current;
        modelOn = change.model.enabled === true;
      }
    }

    // The secret is read only when it is needed: on a deployed stack the operator may not decrypt it.
    const needsSecret = smartBotOn || modelOn || Object.keys(given).length > 0;
    const stored: Record<string, string> = needsSecret ? ((await this.secrets.read(integration.secretName)) ?? {}) : {};
    const merged = { ...stored, ...given };
    const lacking = (keys: readonly string[]) => keys.filter((k) => typeof merged[k] !== 'string' || merged[k] === '');
    if (smartBotOn) {
      const missing = lacking(['botToken', 'botEncodingAesKey']);
      if (missing.length) {
        throw new InvalidSmartBotSettingsError(
          `the smart bot cannot be turned on: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not in the secret of ${id}; ` +
            `${howToGive(missing)} (the bot's Token and EncodingAESKey, from 智能机器人 → API 模式 in the WeCom admin console)`,
        );
      }
    }
    if (modelOn && lacking(['modelApiKey']).length) {
      throw new InvalidSmartBotSettingsError(`the model cannot be turned on: modelApiKey is not in the secret of ${id}; ${howToGive(['modelApiKey'])} (the key of the model's endpoint)`);
    }

    const parsed = integrationSchema.safeParse({ ...integration, settings });
    if (!parsed.success) {
      throw new InvalidSmartBotSettingsError(parsed.error.issues.map((issue) => `${issue.path.filter((p) => p !== 'settings').join('.')}: ${issue.message}`).join('; '));
    }
    if (Object.keys(given).length === 0) return { integration: parsed.data };
    const schema = integration.platform === 'wecom' ? weComSecretsSchema : dingTalkSecretsSchema;
    const check = schema.safeParse(merged);
    // The schemas' messages describe the format, never the value.
    if (!check.success) throw new InvalidSmartBotSettingsError(check.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    return { integration: parsed.data, secret: merged };
  }

  /** Writes the secret first: the bot route never sees the bot on without its Token and key. */
  async set(id: string, change: SmartBotChange): Promise<Integration> {
    const { integration, secret } = await this.plan(id, change);
    if (secret) await this.secrets.write(integration.secretName, secret);
    await this.repo.put(integration);
    return integration;
  }
}

/** One line for the CLI: `on (bot id …)`, `off`, or that DingTalk has none. */
export function describeSmartBot(integration: Integration): string {
  if (integration.platform !== 'wecom') return 'none (WeCom only)';
  const bot = integration.settings.smartBot;
  if (!bot?.enabled) return 'off';
  return bot.botId ? `on (bot id ${bot.botId})` : 'on (any bot id)';
}

/** One line for the CLI: `on (base URL …, model …, timeout 30 s)` or `off`; never the key. */
export function describeModel(integration: Integration): string {
  const ai = integration.settings.ai;
  if (!ai) return 'off';
  return `${ai.enabled ? 'on' : 'off'} (base URL ${ai.baseUrl}, model ${ai.model}, timeout ${ai.timeoutSeconds} s)`;
}
