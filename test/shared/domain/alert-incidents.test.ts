import {
  alertDigest,
  describeGroup,
  nextAlertEvent,
  silenceLabel,
  withSilence,
  type AlertEventOutcome,
  type AlertIncidentEvent,
  type AlertIncidentState,
} from '../../../shared/domain/alert-incidents';
import { groupAlerts, type AlertGroup, type AlertNotification, type NormalizedAlert } from '../../../shared/domain/alert-payloads';
import { alertSourceSchema, type AlertSource } from '../../../shared/domain/alert-sources';
import { incidentEventSchema } from '../../../shared/domain/incident-events';

const NOW = Date.parse('2025-03-04T09:00:00Z');

const source: AlertSource = alertSourceSchema.parse({
  id: 'prom-prod',
  kind: 'alertmanager',
  secretName: 'dutybridge/alert-source/prom-prod',
  createdAt: '2025-01-01T00:00:00Z',
  routes: [
    { match: { team: 'db' }, targets: [{ integrationId: 'wecom-1', groups: ['chat-db'] }], responders: ['dba@example.com'] },
    { match: { team: 'web' }, targets: [{ integrationId: 'ding-1', persons: ['web@example.com'] }] },
  ],
});

function alert(instance: string, status: 'firing' | 'resolved', extra: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    fingerprint: `fp-${instance}`,
    status,
    labels: { alertname: 'PostgresReplicationLag', instance, job: 'postgres', severity: 'critical', team: 'db' },
    annotations: { summary: `Replication lag on ${instance}` },
    startsAt: '2025-03-04T08:15:30.123456789Z',
    ...(status === 'resolved' ? { endsAt: '2025-03-04T08:55:00Z' } : {}),
    ...extra,
  };
}

