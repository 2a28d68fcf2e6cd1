/**
 * LicenseTrials over in-memory ports and a fake provider API: a trial ending within the window is
 * logged (license_trial_ending, with what to buy and where), later or unenforced trials are not,
 * self-built and disabled integrations are skipped, and one integration's failure leaves the
 * others checked.
 */
import { chinaTime, LicenseTrials } from '../../../shared/application/license-trials';
import type { AppLicenseInfo, WeComSuiteApi } from '../../../shared/application/suite-ports';
import { ProviderSecretMissingError } from '../../../shared/application/suite-tokens';
import type { OperationRecord } from '../../../shared/domain/operation-log';
import type { Integration } from '../../../shared/domain/integration';
import type { SuiteAuthorization, SuiteRecord } from '../../../shared/domain/wecom-suite';

const NOW = Date.parse('2026-03-01T04:00:00Z');
const DAY = 86_400_000;

const suite = (suiteId: string, providerCorpId?: string): SuiteRecord => ({
  suiteId,
  kind: 'third-party',
  apiBase: 'http://127.0.0.1:8788',
  ...(providerCorpId ? { providerCorpId } : {}),
  secretName: `s/${suiteId}`,
  createdAt: '2026-01-01T00:00:00Z',
});

function suiteIntegration(id: string, corpId: string, suiteId = 'wwsuite0001', extra: Partial<Integration> = {}): Integration {
  return {
    id,
    platform: 'wecom',
    settings: { corpId, agentId: '1000005', apiBase: 'http://127.0.0.1:8788', suite: { suiteId, kind: 'third-party' } },
    secretName: `s/${suiteId}/corps/${corpId}`,
    createdAt: '2026-01-01T00:00:00Z',
    ...extra,
  } as Integration;
}

function setup(integrations: Integration[], licenses: Record<string, AppLicenseInfo | Error>) {
  const suites = new Map([
    ['wwsuite0001', suite('wwsuite0001', 'wwprovider01')],
    ['wwnoprovider', suite('wwnoprovider')],
  ]);
  const authorizations = new Map<string, SuiteAuthorization>([
    ['wpAcme', { suiteId: 'wwsuite0001', corpId: 'wpAcme', corpName: 'Acme', agentId: '1000005', status: 'active', secretName: 'x', authorizedAtMs: 0, updatedAtMs: 0 }],
  ]);
  const records: OperationRecord[] = [];
  const asked: string[] = [];
  const api = {
    getAppLicenseInfo: async (_token: string, args: { corpId: string; suiteId: string }) => {
      asked.push(args.corpId);
      const answer = licenses[args.corpId];
      if (answer instanceof Error) throw answer;
      return answer!;
    },
  } as unknown as WeComSuiteApi;
  const trials = new LicenseTrials({
    integrations: { list: async () => integrations },
    suites: { getSuite: async (id) => suites.get(id), getAuthorization: async (_s, corpId) => authorizations.get(corpId) },
    tokens: {
      api: () => api,
      withProviderToken: async (s, call) => {
        if (!s.providerCorpId) throw new ProviderSecretMissingError(`suite ${s.suiteId} has no provider corp id / provider secret`);
        return call('provider-token');
      },
    },
    operationLog: { append: async (r) => void records.push(...r) },
    clock: { nowMs: () => NOW },
  });
  return { trials, records, asked };
}

const enforced = (endInDays: number): AppLicenseInfo => ({ licenseStatus: 1, trialStartMs: NOW - (90 - endInDays) * DAY, trialEndMs: NOW + endInDays * DAY, licenseCheckTimeMs: NOW - 30 * DAY });

