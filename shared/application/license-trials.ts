/**
 * Warns before a corp's API-access-license trial ends (issue 16). Every corp that installs a
 * third-party app gets a 90-day trial from its first install (DOC-95652 FAQ 2, DOC-95844); after
 * it, members without an active license get no app messages (message/send lists them as
 * `unlicenseduser`, DOC-90372). WeCom asks providers to warn the customer 7 days before a trial
 * ends (DOC-90569), so the default window is 7 days.
 *
 * The warning is an operation-log record (reasonCode `license_trial_ending`) per suite integration
 * whose trial ends within the window; one integration's failure (a suite without a provider secret,
 * WeCom refusing) is reported and the others are still checked.
 */
import { trialDaysLeft } from '../domain/wecom-suite';
import type { Clock, IntegrationRepository, OperationLog } from './ports';
import type { SuiteStore } from './suite-ports';
import type { SuiteTokens } from './suite-tokens';
import type { WeComIntegration } from '../domain/integration';

export const DEFAULT_TRIAL_WARN_DAYS = 7;

const DAY_MS = 86_400_000;
/** WeCom's dates are China time: a license expires at 00:00 after its last day (DOC-95652 FAQ 6). */
const CHINA_OFFSET_MS = 8 * 3_600_000;

export interface LicenseTrialsDeps {
  readonly integrations: Pick<IntegrationRepository, 'list'>;
  readonly suites: Pick<SuiteStore, 'getSuite' | 'getAuthorization'>;
  readonly tokens: Pick<SuiteTokens, 'api' | 'withProviderToken'>;
  readonly operationLog: Pick<OperationLog, 'append'>;
  readonly clock: Clock;
}

export interface TrialCheckReport {
  /** Suite integrations whose license info was read (the failed ones are not counted). */
  readonly checked: number;
  readonly endingSoon: Array<{ integrationId: string; trialEndMs: number; daysLeft: number }>;
  readonly failed: Array<{ integrationId: string; reason: string }>;
}

/** `2026-05-01 08:00 (UTC+8)`: the moment as WeCom's console shows it. */
export function chinaTime(ms: number): string {
  return `${new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')} (UTC+8)`;
}

export class LicenseTrials {
  constructor(private readonly deps: LicenseTrialsDeps) {}

  async check(options: { warnDays?: number } = {}): Promise<TrialCheckReport> {
    const warnDays = options.warnDays ?? DEFAULT_TRIAL_WARN_DAYS;
    const suiteIntegrations = (await this.deps.integrations.list()).filter(
      (i): i is WeComIntegration => i.platform === 'wecom' && i.settings.suite !== undefined && i.disabled === undefined,
    );
    let checked = 0;
    const endingSoon: TrialCheckReport['endingSoon'] = [];
    const failed: TrialCheckReport['failed'] = [];
    for (const integration of suiteIntegrations) {
      try {
        const ending = await this.checkOne(integration, warnDays);
        checked++;
        if (ending) endingSoon.push(ending);
      } catch (error) {
        failed.push({ integrationId: integration.id, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return { checked, endingSoon, failed };
  }

  private async checkOne(integration: WeComIntegration, warnDays: number): Promise<{ integrationId: string; trialEndMs: number; daysLeft: number } | undefined> {
    const suiteId = integration.settings.suite!.suiteId;
    const corpId = integration.settings.corpId;
    const suite = await this.deps.suites.getSuite(suiteId);
    if (!suite) throw new Error(`suite ${suiteId} of integration ${integration.id} is not registered (suites add)`);
    const api = this.deps.tokens.api(suite);
    const info = await this.deps.tokens.withProviderToken(suite, (token) => api.getAppLicenseInfo(token, { corpId, suiteId }));
    const now = this.deps.clock.nowMs();
    // license_status 0 with no check time: a historical corp WeCom does not hold to licenses (DOC-95844).
    const enforcedOrPending = info.licenseStatus === 1 || (info.licenseCheckTimeMs !== undefined && info.licenseCheckTimeMs > 0);
    if (!enforcedOrPending || info.trialEndMs === undefined) return undefined;
    if (info.trialEndMs <= now || info.trialEndMs > now + warnDays * DAY_MS) return undefined;
    const daysLeft = trialDaysLeft(info.trialEndMs, now);
    const corpName = (await this.deps.suites.getAuthorization(suiteId, corpId).catch(() => undefined))?.corpName;
    const corp = corpName ? `${corpName} (${corpId})` : corpId;
    await this.deps.operationLog.append([
      {
        atMs: now,
        // Nothing failed yet: deliveries to unlicensed members are at risk from the trial's end.
        result: 'deferred',
        reasonCode: 'license_trial_ending',
        reason:
          `WeCom API-access-license trial of corp ${corp} ends in ${daysLeft} day${daysLeft === 1 ? '' : 's'}, on ${chinaTime(info.trialEndMs)}: ` +
          'after it, members without an active license get no cards. Buy API access licenses (基础账号) for the members who get cards: ' +
          'provider console → 接口调用许可 (DOC-95652); WeCom asks providers to tell the customer 7 days before a trial ends (DOC-90569). ' +
          `\`npx dutybridge licenses show --integration ${integration.id}\` lists the active accounts.`,
        integrationId: integration.id,
        platform: 'wecom',
        requestKind: 'license/get_app_license_info',
      },
    ]);
    return { integrationId: integration.id, trialEndMs: info.trialEndMs, daysLeft };
  }
}
