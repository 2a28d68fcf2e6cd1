/**
 * WeComMessengers: one WeComClient per integration (credentials from Secrets Manager, base URL
 * from the integration, private deployments included), all sharing one token provider.
 */
import type { IntegrationSecretsReader, WeComMessenger, WeComMessengers } from '../../application/ports';
import type { SuiteCorpTokenSource } from '../../application/suite-tokens';
import type { TokenProvider } from '../../application/token-provider';
import type { WeComIntegration } from '../../domain/integration';
import { WeComClient } from './client';

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
          // 代开发 apps keep gettoken: their permanent code is the app secret (DOC-97164).
          ...(integration.settings.suite?.kind === 'third-party' ? { fetchCorpToken: () => this.suiteCorpToken(integration, secrets.secret) } : {}),
        },
      );
      this.clients.set(key, client);
    }
    return client;
  }

  private suiteCorpToken(integration: WeComIntegration, permanentCode: string) {
    if (!this.suiteCorpTokens) throw new Error(`integration ${integration.id} is a third-party (suite) integration, and this function has no suite token source`);
    return this.suiteCorpTokens.corpToken(integration, permanentCode);
  }
}
