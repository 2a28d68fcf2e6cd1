/**
 * `dutybridge links auto --integration ID [--dry-run] [--max-miss-ratio R] [--headcount N]`:
 * One-Click Link (shared/application/one-click-link.ts) from the operator's machine: the lookups
 * go to the platform with the integration's credentials (Secrets Manager), the misses are counted
 * in the stack's state table (shared with every other run of the day), links and operation
 * records are written to the stack.
 */
import { DynamoAccessTokenStore } from '../shared/adapters/aws/access-token-store';
import { getDocumentClient, getSecretsManagerClient } from '../shared/adapters/aws/clients';
import { DynamoLinkStore } from '../shared/adapters/aws/link-store';
import { DynamoLookupMissCounter } from '../shared/adapters/aws/lookup-miss-counter';
import { DynamoMemberDirectory } from '../shared/adapters/aws/member-directory';
import { DynamoOperationLog } from '../shared/adapters/aws/operation-log';
import { SecretsManagerIntegrationSecrets } from '../shared/adapters/aws/secrets';
import { DingTalkClients } from '../shared/adapters/dingtalk/messengers';
import { WeComClient } from '../shared/adapters/wecom/client';
import { OneClickLink, type OneClickReport, type UserIdLookups, type UserIdLookupsFactory } from '../shared/application/one-click-link';
import type { IntegrationRepository } from '../shared/application/ports';
import { TokenProvider } from '../shared/application/token-provider';
import type { Integration } from '../shared/domain/integration';
import { DEFAULT_MAX_MISS_RATIO, InvalidLookupBudgetError, missBudget } from '../shared/domain/lookup-budget';
import { formatTable } from './table';
import { CliUsageError } from './target';

export interface LinksAutoFlags {
  readonly dryRun: boolean;
  readonly maxMissRatio: number;
  readonly headcount?: number;
}

/** The flags, refused before any stack is opened when they are wrong. */
export function parseLinksAutoFlags(values: { integration?: string; 'dry-run'?: boolean; 'max-miss-ratio'?: string; headcount?: string }): LinksAutoFlags {
  if (!values.integration) throw new CliUsageError('links auto needs --integration ID');
  const ratioText = values['max-miss-ratio'];
  const maxMissRatio = ratioText === undefined ? DEFAULT_MAX_MISS_RATIO : Number(ratioText);
  if (ratioText !== undefined && (!/^\d*\.?\d+$/.test(ratioText) || !Number.isFinite(maxMissRatio))) throw new CliUsageError(`--max-miss-ratio: "${ratioText}" is not a number such as 0.1`);
  const headcountText = values.headcount;
  if (headcountText !== undefined && !/^[1-9]\d{0,6}$/.test(headcountText)) throw new CliUsageError(`--headcount: "${headcountText}" is not a whole number ≥ 1`);
  const headcount = headcountText === undefined ? undefined : Number(headcountText);
  try {
    missBudget(headcount ?? 1000, maxMissRatio);
  } catch (error) {
    if (error instanceof InvalidLookupBudgetError) throw new CliUsageError(`--max-miss-ratio: ${error.message}`);
    throw error;
  }
  return { dryRun: values['dry-run'] === true, maxMissRatio, ...(headcount !== undefined ? { headcount } : {}) };
}

/** The platform lookups of an integration, with its credentials from Secrets Manager. */
export class PlatformUserIdLookups implements UserIdLookupsFactory {
  private readonly secrets = new SecretsManagerIntegrationSecrets(getSecretsManagerClient());
  constructor(private readonly tokens: TokenProvider) {}

  async forIntegration(integration: Integration): Promise<UserIdLookups> {
    if (integration.platform === 'wecom') {
      const { secret } = await this.secrets.weCom(integration);
      const s = integration.settings;
      const client = new WeComClient({ corpId: s.corpId, agentId: s.agentId, secret, apiBase: s.apiBase }, { tokens: this.tokens });
      return { byMobile: (m) => client.getUserIdByMobile(m), byEmail: (e) => client.getUserIdByEmail(e) };
    }
    const client = await new DingTalkClients(this.secrets, this.tokens).forIntegration(integration);
    return { byMobile: (m) => client.getUserIdByMobile(m) };
  }
}

export async function linksAutoCommand(
  integrationId: string,
  flags: LinksAutoFlags,
  deps: { integrations: IntegrationRepository; tableName: string },
  print: (json: boolean, value: unknown, text: string) => void,
  json: boolean,
): Promise<number> {
  const integration = await deps.integrations.get(integrationId);
  if (!integration) throw new CliUsageError(`no integration ${integrationId}`);
  const client = getDocumentClient();
  const useCase = new OneClickLink({
    members: new DynamoMemberDirectory(client, deps.tableName),
    links: new DynamoLinkStore(client, deps.tableName),
    lookups: new PlatformUserIdLookups(new TokenProvider({ store: new DynamoAccessTokenStore(client, deps.tableName) })),
    misses: new DynamoLookupMissCounter(client, deps.tableName),
    operationLog: new DynamoOperationLog(client, deps.tableName),
    nowMs: () => Date.now(),
  });
  const report = await useCase.run(integration, flags);
  print(json, report, formatReport(report));
  return report.stoppedAtBudget || report.results.some((r) => r.outcome === 'failed') ? 1 : 0;
}

const OUTCOME_WORDS = { linked: 'linked', would_link: 'would link', not_found: 'not found', conflict: 'conflict', failed: 'failed', not_tried: 'not tried' } as const;

export function formatReport(r: OneClickReport): string {
  const lines: string[] = [];
  if (r.results.length > 0) {
    lines.push(formatTable(['EMAIL', 'NAME', 'RESULT', 'USERID', 'FOUND BY', 'REASON'], r.results.map((x) => [x.email, x.name || '-', OUTCOME_WORDS[x.outcome], x.userId ?? '-', x.via ?? '-', x.reason])));
  } else {
    lines.push(`every member is linked in ${r.integrationId}; nothing to look up`);
  }
  const count = (o: keyof typeof OUTCOME_WORDS) => r.results.filter((x) => x.outcome === o).length;
  const parts = (r.dryRun ? (['would_link'] as const) : (['linked'] as const)).map((o) => `${OUTCOME_WORDS[o]} ${count(o)}`);
  parts.push(...(['not_found', 'conflict', 'failed', 'not_tried'] as const).map((o) => `${OUTCOME_WORDS[o]} ${count(o)}`));
  lines.push(`${r.dryRun ? 'dry run (no links written; the lookups were real and their misses count): ' : ''}${parts.join(', ')} of ${r.unlinkedMembers} unlinked members`);
  lines.push(
    `failed lookups on ${r.day} (UTC+8): ${r.missesAfter} of ${r.budget} allowed (${Math.round(r.maxMissRatio * 100)}% of headcount ${r.headcount}; WeCom blocks lookups for a day above 20%)` +
      (r.stoppedAtBudget ? ' — stopped: the budget is used up; the rest can be tried tomorrow or linked with links set' : ''),
  );
  return lines.join('\n');
}
