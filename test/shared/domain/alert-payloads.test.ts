import grafanaWebhook from '../../fixtures/grafana-webhook.json';
import {
  alertIncidentId,
  cutText,
  groupAlerts,
  jsonBytes,
  labelsFingerprint,
  parseAlertPayload,
  splitGroups,
  type AlertGroup,
  type AlertNotification,
} from '../../../shared/domain/alert-payloads';

/** What Alertmanager 0.27 posts for a group of two alerts, one resolving (fields as in `<webhook_config>`). */
function alertmanagerPayload(): Record<string, unknown> {
  return {
    receiver: 'dutybridge',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'PostgresReplicationLag', instance: 'db-1:9187', job: 'postgres', severity: 'critical', team: 'db' },
        annotations: { summary: 'Replication lag on db-1 is 42s', description: 'Replica db-1 is 42s behind its primary.', runbook_url: 'https://runbooks.example.com/pg-lag' },
        startsAt: '2025-03-04T08:15:30.123456789Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=pg_replication_lag+%3E+30&g0.tab=1',
        fingerprint: '4a5b6c7d8e9f0a1b',
      },
      {
        status: 'resolved',
        labels: { alertname: 'PostgresReplicationLag', instance: 'db-2:9187', job: 'postgres', severity: 'critical', team: 'db' },
        annotations: { summary: 'Replication lag on db-2 is 35s' },
        startsAt: '2025-03-04T08:10:00Z',
        endsAt: '2025-03-04T08:20:00.5+08:00',
        generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=pg_replication_lag+%3E+30&g0.tab=1',
        fingerprint: 'b1c2d3e4f5a6b7c8',
      },
    ],
    groupLabels: { alertname: 'PostgresReplicationLag' },
    commonLabels: { alertname: 'PostgresReplicationLag', job: 'postgres', severity: 'critical', team: 'db' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    version: '4',
    groupKey: '{}/{team="db"}:{alertname="PostgresReplicationLag"}',
    truncatedAlerts: 0,
  };
}

function parsed(kind: 'alertmanager' | 'grafana', json: unknown): AlertNotification {
  const result = parseAlertPayload(kind, json);
  if (!result.ok) throw new Error(result.reason);
  return result.notification;
}

function reasonFor(kind: 'alertmanager' | 'grafana', json: unknown): string {
  const result = parseAlertPayload(kind, json);
  if (result.ok) throw new Error('expected a refusal');
  return result.reason;
}

/** The payload with `change` applied to a deep copy. */
function variant(change: (payload: any) => void): Record<string, unknown> {
  const copy = structuredClone(alertmanagerPayload());
  change(copy);
  return copy;
}

