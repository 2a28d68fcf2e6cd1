import { RefreshCardsUseCase } from '../../../shared/application/notify';
import type { Incident } from '../../../shared/domain/incident';

const incident: Incident = {
  incidentId: 'inc-9',
  version: 1,
  revision: 3,
  title: 'x',
  severity: 'Info',
  description: '',
  labels: {},
  responders: [],
  targets: [],
  status: 'Snoozed',
  snoozedUntil: 10_000_000,
  triggeredAt: 0,
  updatedAt: 0,
};

function setup(nowMs: number) {
  const requests: { incidentId: string; options?: { delaySeconds?: number; notBefore?: number } }[] = [];
  const refreshed: string[] = [];
  const useCase = new RefreshCardsUseCase({
    incidents: { get: async () => incident, save: async () => undefined, clearPendingActions: async () => true },
    integrations: { get: async (id: string) => ({ id, platform: 'wecom' }) as never, put: async () => undefined, list: async () => [], delete: async () => false },
    weComCards: { refresh: async (integration: { id: string }) => void refreshed.push(integration.id) } as never,
    dingTalkCards: { refresh: async () => 0 } as never,
    clicks: { flushPending: async () => false },
    cards: { cardsOfIncident: async () => [{ platform: 'wecom', integrationId: 'w1' }] },
    refresh: { request: async (incidentId, options) => void requests.push({ incidentId, options }) },
    clock: { nowMs: () => nowMs },
  });
  return { useCase, requests, refreshed };
}

describe('refresh-card and snoozes', () => {
  it('waits for the end of a snooze in SQS-sized hops, then refreshes', async () => {
    const early = setup(10_000_000 - 2_000_000);
    expect(await early.useCase.process({ incidentId: 'inc-9', notBefore: 10_000_000 })).toBe('deferred');
    expect(early.requests).toEqual([{ incidentId: 'inc-9', options: { delaySeconds: 2000, notBefore: 10_000_000 } }]);
    expect(early.refreshed).toEqual([]);

    const due = setup(10_000_000);
    expect(await due.useCase.process({ incidentId: 'inc-9', notBefore: 10_000_000 })).toBe('refreshed');
    expect(due.refreshed).toEqual(['w1']);
    expect(due.requests).toEqual([]);
  });
});
