import { ScheduledAutoLink } from '../../../shared/application/scheduled-auto-link';
import type { OneClickReport } from '../../../shared/application/one-click-link';
import type { AutoLinkSettings } from '../../../shared/domain/auto-link';
import type { Integration } from '../../../shared/domain/integration';

const integration = (id: string) => ({ id, platform: 'wecom' }) as unknown as Integration;

it('runs the integrations set to daily with their ratio and headcount; one failing does not stop the others', async () => {
  const settings: Record<string, AutoLinkSettings> = {
    a: { schedule: 'daily', maxMissRatio: 0.05, headcount: 400, updatedAt: 0 },
    b: { schedule: 'daily', maxMissRatio: 0.1, updatedAt: 0 },
  };
  const calls: unknown[] = [];
  const useCase = new ScheduledAutoLink({
    integrations: { list: async () => [integration('a'), integration('b'), integration('c')] },
    settings: { get: async (id) => settings[id] },
    oneClickLink: {
      run: async (i, options) => {
        calls.push([i.id, options]);
        if (i.id === 'a') throw new Error('secret unreadable');
        return { stoppedAtBudget: true, results: [{ outcome: 'linked' }, { outcome: 'linked' }, { outcome: 'not_found' }] } as unknown as OneClickReport;
      },
    },
  });
  expect(await useCase.runAll()).toEqual([
    { integrationId: 'a', error: 'secret unreadable' },
    { integrationId: 'b', outcomes: { linked: 2, not_found: 1 }, stoppedAtBudget: true },
  ]);
  expect(calls).toEqual([
    ['a', { maxMissRatio: 0.05, headcount: 400 }],
    ['b', { maxMissRatio: 0.1 }],
  ]);
});
