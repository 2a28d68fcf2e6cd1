/**
 * Composition of One-Click Link (shared/application/one-click-link.ts) over the deployment's
 * adapters: used by the CLI (`links auto`, from the operator's machine) and by the daily auto-link
 * function (shared/application/scheduled-auto-link.ts).
 */
import { DynamoAccessTokenStore } from './adapters/aws/access-token-store';
import { DynamoAutoLinkSettings } from './adapters/aws/auto-link-settings';
import { getDocumentClient, getSecretsManagerClient } from './adapters/aws/clients';
import { DynamoIntegrationRepository } from './adapters/aws/integration-repository';
import { DynamoLinkStore } from './adapters/aws/link-store';
import { DynamoLookupMissCounter } from './adapters/aws/lookup-miss-counter';
import { DynamoMemberDirectory } from './adapters/aws/member-directory';
import { DynamoOperationLog } from './adapters/aws/operation-log';
import { SecretsManagerIntegrationSecrets } from './adapters/aws/secrets';
import { DingTalkClients } from './adapters/dingtalk/messengers';
import { WeComClient } from './adapters/wecom/client';
import { OneClickLink, type UserIdLookups, type UserIdLookupsFactory } from './application/one-click-link';
import { ScheduledAutoLink } from './application/scheduled-auto-link';
import { TokenProvider } from './application/token-provider';
import type { Integration } from './domain/integration';
import { readRuntimeConfig } from './config/runtime-config';

/** The platform lookups of an integration, with its credentials from Secrets Manager. */
export class PlatformUserIdLookups implements UserIdLookupsFactory {
  private readonly secrets = new SecretsManagerIntegrationSecrets(getSecretsManagerClient());
  constructor(private readonly tokens: TokenProvider) {}

  async forIntegration(integration: Integration): Promise<UserIdLookups> {
    if (integration.platform === 'wecom') {
      const { secret } = await this.secrets.weCom(integration);
      const s = integration.settings;
      const client = new WeComClient({ corpId: s.corpId, agentId: s.agentId, secret, apiBase: s.apiBase }, { tokens: this.tokens, timeoutMs: Number(process.env.WECOM_TIMEOUT_MS ?? 5000) });
      return { byMobile: (m) => client.getUserIdByMobile(m), byEmail: (e) => client.getUserIdByEmail(e) };
    }
    const client = await new DingTalkClients(this.secrets, this.tokens).forIntegration(integration);
    return { byMobile: (m) => client.getUserIdByMobile(m) };
  }
}

/** One-Click Link over the state table `tableName`. */
export function createOneClickLink(tableName: string): OneClickLink {
  const client = getDocumentClient();
  return new OneClickLink({
    members: new DynamoMemberDirectory(client, tableName),
    links: new DynamoLinkStore(client, tableName),
    lookups: new PlatformUserIdLookups(new TokenProvider({ store: new DynamoAccessTokenStore(client, tableName) })),
    misses: new DynamoLookupMissCounter(client, tableName),
    operationLog: new DynamoOperationLog(client, tableName),
    nowMs: () => Date.now(),
  });
}

export function autoLinkSettings(tableName: string): DynamoAutoLinkSettings {
  return new DynamoAutoLinkSettings(getDocumentClient(), tableName);
}

/** The daily run over the deployment's state table (STATE_TABLE_NAME). */
export function scheduledAutoLink(): ScheduledAutoLink {
  const tableName = readRuntimeConfig().stateTableName;
  return new ScheduledAutoLink({
    integrations: new DynamoIntegrationRepository(getDocumentClient(), tableName),
    settings: autoLinkSettings(tableName),
    oneClickLink: createOneClickLink(tableName),
  });
}
