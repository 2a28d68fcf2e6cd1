/**
 * `npx dutybridge integrations set ID …`: account-linking settings of an integration
 * (shared/domain/linking-settings.ts). Secrets (the OIDC client secret, an SMTP URL with its
 * credentials) never on the command line: `--secrets-file PATH|-` with the keys `oidcClientSecret`
 * and/or `smtpUrl`, or the variables DUTYBRIDGE_OIDC_CLIENT_SECRET / DUTYBRIDGE_SMTP_URL.
 * War Room (issue 14) in the same call: `--war-room on|off` and its settings.
 * Smart bot and model (issue 15): `--smart-bot on|off`, `--model on|off` and their settings; their
 * secrets only in the secrets file (`botToken`, `botEncodingAesKey`, `modelApiKey`).
 */
import type { ZodMiniType } from 'zod/mini';
import type { LinkingPatch, LinkingSecretsPatch } from '../shared/application/linking-admin';
import type { ModelPatch, SmartBotPatch, SmartBotSecretsPatch } from '../shared/application/smart-bot-admin';
import type { WarRoomPatch } from '../shared/application/war-room-admin';
import { weComSecretsSchema } from '../shared/domain/integration';
import { aiSettingsSchema } from '../shared/domain/smart-bot-settings';
import { CliUsageError } from './target';

export const INTEGRATIONS_SET_USAGE = `integrations set ID [--auto-match on|off] [--oidc-issuer URL --oidc-client-id ID | --oidc off]
                  [--email-code-from ADDR [--email-code-ses] | --email-code off] [--oauth-base URL (WeCom)]
                  [--jsapi-url URL] [--login-base URL (DingTalk)] [--secrets-file PATH|-]
      account linking: secrets file keys "oidcClientSecret", "smtpUrl" (smtp://user:pass@host:587);
      or DUTYBRIDGE_OIDC_CLIENT_SECRET, DUTYBRIDGE_SMTP_URL
                  [--war-room on|off] [--war-room-template-id ID --war-room-robot-code CODE (DingTalk)]
                  [--war-room-close-on-resolve on|off] [--allow-multiple-war-rooms]
      War Room (a group chat per incident): at most one integration by default; WeCom: the app's
      visible range must be the root department; DingTalk: the scene-group template and its robot
                  [--smart-bot on|off] [--bot-id ID]   (WeCom)
                  [--model on|off] [--model-base-url URL] [--model-name NAME] [--model-timeout SECONDS]
      smart bot (WeCom 智能机器人, API mode): on needs "botToken" and "botEncodingAesKey" in the secrets
      file (or already stored); integrations show prints its callback URL for the admin console
      model (OpenAI-compatible, both platforms): on needs the base URL, the model name and "modelApiKey"
      in the secrets file (or already stored); timeout 1-300 s, default 30`;

const SECRET_KEYS = { oidcClientSecret: 'DUTYBRIDGE_OIDC_CLIENT_SECRET', smtpUrl: 'DUTYBRIDGE_SMTP_URL' } as const;

/**
 * Secrets of the smart bot and the model: the secrets file only (no variable: a variable left in a
 * shell would be written again by every `integrations set`). Checked by the stored secret's own
 * schemas (WeCom: Token 1-32 letters/digits, EncodingAESKey 43; DOC-100719), whose messages never
 * quote the value.
 */
const BOT_SECRET_SCHEMAS: Record<keyof SmartBotSecretsPatch, ZodMiniType> = {
  botToken: weComSecretsSchema.shape.botToken,
  botEncodingAesKey: weComSecretsSchema.shape.botEncodingAesKey,
  modelApiKey: weComSecretsSchema.shape.modelApiKey,
};

export interface SetFlags {
  readonly 'auto-match'?: string;
  readonly 'oidc-issuer'?: string;
  readonly 'oidc-client-id'?: string;
  readonly oidc?: string;
  readonly 'email-code-from'?: string;
  readonly 'email-code-ses'?: boolean;
  readonly 'email-code'?: string;
  readonly 'oauth-base'?: string;
  readonly 'jsapi-url'?: string;
  readonly 'login-base'?: string;
  readonly 'secrets-file'?: string;
  readonly 'war-room'?: string;
  readonly 'war-room-template-id'?: string;
  readonly 'war-room-robot-code'?: string;
  readonly 'war-room-close-on-resolve'?: string;
  readonly 'allow-multiple-war-rooms'?: boolean;
  readonly 'smart-bot'?: string;
  readonly 'bot-id'?: string;
  readonly model?: string;
  readonly 'model-base-url'?: string;
  readonly 'model-name'?: string;
  readonly 'model-timeout'?: string;
}

function onOffFlag(flags: SetFlags, flag: 'smart-bot' | 'model'): boolean | undefined {
  const value = flags[flag];
  if (value === undefined) return undefined;
  if (value !== 'on' && value !== 'off') throw new CliUsageError(`--${flag} must be on or off`);
  return value === 'on';
}

