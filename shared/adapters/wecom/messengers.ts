/**
 * WeComMessengers: one WeComClient per integration (credentials from Secrets Manager, base URL
 * from the integration, private deployments included), all sharing one token provider.
 */
import type { IntegrationSecretsReader, WeComMessenger, WeComMessengers } from '../../application/ports';
import type { SuiteCorpTokenSource } from '../../application/suite-tokens';
import type { TokenProvider } from '../../application/token-provider';
import type { WeComIntegration } from '../../domain/integration';
import { WeComClient, type WeComCredentials } from './client';

export class WeComClientMessengers implements WeComMessengers {
  private readonly clients = new Map<string, WeComClient>();

  constructor(
    private readonly secrets: IntegrationSecretsReader,
    private readonly tokens: TokenProvider,
    /** Corp tokens of third-party (suite) integrations (issue 16); without it they cannot send. */
    private readonly suiteCorpTokens?: SuiteCorpTokenSource,
  ) {}

  async forIntegration(integration: WeComIntegration): Promise<WeComMessenger> {
    return this.client(integration);
  }

  /** The integration's client, built once per credentials (also behind the War Room's appchats). */
  async client(integration: WeComIntegration): Promise<WeComClient> {
    const secrets = await this.secrets.weCom(integration);
    const key = `${integration.id}\u0000${integration.settings.apiBase}\u0000${integration.settings.corpId}\u0000${integration.settings.agentId}\u0000${secrets.secret}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new WeComClient(
        { corpId: integration.settings.corpId, agentId: integration.settings.agentId, secret: secrets.secret, apiBase: integration.settings.apiBase },
        {
          tokens: this.tokens,
          timeoutMs: Number(process.env.WECOM_TIMEOUT_MS ?? 5000),
          // 代开发 apps keep gettoken: their permanent code is the app secret (DOC-97164), which the
          // customer can reset (reset_permanent_code): a refused secret is read again once.
          ...(integration.settings.suite?.kind === 'third-party'
            ? { fetchCorpToken: () => this.suiteCorpToken(integration, secrets.secret) }
            : integration.settings.suite?.kind === 'developer-hosted'
              ? { fetchCorpToken: (credentials: WeComCredentials) => this.renewableAppToken(integration, credentials) }
              : {}),
        },
      );
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * gettoken; on 40001 (wrong secret) the secret is read once more past the cache, and if the
   * suite-auth worker has stored a new one since, gettoken is tried with it. Only once: repeated
   * 40001s can get the caller's IP blocked (DOC-90313).
   */
  private async renewableAppToken(integration: WeComIntegration, credentials: WeComCredentials) {
    const options = { tokens: this.tokens, timeoutMs: Number(process.env.WECOM_TIMEOUT_MS ?? 5000) };
    try {
      return await new WeComClient(credentials, options).requestToken();
    } catch (error) {
      if ((error as { errcode?: unknown }).errcode !== 40001) throw error;
      const { secret } = await this.secrets.weCom(integration, { fresh: true });
      if (secret === credentials.secret) throw error;
      return new WeComClient({ ...credentials, secret }, options).requestToken();
    }
  }

  private suiteCorpToken(integration: WeComIntegration, permanentCode: string) {
    if (!this.suiteCorpTokens) throw new Error(`integration ${integration.id} is a third-party (suite) integration, and this function has no suite token source`);
    return this.suiteCorpTokens.corpToken(integration, permanentCode);
  }
}
