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
import { SuiteTokens, type SuiteCorpTokenSource } from './application/suite-tokens';
import { DynamoSuiteStore } from './adapters/aws/suite-store';
import { SecretsManagerSuiteSecrets } from './adapters/aws/suite-secrets';
import { weComSuiteApiFactory } from './adapters/wecom/suite-client';
import { systemClock } from './application/ports';
import type { Integration } from './domain/integration';
import { readRuntimeConfig } from './config/runtime-config';

/** The platform lookups of an integration, with its credentials from Secrets Manager. */
export class PlatformUserIdLookups implements UserIdLookupsFactory {
  private readonly secrets = new SecretsManagerIntegrationSecrets(getSecretsManagerClient());
  constructor(
    private readonly tokens: TokenProvider,
    /** Corp tokens of third-party suite integrations (issue 16). */
    private readonly suiteCorpTokens?: SuiteCorpTokenSource,
  ) {}

  async forIntegration(integration: Integration): Promise<UserIdLookups> {
    if (integration.platform === 'wecom') {
      const { secret } = await this.secrets.weCom(integration);
      const s = integration.settings;
      const suiteTokens = s.suite?.kind === 'third-party' ? this.suiteCorpTokens : undefined;
      const client = new WeComClient(
        { corpId: s.corpId, agentId: s.agentId, secret, apiBase: s.apiBase },
        {
          tokens: this.tokens,
          timeoutMs: Number(process.env.WECOM_TIMEOUT_MS ?? 5000),
          ...(suiteTokens ? { fetchCorpToken: () => suiteTokens.corpToken(integration, secret) } : {}),
        },
      );
      return { byMobile: (m) => client.getUserIdByMobile(m), byEmail: (e) => client.getUserIdByEmail(e) };
    }
    const client = await new DingTalkClients(this.secrets, this.tokens).forIntegration(integration);
    return { byMobile: (m) => client.getUserIdByMobile(m) };
  }
}

/**
 * Suite corp tokens over the state table (the suite and its ticket). Only `read()` of the suite
 * secrets is used here (by the suite's own secret name), so no secret prefix is needed.
 */
function suiteCorpTokens(tableName: string, tokens: TokenProvider): SuiteCorpTokenSource {
  return new SuiteTokens({
    suites: new DynamoSuiteStore(getDocumentClient(), tableName),
    secrets: new SecretsManagerSuiteSecrets(getSecretsManagerClient(), ''),
    api: weComSuiteApiFactory,
    tokens,
    clock: systemClock,
  });
}

/** One-Click Link over the state table `tableName`. */
export function createOneClickLink(tableName: string): OneClickLink {
  const client = getDocumentClient();
  const tokens = new TokenProvider({ store: new DynamoAccessTokenStore(client, tableName) });
  return new OneClickLink({
    members: new DynamoMemberDirectory(client, tableName),
    links: new DynamoLinkStore(client, tableName),
    lookups: new PlatformUserIdLookups(tokens, suiteCorpTokens(tableName, tokens)),
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
