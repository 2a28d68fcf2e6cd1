/**
 * `dutybridge links auto --integration ID [--dry-run] [--max-miss-ratio R] [--headcount N]`:
 * One-Click Link (shared/application/one-click-link.ts) from the operator's machine: the lookups
 * go to the platform with the integration's credentials (Secrets Manager), the misses are counted
 * in the stack's state table (shared with every other run of the day), links and operation
 * records are written to the stack.
 */
import { autoLinkSettings, createOneClickLink } from '../shared/auto-link-composition';
import type { OneClickReport } from '../shared/application/one-click-link';
import type { IntegrationRepository } from '../shared/application/ports';
import { DEFAULT_MAX_MISS_RATIO, InvalidLookupBudgetError, missBudget } from '../shared/domain/lookup-budget';
import { formatTable } from './table';
import { CliUsageError } from './target';

export interface LinksAutoFlags {
  /** `--schedule daily|off`: store (or remove) the daily run's setting instead of running now. */
  readonly schedule?: 'daily' | 'off';
  readonly dryRun: boolean;
  readonly maxMissRatio: number;
  readonly headcount?: number;
}

/** The flags, refused before any stack is opened when they are wrong. */
export function parseLinksAutoFlags(values: { integration?: string; 'dry-run'?: boolean; 'max-miss-ratio'?: string; headcount?: string; schedule?: string }): LinksAutoFlags {
  if (!values.integration) throw new CliUsageError('links auto needs --integration ID');
  const schedule = values.schedule;
  if (schedule !== undefined && schedule !== 'daily' && schedule !== 'off') throw new CliUsageError(`--schedule: "${schedule}" is not daily or off`);
  if (schedule !== undefined && values['dry-run']) throw new CliUsageError('--schedule sets the daily run; it takes no --dry-run (the daily run links)');
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
  return { ...(schedule !== undefined ? { schedule } : {}), dryRun: values['dry-run'] === true, maxMissRatio, ...(headcount !== undefined ? { headcount } : {}) };
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
  if (flags.schedule !== undefined) return schedule(integrationId, flags, deps.tableName, print, json);
  const useCase = createOneClickLink(deps.tableName);
  const report = await useCase.run(integration, flags);
  print(json, report, formatReport(report));
  return report.stoppedAtBudget || report.results.some((r) => r.outcome === 'failed') ? 1 : 0;
}

/** `--schedule daily|off`: the setting the daily auto-link function reads (shared/domain/auto-link.ts). */
async function schedule(integrationId: string, flags: LinksAutoFlags, tableName: string, print: (json: boolean, value: unknown, text: string) => void, json: boolean): Promise<number> {
  const store = autoLinkSettings(tableName);
  if (flags.schedule === 'off') {
    const removed = await store.remove(integrationId);
    print(json, { integrationId, schedule: 'off', removed }, removed ? `${integrationId}: the daily One-Click Link is off` : `${integrationId} had no daily One-Click Link`);
    return 0;
  }
  const settings = { schedule: 'daily' as const, maxMissRatio: flags.maxMissRatio, ...(flags.headcount !== undefined ? { headcount: flags.headcount } : {}), updatedAt: Date.now() };
  await store.put(integrationId, settings);
  print(
    json,
    { integrationId, ...settings },
    `${integrationId}: One-Click Link runs daily (the auto-link function), at most ${Math.round(flags.maxMissRatio * 100)}% of headcount ${flags.headcount ?? '(the number of members)'} failed lookups a day, shared with manual runs; --schedule off stops it`,
  );
  return 0;
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
