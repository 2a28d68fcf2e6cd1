/**
 * `incidents show` as text: state, version and render version, each card copy's freshness (current,
 * behind, stale, pending) and who got none, and the timeline of events, clicks and their actions.
 * The timeline kept on the incident is bounded.
 */
import { describeIncident } from '../../cli/incidents';
import { appendTimeline, applyIncidentEvent, TIMELINE_MAX_ENTRIES, type Incident } from '../../shared/domain/incident';
import { incidentEventSchema } from '../../shared/domain/incident-events';

const base: Incident = {
  incidentId: 'inc-1',
  version: 2,
  revision: 3,
  title: 'Payments API 5xx',
  severity: 'Critical',
  description: '',
  labels: {},
  responders: ['alice@example.com'],
  targets: [{ integrationId: 'acme', persons: [], groups: [] }],
  status: 'Processing',
  acknowledgedBy: { email: 'bob@example.com', name: 'Bob', platform: 'wecom', userId: 'bob' },
  triggeredAt: 0,
  updatedAt: 0,
  pendingActions: [{ type: 'incident.action', incidentId: 'inc-1', action: 'acknowledge', actor: { email: 'bob@example.com' }, at: '1970-01-01T00:00:00.000Z', idempotencyKey: 'k3' }],
  timeline: [
    { at: 0, kind: 'event', what: 'incident.triggered', version: 1, revision: 1 },
    { at: 1000, kind: 'event', what: 'incident.updated', version: 2, revision: 2 },
    { at: 2000, kind: 'click', what: 'acknowledge', revision: 3, actor: { email: 'bob@example.com', name: 'Bob', platform: 'wecom', userId: 'bob' }, idempotencyKey: 'k3' },
  ],
};

describe('incidents show', () => {
  it('marks each copy current, behind or stale, and shows the timeline with the action each click published', () => {
    const text = describeIncident(
      {
        incident: base,
        weCom: [
          {
            card: {
              integrationId: 'acme',
              incidentId: 'inc-1',
              batches: [
                { taskId: 't0', userIds: ['u1', 'u2'], status: 'sent', sentAt: 0, renderedRevision: 3, stale: false },
                { taskId: 't1', userIds: ['u3'], status: 'sent', sentAt: 0, renderedRevision: 2, stale: true },
                { taskId: 't2', userIds: ['u4'], status: 'sent', sentAt: 0, renderedRevision: 2, stale: false },
              ],
              notLinked: ['carol@example.com'],
              invalidUsers: [],
              createdAt: 0,
            },
            codes: { t0: [{ taskId: 't0', code: 'c', source: 'click', obtainedAt: 0, used: false }] },
          },
        ],
        dingTalk: [{ integrationId: 'ding', incidentId: 'inc-1', outTrackIds: ['o1'], notLinked: [], renderedVersion: 1, queued: true, createdAt: 0 }],
      },
      3000,
    ).join('\n');
    expect(text).toContain('state: Processing');
    expect(text).toContain('processing by: Bob (wecom)');
    expect(text).toMatch(/version: 2 .*revision: 3 .*render version: 3/);
    expect(text).toMatch(/task t0: 2 recipient\(s\), sent .*current \(shows 3\), update codes left: 1/);
    expect(text).toMatch(/task t1: .*STALE \(shows 2, incident at 3; no update code left/);
    expect(text).toMatch(/task t2: .*behind \(shows 2, incident at 3/);
    expect(text).toContain('no card (App Not Linked): carol@example.com');
    expect(text).toMatch(/dingtalk ding: 1 card call\(s\), behind \(shows 1, incident at 3/);
    expect(text).toContain('event  incident.updated v2  → revision 2');
    expect(text).toContain('click  acknowledge by Bob (wecom bob)  → revision 3; action k3 NOT yet published');
  });

  it('keeps the timeline bounded, the newest entries last', () => {
    let timeline = appendTimeline(undefined, { at: 0, kind: 'event', what: 'incident.triggered', version: 1, revision: 1 });
    for (let i = 2; i <= TIMELINE_MAX_ENTRIES + 10; i++) timeline = appendTimeline(timeline, { at: i, kind: 'event', what: 'incident.updated', version: i, revision: i });
    expect(timeline).toHaveLength(TIMELINE_MAX_ENTRIES);
    expect(timeline[timeline.length - 1].version).toBe(TIMELINE_MAX_ENTRIES + 10);

    const event = incidentEventSchema.parse({ type: 'incident.resolved', incidentId: 'inc-1', version: 99, occurredAt: '2026-11-22T02:00:00Z', title: 't', severity: 'Info' });
    const applied = applyIncidentEvent({ ...base, timeline }, event as never, 5000);
    expect(applied.kind === 'applied' && applied.incident.timeline).toHaveLength(TIMELINE_MAX_ENTRIES);
    expect(applied.kind === 'applied' && applied.incident.timeline?.at(-1)).toEqual({ at: 5000, kind: 'event', what: 'incident.resolved', version: 99, revision: 4 });
  });
});