describe('parseAlertPayload: Alertmanager', () => {
  it('normalizes a webhook v4 body: the zero endsAt is unset, times stay as sent', () => {
    const n = parsed('alertmanager', alertmanagerPayload());
    expect(n.groupKey).toBe('{}/{team="db"}:{alertname="PostgresReplicationLag"}');
    expect(n.status).toBe('firing');
    expect(n.truncatedAlerts).toBe(0);
    expect(n.externalURL).toBe('http://alertmanager.example.com:9093');
    expect(n.alerts).toHaveLength(2);
    expect(n.alerts[0]).toEqual({
      fingerprint: '4a5b6c7d8e9f0a1b',
      status: 'firing',
      labels: { alertname: 'PostgresReplicationLag', instance: 'db-1:9187', job: 'postgres', severity: 'critical', team: 'db' },
      annotations: { summary: 'Replication lag on db-1 is 42s', description: 'Replica db-1 is 42s behind its primary.', runbook_url: 'https://runbooks.example.com/pg-lag' },
      startsAt: '2025-03-04T08:15:30.123456789Z',
      generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=pg_replication_lag+%3E+30&g0.tab=1',
    });
    expect(n.alerts[1]?.endsAt).toBe('2025-03-04T08:20:00.5+08:00');
  });

  it('ignores fields it does not use, defaults truncatedAlerts, reads null maps as empty', () => {
    const n = parsed('alertmanager', variant((p) => {
      p.somethingNew = { nested: true };
      p.alerts[0].extra = 1;
      delete p.truncatedAlerts;
      p.commonAnnotations = null;
      p.alerts[1].annotations = null;
    }));
    expect(n.truncatedAlerts).toBe(0);
    expect(n.commonAnnotations).toEqual({});
    expect(n.alerts[1]?.annotations).toEqual({});
    expect(n.alerts[0]).not.toHaveProperty('extra');
  });

  it('computes a fingerprint from the labels when the sender gives none, independent of their order', () => {
    const n = parsed('alertmanager', variant((p) => {
      delete p.alerts[0].fingerprint;
      p.alerts[1].fingerprint = '';
    }));
    const fp = n.alerts[0]!.fingerprint;
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(fp).toBe(labelsFingerprint({ team: 'db', severity: 'critical', job: 'postgres', instance: 'db-1:9187', alertname: 'PostgresReplicationLag' }));
    expect(n.alerts[1]!.fingerprint).not.toBe(fp);
  });

  it('refuses bodies it cannot use, naming the first problem path', () => {
    expect(reasonFor('alertmanager', variant((p) => (p.version = '3')))).toBe('version: must be one of 4');
    expect(reasonFor('alertmanager', variant((p) => (p.alerts[1].labels = 'team=db')))).toBe('alerts.1.labels: must be a record');
    expect(reasonFor('alertmanager', variant((p) => (p.alerts[0].status = 'pending')))).toBe('alerts.0.status: must be one of firing, resolved');
    expect(reasonFor('alertmanager', variant((p) => delete p.groupKey))).toBe('groupKey: is missing');
    expect(reasonFor('alertmanager', variant((p) => (p.alerts[0].startsAt = 'yesterday')))).toBe('alerts.0.startsAt: must be a valid datetime');
    expect(reasonFor('alertmanager', variant((p) => (p.alerts[0].labels['x'.repeat(129)] = 'v')))).toBe(`alerts.0.labels.${'x'.repeat(129)}: name must be at most 128 characters`);
    expect(reasonFor('alertmanager', variant((p) => (p.alerts[0].labels.team = 'v'.repeat(2049))))).toBe('alerts.0.labels.team: must be at most 2048 characters');
    expect(reasonFor('alertmanager', variant((p) => (p.alerts[0].annotations.description = 'd'.repeat(8193))))).toBe('alerts.0.annotations.description: must be at most 8192 characters');
    expect(reasonFor('alertmanager', variant((p) => (p.alerts[0].labels = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`l${i}`, 'v'])))))).toBe('alerts.0.labels: must have at most 100 entries');
    expect(reasonFor('alertmanager', variant((p) => (p.truncatedAlerts = -1)))).toBe('truncatedAlerts: must not be negative');
    expect(reasonFor('alertmanager', [])).toBe('(root): must be an object');
  });

  it('accepts 5,000 alerts and refuses 5,001', () => {
    const alert = (alertmanagerPayload().alerts as unknown[])[0];
    expect(parseAlertPayload('alertmanager', variant((p) => (p.alerts = Array.from({ length: 5000 }, () => alert)))).ok).toBe(true);
    expect(reasonFor('alertmanager', variant((p) => (p.alerts = Array.from({ length: 5001 }, () => alert))))).toBe('alerts: must be at most 5000 items');
  });
});

describe('parseAlertPayload: Grafana', () => {
  it('reads the example payload of Grafana’s webhook documentation', () => {
    expect(grafanaWebhook._source).toMatch(/^https:\/\/grafana\.com\/docs\/.*webhook-notifier/);
    const n = parsed('grafana', grafanaWebhook);
    expect(n.groupKey).toBe('{}:{}');
    expect(n.commonLabels).toEqual({ team: 'blue' });
    expect(n.externalURL).toBe('https://play.grafana.org/');
    expect(n.alerts.map((a) => [a.fingerprint, a.status, a.labels.zone, a.endsAt])).toEqual([
      ['c6eadffa33fcdf37', 'firing', 'us-1', undefined],
      ['bc97ff14869b13e3', 'firing', 'eu-1', undefined],
    ]);
    expect(n.alerts[0]?.generatorURL).toBe('https://play.grafana.org/alerting/1afz29v7z/edit');
    // Grafana's own extras are not carried into the notification.
    expect(n.alerts[0]).not.toHaveProperty('silenceURL');
  });

  it('computes missing fingerprints (older Grafana) and is not mistaken for Alertmanager', () => {
    const old = structuredClone(grafanaWebhook) as any;
    delete old.alerts[0].fingerprint;
    expect(parsed('grafana', old).alerts[0]?.fingerprint).toBe(labelsFingerprint({ alertname: 'High memory usage', team: 'blue', zone: 'us-1' }));
    expect(reasonFor('alertmanager', grafanaWebhook)).toBe('version: must be one of 4');
  });
});

describe('groupAlerts', () => {
  const n = parsed('alertmanager', alertmanagerPayload());

  it('makes one group per notification in group mode, keyed by groupKey', () => {
    const [group, ...rest] = groupAlerts(n, 'group', 'prom-prod');
    expect(rest).toEqual([]);
    expect(group!.key).toBe(n.groupKey);
    expect(group!.incidentId).toBe(alertIncidentId('prom-prod', n.groupKey));
    expect(group!.incidentId).toMatch(/^alert-prom-prod-[0-9a-f]{24}$/);
    expect(group!.alerts).toHaveLength(2);
    expect(group!.status).toBe('firing');
    expect(group!.commonLabels).toEqual(n.commonLabels);
    // Another source with the same group is another incident.
    expect(alertIncidentId('prom-stage', n.groupKey)).not.toBe(group!.incidentId);
  });

  it('makes one group per alert in fingerprint mode, its labels as the common labels', () => {
    const groups = groupAlerts({ ...n, truncatedAlerts: 3 }, 'fingerprint', 'prom-prod');
    expect(groups.map((g) => [g.key, g.status, g.alerts.length, g.truncatedAlerts])).toEqual([
      ['4a5b6c7d8e9f0a1b', 'firing', 1, 0],
      ['b1c2d3e4f5a6b7c8', 'resolved', 1, 0],
    ]);
    expect(groups[1]!.commonLabels).toEqual(n.alerts[1]!.labels);
    expect(groups[1]!.incidentId).toBe(alertIncidentId('prom-prod', 'b1c2d3e4f5a6b7c8'));
    expect(alertIncidentId('a'.repeat(63), 'k').length).toBeLessThanOrEqual(128);
  });
});

