/**
 * DingTalk clients per integration (credentials from Secrets Manager, base URLs from the
 * integration), sharing one token provider; and the one-off card callback registration.
 */
import type { IntegrationSecretsReader } from '../../application/ports';
import type { DingTalkIntegration, DingTalkSecrets } from '../../domain/integration';
import { DingTalkClient, type AccessTokenSource } from './client';

export function dingTalkClientFor(integration: DingTalkIntegration, secrets: Pick<DingTalkSecrets, 'clientSecret'>, tokens: AccessTokenSource): DingTalkClient {
  return new DingTalkClient(
    {
      clientId: integration.settings.clientId,
      clientSecret: secrets.clientSecret,
      apiBase: integration.settings.apiBase,
      oapiBase: integration.settings.oapiBase,
      robotCode: integration.settings.robotCode ?? integration.settings.clientId,
    },
    { tokens, timeoutMs: Number(process.env.DINGTALK_TIMEOUT_MS ?? 5000) },
  );
}

export class DingTalkClients {
  private readonly clients = new Map<string, DingTalkClient>();

  constructor(
    private readonly secrets: IntegrationSecretsReader,
    private readonly tokens: AccessTokenSource,
  ) {}

  async forIntegration(integration: DingTalkIntegration): Promise<DingTalkClient> {
    const secrets = await this.secrets.dingTalk(integration);
    const s = integration.settings;
    const key = [integration.id, s.clientId, s.apiBase, s.oapiBase, s.robotCode, secrets.clientSecret].join('\u0000');
    let client = this.clients.get(key);
    if (!client) {
      client = dingTalkClientFor(integration, secrets, this.tokens);
      this.clients.set(key, client);
    }
    return client;
  }
}