function valueFlag(flags: SetFlags, flag: 'bot-id' | 'model-name' | 'model-base-url' | 'model-timeout'): string | undefined {
  const value = flags[flag];
  if (value !== undefined && value.trim() === '') throw new CliUsageError(`--${flag} needs a value`);
  return value?.trim();
}

/** The smart bot part of the flags (shared/application/smart-bot-admin.ts); undefined when none is given. */
export function parseSmartBotFlags(flags: SetFlags): SmartBotPatch | undefined {
  const enabled = onOffFlag(flags, 'smart-bot');
  const botId = valueFlag(flags, 'bot-id');
  if (botId !== undefined && botId.length > 128) throw new CliUsageError('--bot-id is at most 128 characters');
  if (enabled === undefined && botId === undefined) return undefined;
  return { ...(enabled !== undefined ? { enabled } : {}), ...(botId !== undefined ? { botId } : {}) };
}

/** The model part of the flags; undefined when none is given. */
export function parseModelFlags(flags: SetFlags): ModelPatch | undefined {
  const patch: { -readonly [K in keyof ModelPatch]: ModelPatch[K] } = {};
  const enabled = onOffFlag(flags, 'model');
  if (enabled !== undefined) patch.enabled = enabled;
  const baseUrl = valueFlag(flags, 'model-base-url');
  if (baseUrl !== undefined) {
    if (!aiSettingsSchema.shape.baseUrl.safeParse(baseUrl).success) throw new CliUsageError('--model-base-url must be an http(s) URL like https://api.example.com/v1');
    const url = new URL(baseUrl);
    // The URL is shown by integrations show: a key in it would be printed.
    if (url.username || url.password) throw new CliUsageError('--model-base-url must not carry credentials: give the key as "modelApiKey" in --secrets-file');
    if (/\/chat\/completions\/?$/.test(url.pathname)) throw new CliUsageError('--model-base-url is the base before /chat/completions, e.g. https://api.example.com/v1');
    patch.baseUrl = baseUrl;
  }
  const model = valueFlag(flags, 'model-name');
  if (model !== undefined) {
    if (model.length > 128) throw new CliUsageError('--model-name is at most 128 characters');
    patch.model = model;
  }
  const timeout = valueFlag(flags, 'model-timeout');
  if (timeout !== undefined) {
    const seconds = /^\d{1,3}$/.test(timeout) ? Number(timeout) : NaN;
    if (!(seconds >= 1 && seconds <= 300)) throw new CliUsageError('--model-timeout must be a whole number of seconds from 1 to 300 (default 30)');
    patch.timeoutSeconds = seconds;
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** The War Room part of the flags (shared/application/war-room-admin.ts); undefined when none is given. */
export function parseWarRoomFlags(flags: SetFlags): WarRoomPatch | undefined {
  const onOff = (flag: 'war-room' | 'war-room-close-on-resolve'): boolean | undefined => {
    const value = flags[flag];
    if (value === undefined) return undefined;
    if (value !== 'on' && value !== 'off') throw new CliUsageError(`--${flag} must be on or off`);
    return value === 'on';
  };
  const patch: { -readonly [K in keyof WarRoomPatch]: WarRoomPatch[K] } = {};
  const enabled = onOff('war-room');
  if (enabled !== undefined) patch.enabled = enabled;
  for (const [flag, key] of [['war-room-template-id', 'templateId'], ['war-room-robot-code', 'robotCode']] as const) {
    const value = flags[flag];
    if (value === undefined) continue;
    if (value.trim() === '') throw new CliUsageError(`--${flag} needs a value`);
    patch[key] = value;
  }
  const closeOnResolve = onOff('war-room-close-on-resolve');
  if (closeOnResolve !== undefined) patch.closeOnResolve = closeOnResolve;
  if (flags['allow-multiple-war-rooms']) {
    if (enabled !== true) throw new CliUsageError('--allow-multiple-war-rooms goes with --war-room on');
    patch.allowMultiple = true;
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** The settings patch and secrets from the flags; every usage mistake before anything is opened. */
export function parseIntegrationsSet(
  id: string | undefined,
  flags: SetFlags,
  io: { env: Readonly<Record<string, string | undefined>>; readText: (path: string) => string; fileMode?: (path: string) => number | undefined },
): {
  id: string;
  patch: LinkingPatch;
  secrets: LinkingSecretsPatch;
  warRoom?: WarRoomPatch;
  smartBot?: SmartBotPatch;
  model?: ModelPatch;
  botSecrets: SmartBotSecretsPatch;
  secretSources: string[];
  warnings: string[];
} {
  if (!id) throw new CliUsageError('integrations set needs an ID');
  const warRoom = parseWarRoomFlags(flags);
  const smartBot = parseSmartBotFlags(flags);
  const model = parseModelFlags(flags);
  const patch: { -readonly [K in keyof LinkingPatch]: LinkingPatch[K] } = {};
  const autoMatch = flags['auto-match'];
  if (autoMatch !== undefined) {
    if (autoMatch !== 'on' && autoMatch !== 'off') throw new CliUsageError('--auto-match must be on or off');
    patch.autoMatch = autoMatch === 'on';
  }
  if (flags.oidc !== undefined) {
    if (flags.oidc !== 'off') throw new CliUsageError('--oidc takes only "off" (to remove single sign-on); set it with --oidc-issuer and --oidc-client-id');
    if (flags['oidc-issuer'] || flags['oidc-client-id']) throw new CliUsageError('--oidc off with --oidc-issuer/--oidc-client-id: choose one');
    patch.oidc = null;
  } else if (flags['oidc-issuer'] !== undefined || flags['oidc-client-id'] !== undefined) {
    if (!flags['oidc-issuer'] || !flags['oidc-client-id']) throw new CliUsageError('single sign-on needs both --oidc-issuer URL and --oidc-client-id ID');
    patch.oidc = { issuer: flags['oidc-issuer'], clientId: flags['oidc-client-id'] };
  }
  if (flags['email-code'] !== undefined) {
    if (flags['email-code'] !== 'off') throw new CliUsageError('--email-code takes only "off"; set it with --email-code-from ADDR');
    if (flags['email-code-from']) throw new CliUsageError('--email-code off with --email-code-from: choose one');
    patch.emailCode = null;
  } else if (flags['email-code-from'] !== undefined) {
    patch.emailCode = { from: flags['email-code-from'], ...(flags['email-code-ses'] ? { ses: true } : {}) };
  } else if (flags['email-code-ses']) {
    throw new CliUsageError('--email-code-ses needs --email-code-from ADDR (the sender)');
  }
  if (flags['oauth-base'] !== undefined) patch.oauthBase = flags['oauth-base'];
  if (flags['jsapi-url'] !== undefined) patch.jsapiUrl = flags['jsapi-url'];
  if (flags['login-base'] !== undefined) patch.loginBase = flags['login-base'];

  const secrets: Record<string, string> = {};
  const botSecrets: Record<string, string> = {};
  const secretSources: string[] = [];
  const warnings: string[] = [];
  const file = flags['secrets-file'];
  if (file !== undefined) {
    // As integrations add (cli/secrets.ts): a secrets file others can read is worth a warning.
    const mode = file === '-' ? undefined : io.fileMode?.(file);
    if (mode !== undefined && (mode & 0o077) !== 0) warnings.push(`${file} can be read by other users (mode ${(mode & 0o777).toString(8)}); \`chmod 600\` it`);
    const where = file === '-' ? '--secrets-file - (standard input)' : `--secrets-file ${file}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(io.readText(file));
    } catch {
      // Never the parser's message: it quotes the text, which may be a secret.
      throw new CliUsageError(`${where} is not a readable JSON object like {"oidcClientSecret": "…", "smtpUrl": "smtp://…"}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliUsageError(`${where} must hold one JSON object`);
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (!(key in SECRET_KEYS) && !(key in BOT_SECRET_SCHEMAS)) {
        throw new CliUsageError(`${where}: the keys for integrations set are "oidcClientSecret", "smtpUrl", "botToken", "botEncodingAesKey" and "modelApiKey"`);
      }
      if (typeof value !== 'string' || value === '') throw new CliUsageError(`"${key}" in ${where} must be a non-empty string`);
      if (key in BOT_SECRET_SCHEMAS) {
        // Pasted values often carry a trailing newline; no Token, key or API key has edge spaces.
        const trimmed = value.trim();
        const check = BOT_SECRET_SCHEMAS[key as keyof SmartBotSecretsPatch].safeParse(trimmed);
        if (!check.success) throw new CliUsageError(`"${key}" in ${where}: ${trimmed === '' ? 'it is empty' : (check.error.issues[0]?.message ?? 'invalid')}`);
        botSecrets[key] = trimmed;
      } else {
        secrets[key] = value;
      }
      secretSources.push(`${key} ← ${where}`);
    }
  }
  for (const [key, variable] of Object.entries(SECRET_KEYS)) {
    const value = io.env[variable];
    if (secrets[key] === undefined && value) {
      secrets[key] = value;
      secretSources.push(`${key} ← ${variable}`);
    }
  }
  if (Object.keys(patch).length === 0 && Object.keys(secrets).length === 0 && Object.keys(botSecrets).length === 0 && !warRoom && !smartBot && !model) {
    throw new CliUsageError('integrations set: nothing to set; give --auto-match, --oidc-issuer/--oidc-client-id, --email-code-from, a secrets file, --war-room on|off, --smart-bot on|off, --model on|off, …');
  }
  return { id, patch, secrets, ...(warRoom ? { warRoom } : {}), ...(smartBot ? { smartBot } : {}), ...(model ? { model } : {}), botSecrets, secretSources, warnings };
}
