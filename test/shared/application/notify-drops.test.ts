/**
 * No silent drops in notify: an event whose targets all name unknown integrations is recorded as
 * dropped and not stored (its version stays free, so the corrected event applies); unknown targets
 * among known ones, events without targets and targets nobody can receive are recorded with a
 * reason code and plain words; drops are counted in a metric.
 */
import { NotifyUseCase } from '../../../shared/application/notify';
import { ConcurrentUpdateError, type IncidentRepository } from '../../../shared/application/ports';
import type { Incident } from '../../../shared/domain/incident';
import { incidentEventSchema } from '../../../shared/domain/incident-events';
import type { Integration } from '../../../shared/domain/integration';
import { countingDrops, DELIVERIES_DROPPED_METRIC } from '../../../shared/runtime/drop-metric';

class MemoryIncidents implements IncidentRepository {
  readonly items = new Map<string, Incident>();
  saves = 0;
  async get(id: string) {
    return this.items.get(id);
  }
  async save(next: Incident, expectedRevision: number) {
    const current = this.items.get(next.incidentId);
    if ((current?.revision ?? 0) !== expectedRevision) throw new ConcurrentUpdateError(next.incidentId);
    this.saves++;
    this.items.set(next.incidentId, next);
  }
  async clearPendingActions() {
    return true;
  }
}

function setup(integrationIds: string[]) {
  const known = new Map<string, Integration>(integrationIds.map((id) => [id, { id, platform: 'wecom' } as Integration]));
  const incidents = new MemoryIncidents();
  const records: { outcome: string; details: Record<string, unknown> }[] = [];
  const delivered: string[] = [];
  const refreshed: string[] = [];
  const useCase = new NotifyUseCase({
    incidents,
    integrations: { get: async (id) => known.get(id), put: async () => undefined, list: async () => [...known.values()], delete: async () => false },
    members: { upsert: async () => undefined, remove: async () => undefined, get: async () => undefined },
    weComCards: { deliver: async (integration: { id: string }) => void delivered.push(integration.id) } as never,
    dingTalkCards: { deliver: async () => undefined } as never,
    clicks: { flushPending: async () => false },
    refresh: { request: async (id) => void refreshed.push(id) },
    clock: { nowMs: () => 1_000 },
    record: (outcome, details) => void records.push({ outcome, details }),
  });
  const drops = () => records.filter((r) => r.details.result === 'dropped').map((r) => ({ outcome: r.outcome, ...r.details }));
  return { useCase, incidents, records, drops, delivered, refreshed, known };
}

const triggered = (targets: unknown[], version = 1) =>
  incidentEventSchema.parse({ type: 'incident.triggered', incidentId: 'inc-1', version, occurredAt: '2026-11-22T02:00:00Z', title: 'Payments API 5xx', severity: 'Critical', responders: ['alice@example.com'], targets });

