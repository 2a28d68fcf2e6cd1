import fc from 'fast-check';
import { applyIncidentAction, applyIncidentEvent, effectiveStatus, parseActionKey, actionKey, type Incident } from '../../../shared/domain/incident';
import type { IncidentEvent } from '../../../shared/domain/incident-events';

const base = {
  incidentId: 'inc-1',
  occurredAt: '2026-11-22T00:00:00Z',
  title: 'DB down',
  severity: 'Critical' as const,
  description: '',
  labels: {},
  responders: ['a@example.com'],
  targets: [],
};
const ev = (type: string, version: number, extra: object = {}) => ({ ...base, type, version, ...extra }) as unknown as Extract<IncidentEvent, { incidentId: string }>;
const actor = { email: 'a@example.com' };

function triggered(): Incident {
  const r = applyIncidentEvent(undefined, ev('incident.triggered', 1) as never, 1000);
  if (r.kind !== 'applied') throw new Error('x');
  return r.incident;
}

describe('incident events', () => {
  it('creates, ignores stale and repeated versions, and follows the stream', () => {
    const t = triggered();
    expect(t).toMatchObject({ status: 'Triggered', revision: 1, version: 1 });
    expect(applyIncidentEvent(t, ev('incident.updated', 1) as never, 2000).kind).toBe('stale');
    const ack = applyIncidentEvent(t, ev('incident.acknowledged', 2, { actorEmail: 'b@example.com' }) as never, 2000);
    expect(ack).toMatchObject({ kind: 'applied', incident: { status: 'Processing', revision: 2, acknowledgedBy: { email: 'b@example.com' } } });
    const closed = applyIncidentEvent((ack as { incident: Incident }).incident, ev('incident.resolved', 5) as never, 3000);
    expect(closed).toMatchObject({ incident: { status: 'Closed' } });
    const reopened = applyIncidentEvent((closed as { incident: Incident }).incident, ev('incident.reopened', 6) as never, 4000);
    expect(reopened).toMatchObject({ incident: { status: 'Triggered', closedBy: undefined } });
  });

  it('a snooze runs out back to Triggered', () => {
    const s = applyIncidentEvent(triggered(), ev('incident.snoozed', 2, { until: '2026-11-22T01:00:00Z' }) as never, 0);
    const incident = (s as { incident: Incident }).incident;
    expect(effectiveStatus(incident, Date.parse('2026-11-22T00:59:59Z'))).toBe('Snoozed');
    expect(effectiveStatus(incident, Date.parse('2026-11-22T01:00:00Z'))).toBe('Triggered');
  });
});

describe('clicks', () => {
  it('Start Processing, then Close; a late click never reopens a closed incident', () => {
    const t = triggered();
    const ack = applyIncidentAction(t, { kind: 'acknowledge' }, actor, 10);
    expect(ack).toMatchObject({ kind: 'transition', incident: { status: 'Processing', revision: 2 } });
    const again = applyIncidentAction((ack as { incident: Incident }).incident, { kind: 'acknowledge' }, actor, 11);
    expect(again).toMatchObject({ kind: 'noChange', reason: 'already being processed' });
    const closed = (applyIncidentAction(t, { kind: 'resolve' }, actor, 12) as { incident: Incident }).incident;
    for (const a of [{ kind: 'acknowledge' }, { kind: 'snooze', minutes: 120 }, { kind: 'resolve' }] as const) {
      expect(applyIncidentAction(closed, a, actor, 13).kind).toBe('noChange');
    }
  });

  it('only offered snooze lengths are accepted', () => {
    expect(applyIncidentAction(triggered(), { kind: 'snooze', minutes: 7 }, actor, 0).kind).toBe('noChange');
    expect(applyIncidentAction(triggered(), { kind: 'snooze', minutes: 30 }, actor, 0)).toMatchObject({ incident: { status: 'Snoozed', snoozedUntil: 30 * 60_000 } });
  });

  it('action keys round-trip and anything else is refused', () => {
    fc.assert(
      fc.property(fc.constantFrom({ kind: 'acknowledge' as const }, { kind: 'resolve' as const }, { kind: 'refresh' as const }, { kind: 'snooze' as const, minutes: 240 }), (a) => {
        expect(parseActionKey(actionKey(a))).toEqual(a);
      }),
    );
    for (const bad of ['', 'ack', 'snooze:', 'snooze:abc', 'resolve ', 'snooze:999999']) expect(parseActionKey(bad)).toBeUndefined();
  });

  it('every transition bumps the revision by exactly one (compare-and-swap needs it)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('acknowledge', 'resolve', 'snooze:120', 'refresh'), { maxLength: 20 }), (keys) => {
        let incident = triggered();
        for (const key of keys) {
          const outcome = applyIncidentAction(incident, parseActionKey(key)!, actor, 0);
          if (outcome.kind === 'transition') expect(outcome.incident.revision).toBe(incident.revision + 1);
          else expect(outcome.incident).toBe(incident);
          incident = outcome.incident;
        }
      }),
    );
  });
});