describe('splitGroups', () => {
  const KIB = 1024;

  /** 1,000 alerts of about 600 bytes each: about 600 KB, more than one queue message. */
  function bigNotification(count = 1000, descriptionChars = 300): AlertNotification {
    return parsed('alertmanager', variant((p) => {
      p.alerts = Array.from({ length: count }, (_, i) => ({
        status: i % 10 === 0 ? 'resolved' : 'firing',
        labels: { alertname: 'DiskFull', instance: `node-${i}:9100`, mountpoint: '/var/lib/data', severity: 'warning', team: 'infra' },
        annotations: { summary: `Disk on node-${i} is 97% full`, description: 'd'.repeat(descriptionChars), runbook_url: 'https://runbooks.example.com/disk' },
        startsAt: '2025-03-04T08:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: i.toString(16).padStart(16, '0'),
      }));
    }));
  }

  it('packs fingerprint groups into batches of at most 200 KiB, each group once and in order', () => {
    const groups = groupAlerts(bigNotification(), 'fingerprint', 'prom-prod');
    const batches = splitGroups(groups, 200 * KIB);
    expect(batches.length).toBeGreaterThan(2);
    for (const batch of batches) expect(jsonBytes(batch)).toBeLessThanOrEqual(200 * KIB);
    expect(batches.flat().map((g) => g.key)).toEqual(groups.map((g) => g.key));
    // Groups that fit are not touched.
    expect(batches.flat()[5]).toEqual(groups[5]);
  });

  it('never splits a group: a large one keeps only the annotations the card uses, cut short', () => {
    const [group] = groupAlerts(bigNotification(150, 2000), 'group', 'prom-prod');
    expect(jsonBytes(group)).toBeGreaterThan(300 * KIB);
    const batches = splitGroups([group!], 100 * KIB);
    expect(batches).toHaveLength(1);
    const [shrunk] = batches[0]!;
    expect(jsonBytes(batches[0])).toBeLessThanOrEqual(100 * KIB);
    expect(shrunk!.alerts).toHaveLength(150);
    expect(shrunk!.truncatedAlerts).toBe(0);
    expect(Object.keys(shrunk!.alerts[0]!.annotations).sort()).toEqual(['description', 'summary']);
    expect(shrunk!.alerts[0]!.annotations.description).toHaveLength(256);
    expect(shrunk!.alerts[0]!.annotations.description!.endsWith('…')).toBe(true);
  });

  it('keeps the firing alerts of a group that is still too large and counts the rest as truncated', () => {
    const [group] = groupAlerts(bigNotification(1000), 'group', 'prom-prod');
    const batches = splitGroups([group!], 200 * KIB);
    expect(batches).toHaveLength(1);
    const [shrunk] = batches[0]!;
    expect(jsonBytes(batches[0])).toBeLessThanOrEqual(200 * KIB);
    expect(shrunk!.alerts.length).toBeLessThan(1000);
    expect(shrunk!.alerts.length + shrunk!.truncatedAlerts).toBe(1000);
    expect(shrunk!.alerts.every((a) => a.status === 'firing')).toBe(true);
    expect(shrunk!.incidentId).toBe(group!.incidentId);
  });

  it('leaves a group too large even without alerts alone in its batch, for the caller to refuse', () => {
    const huge: AlertGroup = { ...groupAlerts(bigNotification(2), 'group', 's')[0]!, groupLabels: { big: 'x'.repeat(5000) } };
    const small = groupAlerts(bigNotification(2), 'fingerprint', 's');
    const batches = splitGroups([small[0]!, huge, small[1]!], 4 * KIB);
    expect(batches.map((b) => b.length)).toEqual([1, 1, 1]);
    expect(jsonBytes(batches[1])).toBeGreaterThan(4 * KIB);
  });
});

describe('cutText', () => {
  it('cuts to a UTF-16 length with an ellipsis and never splits a surrogate pair', () => {
    expect(cutText('abcdef', 6)).toBe('abcdef');
    expect(cutText('abcdef', 4)).toBe('abc…');
    const cut = cutText('ab😀cd', 4);
    expect(cut).toBe('ab…');
    expect(cut.length).toBeLessThanOrEqual(4);
  });
});