describe('notify: events for unknown integrations', () => {
  it('drops an event whose every target is unknown without spending its version; the corrected event is applied', async () => {
    const t = setup(['demo-wecom']);
    expect(await t.useCase.process(triggered([{ integrationId: 'acme-wecom', persons: ['alice@example.com'] }]))).toBe('dropped');
    expect(t.incidents.saves).toBe(0);
    expect(t.incidents.items.get('inc-1')).toBeUndefined();
    expect(t.delivered).toEqual([]);
    expect(t.refreshed).toEqual([]);
    expect(t.drops()).toEqual([
      expect.objectContaining({ outcome: 'unknown_target_integration', reasonCode: 'integration_unknown', incidentId: 'inc-1', integrationId: 'acme-wecom', reason: expect.stringMatching(/no integration "acme-wecom".*version is not spent/) }),
    ]);

    // A redelivery is dropped again, still without a write.
    expect(await t.useCase.process(triggered([{ integrationId: 'acme-wecom' }]))).toBe('dropped');
    expect(t.incidents.saves).toBe(0);

    // The corrected event, same version 1, is applied and delivered.
    expect(await t.useCase.process(triggered([{ integrationId: 'demo-wecom', persons: ['alice@example.com'] }]))).toBe('applied');
    expect(t.incidents.items.get('inc-1')?.version).toBe(1);
    expect(t.delivered).toEqual(['demo-wecom']);
  });

  it('applies the dropped event once its integration exists (a redelivery after integrations add)', async () => {
    const t = setup([]);
    expect(await t.useCase.process(triggered([{ integrationId: 'acme-wecom' }]))).toBe('dropped');
    t.known.set('acme-wecom', { id: 'acme-wecom', platform: 'wecom' } as Integration);
    expect(await t.useCase.process(triggered([{ integrationId: 'acme-wecom' }]))).toBe('applied');
    expect(t.delivered).toEqual(['acme-wecom']);
  });

  it('does not spend a newer version of an existing incident on an event for unknown integrations', async () => {
    const t = setup(['demo-wecom']);
    await t.useCase.process(triggered([{ integrationId: 'demo-wecom' }]));
    const update = incidentEventSchema.parse({ type: 'incident.updated', incidentId: 'inc-1', version: 2, occurredAt: '2026-11-22T02:05:00Z', title: 'Payments API 5xx above 20%', severity: 'Critical', targets: [{ integrationId: 'acme-wecom' }] });
    expect(await t.useCase.process(update)).toBe('dropped');
    expect(t.incidents.items.get('inc-1')).toMatchObject({ version: 1, revision: 1, title: 'Payments API 5xx' });
    const corrected = incidentEventSchema.parse({ ...update, targets: [{ integrationId: 'demo-wecom' }] });
    expect(await t.useCase.process(corrected)).toBe('applied');
    expect(t.incidents.items.get('inc-1')).toMatchObject({ version: 2, title: 'Payments API 5xx above 20%' });
  });

  it('a stale event stays stale (not dropped) even when its targets are unknown', async () => {
    const t = setup(['demo-wecom']);
    await t.useCase.process(triggered([{ integrationId: 'demo-wecom' }], 3));
    expect(await t.useCase.process(triggered([{ integrationId: 'acme-wecom' }], 2))).toBe('stale');
    // Only the stale version is recorded (operation log: event_version_stale), not its unknown target.
    expect(t.drops().map((d) => (d as { reasonCode?: string }).reasonCode)).toEqual(['event_version_stale']);
  });

  it('applies an event with a known and an unknown target, and records the unknown one as dropped', async () => {
    const t = setup(['demo-wecom']);
    expect(await t.useCase.process(triggered([{ integrationId: 'demo-wecom' }, { integrationId: 'acme-wecom' }]))).toBe('applied');
    expect(t.incidents.items.get('inc-1')?.version).toBe(1);
    expect(t.delivered).toEqual(['demo-wecom']);
    expect(t.drops()).toEqual([expect.objectContaining({ reasonCode: 'integration_unknown', integrationId: 'acme-wecom', incidentId: 'inc-1', reason: expect.stringContaining('Add the integration') })]);
  });

  it('records a triggered event without targets as dropped (no_target), and keeps it', async () => {
    const t = setup(['demo-wecom']);
    expect(await t.useCase.process(triggered([]))).toBe('applied');
    expect(t.incidents.items.get('inc-1')?.version).toBe(1);
    expect(t.drops()).toEqual([expect.objectContaining({ outcome: 'no_target', reasonCode: 'no_target', incidentId: 'inc-1', reason: expect.stringContaining('names no targets') })]);
  });
});

describe('the DeliveriesDropped metric', () => {
  it('counts drops and nothing else', () => {
    const counted: string[] = [];
    const logged: string[] = [];
    const sink = countingDrops((outcome) => void logged.push(outcome), (name) => void counted.push(name));
    sink('card_sent', { incidentId: 'inc-1' });
    sink('app_not_linked', { result: 'dropped', reasonCode: 'app_not_linked', incidentId: 'inc-1' });
    expect(logged).toEqual(['card_sent', 'app_not_linked']);
    expect(counted).toEqual([DELIVERIES_DROPPED_METRIC]);
  });
});