function notification(alerts: NormalizedAlert[], changes: Partial<AlertNotification> = {}): AlertNotification {
  return {
    groupKey: '{}/{team="db"}:{alertname="PostgresReplicationLag"}',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    truncatedAlerts: 0,
    groupLabels: { alertname: 'PostgresReplicationLag' },
    commonLabels: { alertname: 'PostgresReplicationLag', job: 'postgres', severity: 'critical', team: 'db' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    alerts,
    ...changes,
  };
}

const groupOf = (n: AlertNotification, src: AlertSource = source): AlertGroup => groupAlerts(n, src.grouping, src.id)[0]!;

/** The event, after checking it against the incident event contract. */
function published(outcome: AlertEventOutcome): { event: AlertIncidentEvent; state: AlertIncidentState } {
  if ('skip' in outcome) throw new Error(`skipped: ${outcome.skip}`);
  const checked = incidentEventSchema.safeParse(outcome.event);
  expect(checked.error?.issues).toBeUndefined();
  expect(checked.data).toEqual(outcome.event);
  return outcome;
}

describe('nextAlertEvent: the life of an alert group', () => {
  it('triggers, ignores a resend, updates, resolves, reopens, with versions 1 to 4', () => {
    const both = groupOf(notification([alert('db-1', 'firing'), alert('db-2', 'firing')]));
    const first = published(nextAlertEvent(undefined, both, source, NOW));
    expect(first.event).toMatchObject({ type: 'incident.triggered', incidentId: both.incidentId, version: 1, severity: 'Critical', title: 'Replication lag on db-1 (2 firing)' });
    expect(first.event.occurredAt).toBe('2025-03-04T08:15:30.123Z');
    expect(first.event.targets).toEqual([{ integrationId: 'wecom-1', persons: [], groups: ['chat-db'], bots: [] }]);
    expect(first.event.responders).toEqual(['dba@example.com']);
    expect(first.state).toMatchObject({ incidentId: both.incidentId, sourceId: 'prom-prod', version: 1, status: 'firing', firing: ['fp-db-1', 'fp-db-2'], updatedAt: NOW });

    // Alertmanager's repeat_interval: the same group again, later.
    expect(nextAlertEvent(first.state, both, source, NOW + 4 * 3600_000)).toEqual({ skip: 'unchanged' });

    const one = groupOf(notification([alert('db-1', 'firing'), alert('db-2', 'resolved')]));
    const second = published(nextAlertEvent(first.state, one, source, NOW + 60_000));
    expect(second.event).toMatchObject({ type: 'incident.updated', version: 2, title: 'Replication lag on db-1', occurredAt: new Date(NOW + 60_000).toISOString() });
    expect(second.state.firing).toEqual(['fp-db-1']);

    const none = groupOf(notification([alert('db-1', 'resolved'), alert('db-2', 'resolved')]));
    const third = published(nextAlertEvent(second.state, none, source, NOW + 120_000));
    expect(third.event).toMatchObject({ type: 'incident.resolved', version: 3 });
    expect(third.state).toMatchObject({ status: 'resolved', firing: [] });
    expect(nextAlertEvent(third.state, none, source, NOW + 180_000)).toEqual({ skip: 'unchanged' });

    const again = published(nextAlertEvent(third.state, one, source, NOW + 240_000));
    expect(again.event).toMatchObject({ type: 'incident.reopened', version: 4 });
    expect(again.state.status).toBe('firing');
  });

  it('does not open an incident for a group first seen resolved', () => {
    expect(nextAlertEvent(undefined, groupOf(notification([alert('db-1', 'resolved')])), source, NOW)).toEqual({ skip: 'resolved_unknown' });
  });

  it('skips a group no route takes, but keeps an open incident’s recipients when routes change', () => {
    const web = { ...notification([alert('db-1', 'firing')]), commonLabels: { alertname: 'X', team: 'payments' } };
    expect(nextAlertEvent(undefined, groupOf(web), source, NOW)).toEqual({ skip: 'unrouted' });
    const opened = published(nextAlertEvent(undefined, groupOf(notification([alert('db-1', 'firing')])), source, NOW));
    const noRoutes = { ...source, routes: [] };
    const closed = published(nextAlertEvent(opened.state, groupOf(notification([alert('db-1', 'resolved')])), noRoutes, NOW + 1));
    expect(closed.event.type).toBe('incident.resolved');
    expect(closed.event.targets).toEqual(opened.event.targets);
  });

  it('keeps the state’s silence and shows it as a label', () => {
    const opened = published(nextAlertEvent(undefined, groupOf(notification([alert('db-1', 'firing'), alert('db-2', 'firing')])), source, NOW));
    const silence = { id: '6c2f0d3e-silence', endsAt: '2025-03-04T11:00:00.000Z', actionKey: 'silence:2h' };
    const next = published(nextAlertEvent({ ...opened.state, silence }, groupOf(notification([alert('db-1', 'firing')])), source, NOW + 1));
    expect(next.state.silence).toEqual(silence);
    expect(next.event.labels.silence).toBe('6c2f0d3e-silence until 2025-03-04T11:00:00.000Z');
    expect(next.state.last.labels).not.toHaveProperty('silence');
  });
});

describe('withSilence', () => {
  it('repeats the last content as incident.updated with the silence label added, then removed', () => {
    const opened = published(nextAlertEvent(undefined, groupOf(notification([alert('db-1', 'firing')])), source, NOW));
    const silence = { id: 's-1', endsAt: '2025-03-04T11:00:00Z', actionKey: 'silence:2h' };
    const silenced = withSilence(opened.state, silence, NOW + 1000);
    published(silenced);
    // The silence leads the description too (a card may cut a long labels row).
    expect(silenced.event).toMatchObject({ type: 'incident.updated', version: 2, title: opened.event.title, description: `Silenced in Alertmanager until ${silence.endsAt} (silence ${silence.id})\n\n${opened.event.description}` });
    expect(silenced.event.labels).toEqual({ ...opened.event.labels, silence: silenceLabel(silence) });
    expect(silenced.state).toMatchObject({ version: 2, silence, digest: opened.state.digest, updatedAt: NOW + 1000 });

    const unsilenced = withSilence(silenced.state, undefined, NOW + 2000);
    published(unsilenced);
    expect(unsilenced.event.version).toBe(3);
    expect(unsilenced.event.labels).toEqual(opened.event.labels);
    expect(unsilenced.state).not.toHaveProperty('silence');
    // The next webhook goes on from the silence's version.
    expect(published(nextAlertEvent(unsilenced.state, groupOf(notification([alert('db-1', 'resolved')])), source, NOW + 3000)).event.version).toBe(4);
  });
});

describe('describeGroup', () => {
  it('maps severity case-insensitively, then the highest firing alert’s, then the default', () => {
    const n = notification([alert('db-1', 'firing')]);
    expect(describeGroup(groupOf({ ...n, commonLabels: { ...n.commonLabels, severity: 'PAGE' } }), source).severity).toBe('Critical');
    const mixed = notification(
      [alert('db-1', 'firing', { labels: { team: 'db', severity: 'info' } }), alert('db-2', 'firing', { labels: { team: 'db', severity: 'Warning' } }), alert('db-3', 'resolved', { labels: { team: 'db', severity: 'critical' } })],
      { commonLabels: { team: 'db' } },
    );
    expect(describeGroup(groupOf(mixed), source).severity).toBe('Warning');
    expect(describeGroup(groupOf({ ...n, commonLabels: { team: 'db', severity: 'p5' }, alerts: [alert('db-1', 'firing', { labels: { team: 'db' } })] }), source).severity).toBe('Warning');
    expect(describeGroup(groupOf({ ...n, commonLabels: { team: 'db' }, alerts: [alert('db-1', 'firing', { labels: { team: 'db' } })] }), { ...source, defaultSeverity: 'Info' }).severity).toBe('Info');
  });

  it('titles from the common summary, a firing alert’s summary, the alertname or "Alert", within 512 characters', () => {
    const n = notification([alert('db-1', 'resolved'), alert('db-2', 'firing')]);
    expect(describeGroup(groupOf({ ...n, commonAnnotations: { summary: 'Replication lag' } }), source).title).toBe('Replication lag');
    expect(describeGroup(groupOf(n), source).title).toBe('Replication lag on db-2');
    const bare = n.alerts.map((a) => ({ ...a, annotations: {} }));
    expect(describeGroup(groupOf({ ...n, alerts: bare }), source).title).toBe('PostgresReplicationLag');
    // No common alertname: the firing alert's own, else "Alert".
    expect(describeGroup(groupOf({ ...n, alerts: bare, commonLabels: { team: 'db' } }), source).title).toBe('PostgresReplicationLag');
    const nameless = bare.map((a) => ({ ...a, labels: { team: 'db' } }));
    expect(describeGroup(groupOf({ ...n, alerts: nameless, commonLabels: { team: 'db' } }), source).title).toBe('Alert');
    const long = describeGroup(groupOf({ ...n, alerts: [alert('a', 'firing'), alert('b', 'firing')], commonAnnotations: { summary: '😀'.repeat(400) } }), source).title;
    expect(long.length).toBeLessThanOrEqual(512);
    expect(long.endsWith('… (2 firing)')).toBe(true);
    expect(long).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('describes with the common description and one line per firing alert, at most 20', () => {
    const alerts = Array.from({ length: 25 }, (_, i) => alert(`db-${i}`, 'firing'));
    const d = describeGroup(groupOf(notification(alerts, { commonAnnotations: { description: 'Replicas are behind.' }, truncatedAlerts: 7 })), source);
    const lines = d.description.split('\n');
    expect(lines[0]).toBe('Replicas are behind.');
    expect(lines[2]).toBe('- PostgresReplicationLag db-0: Replication lag on db-0');
    expect(lines.filter((l) => l.startsWith('- '))).toHaveLength(20);
    expect(lines).toContain('… and 5 more');
    expect(lines.at(-1)).toBe("7 more alert(s) not listed here (left out by the sender's max_alerts, or to fit a queue message)");
    const huge = describeGroup(groupOf(notification(alerts, { commonAnnotations: { description: 'x'.repeat(8192) } })), source);
    expect(huge.description.length).toBe(8192);
  });

  it('labels with the common labels (30 at most, private ones left out) and the source', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`l${String(i).padStart(2, '0')}`, 'v'.repeat(600)]));
    const d = describeGroup(groupOf(notification([alert('db-1', 'firing')], { commonLabels: { __alert_rule_uid__: 'u', team: 'db', ...many } })), source);
    expect(Object.keys(d.labels)).toHaveLength(31);
    expect(d.labels.alert_source).toBe('prom-prod');
    expect(d.labels).not.toHaveProperty('__alert_rule_uid__');
    expect(d.labels.l00).toHaveLength(512);
  });

  it('links to the firing alert’s generator, else the external URL, only over http(s)', () => {
    const n = notification([alert('db-1', 'firing', { generatorURL: 'http://prometheus:9090/graph?g0.expr=up' })]);
    expect(describeGroup(groupOf(n), source).detailUrl).toBe('http://prometheus:9090/graph?g0.expr=up');
    const noGenerator = { ...n, alerts: [alert('db-1', 'firing', { generatorURL: 'javascript:alert(1)' })] };
    expect(describeGroup(groupOf(noGenerator), source).detailUrl).toBe('http://alertmanager.example.com:9093');
    const { externalURL: _external, ...withoutExternal } = noGenerator;
    expect(describeGroup(groupOf(withoutExternal), source)).not.toHaveProperty('detailUrl');
  });

  it('builds exact silence matchers from the common labels, or the labels all alerts share', () => {
    const d = describeGroup(groupOf(notification([alert('db-1', 'firing')], { commonLabels: { team: 'db', __private__: 'x', alertname: 'Lag' } })), source);
    expect(d.matchers).toEqual([
      { name: 'alertname', value: 'Lag', isRegex: false, isEqual: true },
      { name: 'team', value: 'db', isRegex: false, isEqual: true },
    ]);
    const shared = describeGroup(groupOf(notification([alert('db-1', 'firing'), alert('db-2', 'firing')], { commonLabels: {} })), source);
    expect(shared.matchers.map((m) => `${m.name}=${m.value}`)).toEqual(['alertname=PostgresReplicationLag', 'job=postgres', 'severity=critical', 'team=db']);
    expect(shared.route?.responders).toEqual(['dba@example.com']);
  });

  it('in fingerprint mode, matches the one alert’s own labels', () => {
    const byAlert = { ...source, grouping: 'fingerprint' as const };
    const groups = groupAlerts(notification([alert('db-1', 'firing'), alert('db-2', 'firing')]), 'fingerprint', byAlert.id);
    const d = describeGroup(groups[1]!, byAlert);
    expect(d.matchers).toContainEqual({ name: 'instance', value: 'db-2', isRegex: false, isEqual: true });
    expect(d.firing).toEqual(['fp-db-2']);
    expect(d.title).toBe('Replication lag on db-2');
  });

  it('stays firing while alerts cut by the sender may fire', () => {
    const cut = groupOf(notification([alert('db-1', 'resolved')], { status: 'firing', truncatedAlerts: 3 }));
    expect(describeGroup(cut, source).status).toBe('firing');
    expect(describeGroup({ ...cut, status: 'resolved' }, source).status).toBe('resolved');
  });
});

describe('alertDigest', () => {
  it('ignores times but not content', () => {
    const base = groupOf(notification([alert('db-1', 'firing')]));
    const later = groupOf(notification([alert('db-1', 'firing', { startsAt: '2025-03-04T08:45:00Z', endsAt: '2025-03-04T09:30:00Z' })]));
    expect(alertDigest(describeGroup(later, source))).toBe(alertDigest(describeGroup(base, source)));
    expect(alertDigest(describeGroup(base, source))).toMatch(/^[0-9a-f]{64}$/);
    const changed = groupOf(notification([alert('db-1', 'firing', { annotations: { summary: 'Replication lag on db-1 is 90s' } })]));
    expect(alertDigest(describeGroup(changed, source))).not.toBe(alertDigest(describeGroup(base, source)));
    const rerouted = { ...source, routes: [{ ...source.routes[0]!, responders: ['other@example.com'] }] };
    expect(alertDigest(describeGroup(base, rerouted))).not.toBe(alertDigest(describeGroup(base, source)));
  });
});
