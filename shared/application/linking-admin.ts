/**
 * `npx dutybridge integrations set ID …`: the account-linking settings of an integration
 * (shared/domain/linking-settings.ts) and their optional secrets (`oidcClientSecret`, `smtpUrl`,
 * merged into the integration's secret). Validated as a whole before anything is written.
 */
import { BadRequestError, NotFoundError } from '../domain/errors';
import { dingTalkSecretsSchema, integrationSchema, weComSecretsSchema, type Integration } from '../domain/integration';
import type { SecretWriter } from './integration-admin';
import type { IntegrationRepository } from './ports';

export interface LinkingPatch {
  readonly autoMatch?: boolean;
  /** `null` removes single sign-on. */
  readonly oidc?: { readonly issuer: string; readonly clientId: string } | null;
  /** `null` removes one-time codes by email. */
  readonly emailCode?: { readonly from: string; readonly ses?: boolean } | null;
  readonly oauthBase?: string;
  readonly jsapiUrl?: string;
  readonly loginBase?: string;
}

export interface LinkingSecretsPatch {
  readonly oidcClientSecret?: string;
  readonly smtpUrl?: string;
}

export class InvalidLinkingSettingsError extends BadRequestError {
  constructor(message: string) {
    super('invalid_linking_settings', message);
  }
}

export class LinkingAdmin {
  constructor(
    private readonly repo: IntegrationRepository,
    private readonly secrets: SecretWriter,
  ) {}

  async set(id: string, patch: LinkingPatch, secretsPatch: LinkingSecretsPatch = {}): Promise<Integration> {
    const integration = await this.repo.get(id);
    if (!integration) throw new NotFoundError('unknown_integration', `no integration with id ${id}`);
    const platformKeys = integration.platform === 'wecom' ? ['jsapiUrl', 'loginBase'] : ['oauthBase'];
    for (const key of platformKeys) {
      if ((patch as Record<string, unknown>)[key] !== undefined) throw new InvalidLinkingSettingsError(`${key} is not a ${integration.platform === 'wecom' ? 'WeCom' : 'DingTalk'} setting`);
    }
    const linking: Record<string, unknown> = { ...(integration.settings.linking ?? {}) };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) delete linking[key];
      else linking[key] = value;
    }
    const parsed = integrationSchema.safeParse({ ...integration, settings: { ...integration.settings, linking } });
    if (!parsed.success) {
      throw new InvalidLinkingSettingsError(parsed.error.issues.map((issue) => `${issue.path.filter((p) => p !== 'settings').join('.')}: ${issue.message}`).join('; '));
    }
    if (secretsPatch.oidcClientSecret !== undefined || secretsPatch.smtpUrl !== undefined) {
      const stored = (await this.secrets.read(integration.secretName)) ?? {};
      const merged = { ...stored, ...secretsPatch };
      const schema = integration.platform === 'wecom' ? weComSecretsSchema : dingTalkSecretsSchema;
      const check = schema.safeParse(merged);
      if (!check.success) throw new InvalidLinkingSettingsError(check.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      await this.secrets.write(integration.secretName, merged);
    }
    await this.repo.put(parsed.data);
    return parsed.data;
  }
}
