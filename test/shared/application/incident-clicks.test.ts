import { IncidentClicks } from '../../../shared/application/incident-clicks';
import { ConcurrentUpdateError, type IncidentRepository } from '../../../shared/application/ports';
import { applyIncidentEvent, type Incident } from '../../../shared/domain/incident';
import type { IncidentActionMessage } from '../../../shared/domain/incident-action';

/** An in-memory repository with the same compare-and-swap contract as the DynamoDB one. */
class MemoryIncidents implements IncidentRepository {
  stored: Incident | undefined;
  failNextPublishAfterSave = false;
  async get(): Promise<Incident | undefined> {
    return this.stored && structuredClone(this.stored);
  }
  async save(next: Incident, expected: number): Promise<void> {
    if ((this.stored?.revision ?? 0) !== expected) throw new ConcurrentUpdateError(next.incidentId);
    this.stored = structuredClone(next);
  }
  async clearPendingActions(_id: string, revision: number): Promise<boolean> {
    if (!this.stored || this.stored.revision !== revision) return false;
    this.stored = { ...this.stored, pendingActions: undefined };
    return true;
  }
}

const triggered = (): Incident => {
  const r = applyIncidentEvent(
    undefined,
    { type: 'incident.triggered', incidentId: 'i1', version: 1, occurredAt: '2026-11-22T00:00:00Z', title: 't', severity: 'Critical', description: '', labels: {}, responders: [], targets: [] },
    0,
  );
  if (r.kind !== 'applied') throw new Error('x');
  return r.incident;
};

function setup() {
  const incidents = new MemoryIncidents();
  incidents.stored = triggered();
  const published: IncidentActionMessage[] = [];
  let crash = false;
  const clicks = new IncidentClicks({
    incidents,
    actions: {
      publish: async (m) => {
        if (crash) {
          crash = false;
          throw new Error('lambda died before publishing');
        }
        published.push(m as IncidentActionMessage);
      },
    },
    refresh: { request: async () => undefined },
    clock: { nowMs: () => 1000 },
    record: () => undefined,
  });
  return { incidents, published, clicks, crashNextPublish: () => (crash = true) };
}

const alice = { email: 'alice@example.com', platform: 'wecom' as const, userId: 'alice' };

describe('the action outbox', () => {
  it('publishes one action per transition and empties the outbox', async () => {
    const { incidents, published, clicks } = setup();
    expect((await clicks.apply('i1', { kind: 'acknowledge' }, alice, 'click-1')).kind).toBe('transition');
    expect(published.map((m) => m.action)).toEqual(['acknowledge']);
    expect(incidents.stored?.pendingActions).toBeUndefined();
  });

  it('a publish lost after the state change is published by whoever touches the incident next', async () => {
    const { incidents, published, clicks, crashNextPublish } = setup();
    crashNextPublish();
    await expect(clicks.apply('i1', { kind: 'acknowledge' }, alice, 'click-1')).rejects.toThrow('lambda died');
    expect(published).toHaveLength(0);
    expect(incidents.stored?.status).toBe('Processing');
    expect(incidents.stored?.pendingActions).toHaveLength(1);

    // An event from the incident system keeps the outbox; then another person's click flushes it.
    const next = applyIncidentEvent(incidents.stored, { type: 'incident.updated', incidentId: 'i1', version: 2, occurredAt: '2026-11-22T00:01:00Z', title: 't2', severity: 'Critical', description: '', labels: {}, responders: [], targets: [] }, 2000);
    if (next.kind !== 'applied') throw new Error('x');
    await incidents.save(next.incident, incidents.stored!.revision);
    expect(incidents.stored?.pendingActions).toHaveLength(1);

    await clicks.apply('i1', { kind: 'resolve' }, { ...alice, userId: 'bob', email: 'bob@example.com' }, 'click-2');
    expect(published.map((m) => m.action)).toEqual(['acknowledge', 'resolve']);
    expect(new Set(published.map((m) => m.idempotencyKey)).size).toBe(2);
    expect(incidents.stored?.pendingActions).toBeUndefined();
  });
});
