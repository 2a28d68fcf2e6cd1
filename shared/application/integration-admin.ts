/**
 * Administration of integrations (used by the CLI and the local demo seed): validates the console
 * fields, stores secrets in Secrets Manager and settings in DynamoDB, and describes integrations
 * with secrets masked.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { BadRequestError, NotFoundError } from '../domain/errors';
import { explainIssue, valueAtPath } from '../domain/explain-issues';
import {
  callbackPaths,
  dingTalkSecretsSchema,
  dingTalkSettingsSchema,
  integrationIdSchema,
  maskSecret,
  weComSecretsSchema,
  weComSettingsSchema,
  type Integration,
} from '../domain/integration';
import type { IntegrationRepository } from './ports';

export interface SecretWriter {
  write(name: string, value: object): Promise<void>;
  read(name: string): Promise<Record<string, string> | undefined>;
  delete(name: string): Promise<void>;
}

export const DEFAULT_WECOM_API_BASE = 'https://qyapi.weixin.qq.com';
export const DEFAULT_DINGTALK_API_BASE = 'https://api.dingtalk.com';
export const DEFAULT_DINGTALK_OAPI_BASE = 'https://oapi.dingtalk.com';

/** Letters of the random suffix: lower-case letters and digits, as integration ids allow. */
const ID_SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** 10 characters: about 51 bits, so an id (and the callback URLs that carry it) cannot be guessed. */
export const ID_SUFFIX_LENGTH = 10;
const idPrefixSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,51}$/, 'id prefix: 1-52 chars of a-z, 0-9 and -, starting with a letter or digit'));

/** `<prefix>-<10 random characters>`: the id an integration gets unless one is given explicitly. */
export function integrationIdWithSuffix(prefix: string): string {
  const bytes = randomBytes(ID_SUFFIX_LENGTH);
  // 256 = 7 × 36 + 4: the bias of the modulo is below 2 %, irrelevant for unguessability.
  const suffix = Array.from(bytes, (b) => ID_SUFFIX_ALPHABET[b % ID_SUFFIX_ALPHABET.length]).join('');
  return integrationIdSchema.parse(`${idPrefixSchema.parse(prefix)}-${suffix}`);
}

export const addWeComInputSchema = z.object({
  /** An explicit id is used as given; without one the id is `<idPrefix>-<random suffix>`. */
  id: z.optional(integrationIdSchema),
  idPrefix: z.optional(idPrefixSchema),
  name: z.optional(z.string().check(z.maxLength(128))),
  corpId: weComSettingsSchema.shape.corpId,
  agentId: weComSettingsSchema.shape.agentId,
  apiBase: z._default(weComSettingsSchema.shape.apiBase, DEFAULT_WECOM_API_BASE),
  secret: weComSecretsSchema.shape.secret,
  token: weComSecretsSchema.shape.token,
  aesKey: weComSecretsSchema.shape.encodingAesKey,
});

export const addDingTalkInputSchema = z.object({
  id: z.optional(integrationIdSchema),
  idPrefix: z.optional(idPrefixSchema),
  name: z.optional(z.string().check(z.maxLength(128))),
  clientId: dingTalkSettingsSchema.shape.clientId,
  clientSecret: dingTalkSecretsSchema.shape.clientSecret,
  token: dingTalkSecretsSchema.shape.token,
  aesKey: dingTalkSecretsSchema.shape.aesKey,
  cardApiSecret: dingTalkSecretsSchema.shape.cardApiSecret,
  apiBase: z._default(dingTalkSettingsSchema.shape.apiBase, DEFAULT_DINGTALK_API_BASE),
  /** Defaults to apiBase when that is not the public DingTalk host (simulator, private endpoint). */
  oapiBase: z.optional(dingTalkSettingsSchema.shape.oapiBase),
  robotCode: dingTalkSettingsSchema.shape.robotCode,
  cardTemplateId: dingTalkSettingsSchema.shape.cardTemplateId,
  corpId: dingTalkSettingsSchema.shape.corpId,
  edition: dingTalkSettingsSchema.shape.edition,
  developmentAddOns: dingTalkSettingsSchema.shape.developmentAddOns,
  qpsPerAppAndApi: dingTalkSettingsSchema.shape.qpsPerAppAndApi,
  monthlyMeteredCalls: dingTalkSettingsSchema.shape.monthlyMeteredCalls,
  monthlyWebhookMessages: dingTalkSettingsSchema.shape.monthlyWebhookMessages,
});

export class InvalidIntegrationInputError extends BadRequestError {
  constructor(
    message: string,
    /** Each refused field of the input with what is wrong ("is missing", "must be one of …"), so a caller can name it its own way (the CLI: by its flag). */
    readonly problems: readonly { field: string; problem: string }[] = [],
  ) {
    super('invalid_integration', message);
    this.name = 'InvalidIntegrationInputError';
  }
}

function parseInput<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? '(input)'), problem: explainIssue(i, valueAtPath(input, i.path)) }));
    throw new InvalidIntegrationInputError(problems.map((p) => `${p.field} ${p.problem}`).join('; '), problems);
  }
  return parsed.data;
}