it('logs a trial ending within 7 days, with days left, the end date and what to buy; later and unenforced trials are not logged', async () => {
  const { trials, records, asked } = setup(
    [
      suiteIntegration('acme', 'wpAcme'),
      suiteIntegration('later', 'wpLater'),
      suiteIntegration('historic', 'wwhistoric01'),
      suiteIntegration('ended', 'wpEnded'),
      { id: 'own', platform: 'wecom', settings: { corpId: 'wwown', agentId: '1', apiBase: 'http://127.0.0.1:9' }, secretName: 'x', createdAt: 'x' },
      suiteIntegration('off', 'wpOff', 'wwsuite0001', { disabled: { reason: 'authorization cancelled', atMs: NOW - DAY } }),
    ],
    {
      wpAcme: enforced(3.5),
      wpLater: enforced(20),
      // license_status 0 and no check time: WeCom does not hold this corp to licenses (DOC-95844).
      wwhistoric01: { licenseStatus: 0, trialEndMs: NOW + 2 * DAY },
      wpEnded: enforced(-1),
      wpOff: enforced(1),
    },
  );
  const report = await trials.check();
  expect(report).toEqual({ checked: 4, endingSoon: [{ integrationId: 'acme', trialEndMs: NOW + 3.5 * DAY, daysLeft: 3 }], failed: [] });
  expect(asked).toEqual(['wpAcme', 'wpLater', 'wwhistoric01', 'wpEnded']);
  expect(records).toHaveLength(1);
  const record = records[0]!;
  expect(record).toMatchObject({ atMs: NOW, result: 'deferred', reasonCode: 'license_trial_ending', integrationId: 'acme', platform: 'wecom', requestKind: 'license/get_app_license_info' });
  // 2026-03-01T04:00Z + 3.5 days = 2026-03-04T16:00Z = 2026-03-05 00:00 in China.
  expect(chinaTime(NOW + 3.5 * DAY)).toBe('2026-03-05 00:00 (UTC+8)');
  expect(record.reason).toContain('corp Acme (wpAcme) ends in 3 days, on 2026-03-05 00:00 (UTC+8)');
  expect(record.reason).toContain('Buy API access licenses (基础账号) for the members who get cards: provider console → 接口调用许可 (DOC-95652)');
  expect(record.reason).toContain('7 days before a trial ends (DOC-90569)');
  expect(record.reason.length).toBeLessThanOrEqual(1000);
});

it('warns about a pending enforcement too, and takes a wider window when asked', async () => {
  const { trials, records } = setup([suiteIntegration('pending', 'wpPending'), suiteIntegration('later', 'wpLater')], {
    // Not enforced yet, but WeCom named the day it will be (license_check_time).
    wpPending: { licenseStatus: 0, trialEndMs: NOW + 6 * DAY, licenseCheckTimeMs: NOW + 6 * DAY },
    wpLater: enforced(20),
  });
  const report = await trials.check({ warnDays: 30 });
  expect(report.endingSoon.map((e) => [e.integrationId, e.daysLeft])).toEqual([
    ['pending', 6],
    ['later', 20],
  ]);
  expect(records.map((r) => r.integrationId)).toEqual(['pending', 'later']);
  expect(records[0]!.reason).toContain('corp wpPending ends in 6 days');
});

it('reports an integration that fails and still checks the others', async () => {
  const { trials, records } = setup(
    [
      suiteIntegration('no-provider', 'wpNoProv', 'wwnoprovider'),
      suiteIntegration('refused', 'wpRefused'),
      suiteIntegration('no-suite', 'wpNoSuite', 'wwgonesuite1'),
      suiteIntegration('acme', 'wpAcme'),
    ],
    { wpRefused: Object.assign(new Error('license/get_app_license_info: WeCom errcode 60020'), { errcode: 60020 }), wpAcme: enforced(1) },
  );
  const report = await trials.check();
  expect(report.checked).toBe(1);
  expect(report.endingSoon).toEqual([{ integrationId: 'acme', trialEndMs: NOW + DAY, daysLeft: 1 }]);
  expect(report.failed).toEqual([
    { integrationId: 'no-provider', reason: 'suite wwnoprovider has no provider corp id / provider secret' },
    { integrationId: 'refused', reason: 'license/get_app_license_info: WeCom errcode 60020' },
    { integrationId: 'no-suite', reason: 'suite wwgonesuite1 of integration no-suite is not registered (suites add)' },
  ]);
  expect(records.map((r) => r.integrationId)).toEqual(['acme']);
  expect(records[0]!.reason).toContain('ends in 1 day,');
});
