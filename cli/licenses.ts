/**
 * `dutybridge licenses show --integration ID` (issue 16): the WeCom API access licenses of a corp
 * that installed the operator's third-party app. Members without an active license get no app
 * messages once the 90-day trial is over (DOC-95652, DOC-95844); this shows the trial end, the days
 * left and the members that hold a license.
 */
import type { SuiteAdmin, SuiteLicenses } from '../shared/application/suite-admin';
import { chinaTime } from '../shared/application/license-trials';
import { formatTable } from './table';
import { CliUsageError } from './target';

export const LICENSES_USAGE = `  licenses show --integration ID [--json]
                                   WeCom API access licenses of a third-party app's corp: trial end, days left,
                                   active accounts (members without one get no cards once the trial is over)`;

type Print = (json: boolean, value: unknown, text: string) => void;

/** list_actived_account `type` (DOC-95544). */
const ACCOUNT_TYPES: Readonly<Record<number, string>> = { 1: 'basic (基础账号)', 2: 'interconnection (互通账号)' };

export async function licensesCommand(action: string, values: { integration?: string; json?: boolean }, deps: { admin: Pick<SuiteAdmin, 'licenses'> }, print: Print): Promise<number> {
  if (action !== 'show') throw new CliUsageError(`unknown command: licenses ${action}`);
  if (!values.integration) throw new CliUsageError('licenses show needs --integration ID');
  const licenses = await deps.admin.licenses({ integrationId: values.integration });
  print(values.json === true, licenses, describeLicenses(licenses));
  return 0;
}

export function describeLicenses(l: SuiteLicenses): string {
  const lines = [`${l.integrationId}: corp ${l.corpId}, suite ${l.suiteId}`, `  licenses enforced: ${enforcement(l)}`, `  trial: ${trial(l)}`, `  active accounts: ${l.accounts.length}`];
  if (l.accounts.length) {
    const rows = l.accounts.map((a) => [a.userId, ACCOUNT_TYPES[a.type] ?? `type ${a.type}`, chinaTime(a.activeTimeMs), chinaTime(a.expireTimeMs)]);
    lines.push(...formatTable(['USERID', 'TYPE', 'ACTIVATED', 'EXPIRES'], rows).split('\n').map((line) => `  ${line}`));
  }
  return lines.join('\n');
}

/** license_status 1 = enforced; 0 = not yet, from license_check_time when WeCom gives one (DOC-95844). */
function enforcement(l: SuiteLicenses): string {
  if (l.licenseStatus === 1) return `yes${l.licenseCheckTimeMs ? ` (since ${chinaTime(l.licenseCheckTimeMs)})` : ''}`;
  return l.licenseCheckTimeMs ? `not yet (from ${chinaTime(l.licenseCheckTimeMs)})` : 'no (WeCom does not hold this corp to licenses)';
}

function trial(l: SuiteLicenses): string {
  if (l.trialEndMs === undefined || l.trialDaysLeft === undefined) return 'none reported';
  const start = l.trialStartMs !== undefined ? `${chinaTime(l.trialStartMs)} → ` : '';
  if (l.trialDaysLeft < 0) return `${start}ended ${chinaTime(l.trialEndMs)}`;
  return `${start}ends ${chinaTime(l.trialEndMs)}, ${l.trialDaysLeft} day${l.trialDaysLeft === 1 ? '' : 's'} left`;
}
