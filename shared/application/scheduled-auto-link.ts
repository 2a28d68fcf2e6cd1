/**
 * The daily run of One-Click Link (functions/auto-link): every integration whose setting says
 * `daily` (shared/domain/auto-link.ts) gets a OneClickLink run with its ratio and headcount. The
 * runs share the daily miss budget with manual `links auto` runs (the counter is the same), so a
 * schedule can never push WeCom's error count towards its 20% block. One integration failing
 * (its secret unreadable, the platform down) does not stop the others.
 */
import type { AutoLinkSettings } from '../domain/auto-link';
import type { Integration } from '../domain/integration';
import type { OneClickLink, OneClickOutcome } from './one-click-link';

export interface AutoLinkSettingsStore {
  get(integrationId: string): Promise<AutoLinkSettings | undefined>;
  put(integrationId: string, settings: AutoLinkSettings): Promise<void>;
  remove(integrationId: string): Promise<boolean>;
}

export interface ScheduledAutoLinkRun {
  readonly integrationId: string;
  /** Count per outcome; absent when the run failed. */
  readonly outcomes?: Partial<Record<OneClickOutcome, number>>;
  readonly stoppedAtBudget?: boolean;
  readonly error?: string;
}

export class ScheduledAutoLink {
  constructor(
    private readonly deps: {
      readonly integrations: { list(): Promise<Integration[]> };
      readonly settings: Pick<AutoLinkSettingsStore, 'get'>;
      readonly oneClickLink: Pick<OneClickLink, 'run'>;
    },
  ) {}

  async runAll(): Promise<ScheduledAutoLinkRun[]> {
    const runs: ScheduledAutoLinkRun[] = [];
    for (const integration of await this.deps.integrations.list()) {
      const settings = await this.deps.settings.get(integration.id);
      if (settings?.schedule !== 'daily') continue;
      try {
        const report = await this.deps.oneClickLink.run(integration, { maxMissRatio: settings.maxMissRatio, ...(settings.headcount !== undefined ? { headcount: settings.headcount } : {}) });
        const outcomes: Partial<Record<OneClickOutcome, number>> = {};
        for (const r of report.results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
        runs.push({ integrationId: integration.id, outcomes, stoppedAtBudget: report.stoppedAtBudget });
      } catch (error) {
        runs.push({ integrationId: integration.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return runs;
  }
}