export class IntegrationAdmin {
  constructor(
    private readonly repo: IntegrationRepository,
    private readonly secrets: SecretWriter,
    private readonly secretNamePrefix: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async addWeCom(input: unknown, options: { replace?: boolean } = {}): Promise<Integration> {
    const i = parseInput(addWeComInputSchema, input);
    const id = i.id ?? integrationIdWithSuffix(i.idPrefix ?? 'wecom');
    await this.refuseExisting(id, options.replace);
    const secretName = this.secretName('wecom', id);
    await this.secrets.write(secretName, { secret: i.secret, token: i.token, encodingAesKey: i.aesKey });
    const integration: Integration = {
      id,
      platform: 'wecom',
      name: i.name,
      settings: { corpId: i.corpId, agentId: i.agentId, apiBase: i.apiBase },
      secretName,
      createdAt: this.now().toISOString(),
    };
    await this.repo.put(integration);
    return integration;
  }

  async addDingTalk(input: unknown, options: { replace?: boolean } = {}): Promise<Integration> {
    const i = parseInput(addDingTalkInputSchema, input);
    const id = i.id ?? integrationIdWithSuffix(i.idPrefix ?? 'dingtalk');
    await this.refuseExisting(id, options.replace);
    const secretName = this.secretName('dingtalk', id);
    await this.secrets.write(secretName, { clientSecret: i.clientSecret, token: i.token, aesKey: i.aesKey, cardApiSecret: i.cardApiSecret });
    const oapiBase = i.oapiBase ?? (i.apiBase === DEFAULT_DINGTALK_API_BASE ? DEFAULT_DINGTALK_OAPI_BASE : i.apiBase);
    const integration: Integration = {
      id,
      platform: 'dingtalk',
      name: i.name,
      settings: {
        clientId: i.clientId,
        apiBase: i.apiBase,
        oapiBase,
        robotCode: i.robotCode ?? i.clientId,
        cardTemplateId: i.cardTemplateId,
        corpId: i.corpId,
        edition: i.edition,
        developmentAddOns: i.developmentAddOns,
        qpsPerAppAndApi: i.qpsPerAppAndApi,
        monthlyMeteredCalls: i.monthlyMeteredCalls,
        monthlyWebhookMessages: i.monthlyWebhookMessages,
      },
      secretName,
      createdAt: this.now().toISOString(),
    };
    await this.repo.put(integration);
    return integration;
  }

  list(): Promise<Integration[]> {
    return this.repo.list();
  }

  get(id: string): Promise<Integration | undefined> {
    return this.repo.get(id);
  }

  /** Settings, callback URLs to paste into the console, and secrets masked. */
  async describe(
    id: string,
    apiBaseUrl: string,
  ): Promise<{ integration: Integration; callbackUrls: Record<string, string>; secrets: Record<string, string>; secretsUnreadable?: string }> {
    const integration = await this.repo.get(id);
    if (!integration) throw new NotFoundError('unknown_integration', `no integration with id ${id}`);
    let stored: Record<string, unknown> = {};
    let secretsUnreadable: string | undefined;
    try {
      stored = (await this.secrets.read(integration.secretName)) ?? {};
    } catch (error) {
      // On a deployed stack only the functions (and secretReaderArns) may decrypt the secrets: the
      // settings and callback URLs are still worth showing to an operator who may not.
      secretsUnreadable = error instanceof Error ? error.message : String(error);
    }
    const secrets = Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, maskSecret(String(v))]));
    const base = apiBaseUrl.replace(/\/+$/, '');
    const callbackUrls = Object.fromEntries(Object.entries(callbackPaths(integration)).map(([k, p]) => [k, `${base}${p}`]));
    return { integration, callbackUrls, secrets, ...(secretsUnreadable ? { secretsUnreadable } : {}) };
  }

  async remove(id: string): Promise<boolean> {
    const integration = await this.repo.get(id);
    if (!integration) return false;
    await this.repo.delete(id);
    // A suite integration's secret is the corp's permanent code, kept with the authorization
    // (suites/<suiteId>/corps/<corpId>): the integration can be added again without a re-install.
    if (!(integration.platform === 'wecom' && integration.settings.suite)) await this.secrets.delete(integration.secretName);
    return true;
  }

  /**
   * `<prefix>integrations/<platform>/<id>`: the platform segment lets IAM grant each function the
   * secrets of the platform it serves (shared/config/resources.ts integrationSecretsPath, which the
   * CDK stack grants by). Integrations added before it keep their `integrations/<id>` secret,
   * which stays readable; `--replace` writes the new one (the old secret is left to delete by hand).
   */
  private secretName(platform: 'wecom' | 'dingtalk', id: string): string {
    return `${this.secretNamePrefix}integrations/${platform}/${id}`;
  }

  private async refuseExisting(id: string, replace = false): Promise<void> {
    if (!replace && (await this.repo.get(id))) {
      throw new InvalidIntegrationInputError(`integration ${id} already exists (remove it first, or pass --replace)`);
    }
  }
}
