/**
 * AlertmanagerClient against a real Alertmanager (Debian's 0.25 in CI, test/support/alertmanager.ts),
 * and its failure kinds against small node:http stand-ins (no Alertmanager needed for those).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertmanagerClient, AlertmanagerError } from '../../../../shared/adapters/alertmanager/client';
import { alertmanagerAvailable, requireAlertmanager, startAlertmanager, type RunningAlertmanager } from '../../../support/alertmanager';

requireAlertmanager();
const describeWithAlertmanager = alertmanagerAvailable() ? describe : describe.skip;

jest.setTimeout(30_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function inMinutes(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString();
}

async function rejection(promise: Promise<unknown>): Promise<AlertmanagerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AlertmanagerError)) throw new Error(`expected an AlertmanagerError, got ${String(error)}`);
  return error;
}

interface Stub {
  readonly url: string;
  close(): Promise<void>;
}

async function startStub(handler: RequestListener): Promise<Stub> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithAlertmanager('AlertmanagerClient against Alertmanager', () => {
  let alertmanager: RunningAlertmanager;
  let client: AlertmanagerClient;

  beforeAll(async () => {
    alertmanager = await startAlertmanager({});
    client = new AlertmanagerClient({ baseUrl: alertmanager.url });
  });
  afterAll(() => alertmanager?.stop());

  test('a silence suppresses the alerts it matches until it is expired', async () => {
    const alertname = `DutybridgeTest-${randomUUID()}`;
    const id = await client.createSilence({
      matchers: [
        { name: 'alertname', value: alertname, isRegex: false },
        { name: 'service', value: 'pay|billing', isRegex: true, isEqual: true },
      ],
      startsAt: new Date().toISOString(),
      endsAt: inMinutes(60),
      createdBy: 'dutybridge',
      comment: 'INC-1 snoozed from WeCom',
    });
    expect(id).toMatch(UUID);
    await client.postAlerts([
      { labels: { alertname, service: 'pay', severity: 'critical' }, annotations: { summary: 'pay is down' } },
      { labels: { alertname, service: 'search' } },
    ]);

    const byService = async () => Object.fromEntries((await client.listAlerts([`alertname="${alertname}"`])).map((a) => [a.labels.service, a]));
    const silenced = await byService();
    expect(Object.keys(silenced).sort()).toEqual(['pay', 'search']);
    expect(silenced.pay!.status).toEqual({ state: 'suppressed', silencedBy: [id] });
    expect(silenced.pay!.labels).toEqual({ alertname, service: 'pay', severity: 'critical' });
    expect(silenced.pay!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(silenced.search!.status).toEqual({ state: 'active', silencedBy: [] });

    const active = await client.getSilence(id);
    expect(active).toMatchObject({
      id,
      status: { state: 'active' },
      createdBy: 'dutybridge',
      comment: 'INC-1 snoozed from WeCom',
      // isEqual is filled in by Alertmanager (true) when the request leaves it out.
      matchers: [
        { name: 'alertname', value: alertname, isRegex: false, isEqual: true },
        { name: 'service', value: 'pay|billing', isRegex: true, isEqual: true },
      ],
    });
    expect((await client.listSilences()).map((s) => s.id)).toContain(id);

    expect(await client.expireSilence(id)).toBe('expired');
    expect((await client.getSilence(id))?.status.state).toBe('expired');
    expect((await byService()).pay!.status).toEqual({ state: 'active', silencedBy: [] });
    // Since 0.24 expiring an expired silence is a no-op answered 200 (0.23 and older: 500 "already expired", read as 'gone').
    expect(await client.expireSilence(id)).toBe('expired');
  });

  test('a pending silence (starting later) can be expired too', async () => {
    const id = await client.createSilence({
      matchers: [{ name: 'alertname', value: `Later-${randomUUID()}`, isRegex: false }],
      startsAt: inMinutes(30),
      endsAt: inMinutes(90),
      createdBy: 'dutybridge',
      comment: 'maintenance window',
    });
    expect((await client.getSilence(id))?.status.state).toBe('pending');
    expect(await client.expireSilence(id)).toBe('expired');
    expect((await client.getSilence(id))?.status.state).toBe('expired');
  });

  test('an unknown silence id: getSilence is undefined, expireSilence is gone (0.25 answers 500 "silence not found")', async () => {
    const unknown = randomUUID();
    expect(await client.getSilence(unknown)).toBeUndefined();
    expect(await client.expireSilence(unknown)).toBe('gone');
  });

  test('silences Alertmanager refuses are permanent errors', async () => {
    const base = { startsAt: new Date().toISOString(), endsAt: inMinutes(60), createdBy: 'dutybridge', comment: 'bad' };
    // The OpenAPI schema check (minItems) answers 422 before the handler runs.
    const empty = await rejection(client.createSilence({ ...base, matchers: [] }));
    expect({ kind: empty.kind, status: empty.status }).toEqual({ kind: 'permanent', status: 422 });
    expect(empty.message).toContain('at least 1 items');
    // Alertmanager's own validation answers 400.
    const badRegex = await rejection(client.createSilence({ ...base, matchers: [{ name: 'service', value: '(', isRegex: true }] }));
    expect({ kind: badRegex.kind, status: badRegex.status }).toEqual({ kind: 'permanent', status: 400 });
    expect(badRegex.message).toContain('invalid regular expression');
  });

  test('an alert without labels is refused: permanent 400', async () => {
    const error = await rejection(client.postAlerts([{ labels: {} }]));
    expect({ kind: error.kind, status: error.status }).toEqual({ kind: 'permanent', status: 400 });
  });
});

describeWithAlertmanager('startAlertmanager: the webhook reaches a receiver', () => {
  interface Delivery {
    readonly headers: IncomingHttpHeaders;
    readonly body: Record<string, any>;
  }
  const deliveries: Delivery[] = [];
  let receiver: Stub;
  let alertmanager: RunningAlertmanager;

  beforeAll(async () => {
    receiver = await startStub((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200).end();
      });
    });
    alertmanager = await startAlertmanager({ webhookUrl: `${receiver.url}/alertmanager/demo`, webhookBearer: 'hook-secret-1' });
  });
  afterAll(async () => {
    await alertmanager?.stop();
    await receiver?.close();
  });

  /*
   * What Alertmanager 0.25 posts (webhook payload version "4"), as captured here:
   *   headers: authorization: 'Bearer <credentials>', content-type: 'application/json',
   *            user-agent: 'Alertmanager/0.25.0'
   *   body: { receiver: 'dutybridge', status: 'firing' | 'resolved',
   *           alerts: [{ status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint }],
   *           groupLabels: { alertname }, commonLabels, commonAnnotations,
   *           externalURL (--web.external-url; without it 'http://<os hostname>:<port>'),
   *           version: '4', groupKey: '{}:{alertname="<name>"}', truncatedAlerts: 0 }
   *   Key order as sent: receiver, status, alerts, groupLabels, commonLabels, commonAnnotations,
   *   externalURL, version, groupKey, truncatedAlerts.
   *   A firing alert's endsAt is '0001-01-01T00:00:00Z' (Go's zero time); a resolved one carries
   *   the time it ended. fingerprint is 16 hex digits, the same the API's GET /alerts shows.
   *   groupKey is the route's matchers ('{}' for the root route) and the group's labels: stable for
   *   a group, so a receiver can use it (with the fingerprint) to recognise repeats.
   */
  test('a firing and then resolved alert arrive with the bearer token and a version 4 payload', async () => {
    const client = new AlertmanagerClient({ baseUrl: alertmanager.url });
    const alertname = `WebhookTest-${randomUUID().slice(0, 8)}`;
    const labels = { alertname, service: 'pay', severity: 'critical' };
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    await client.postAlerts([{ labels, annotations: { summary: 'pay is down' }, startsAt, generatorURL: 'http://prometheus.example/graph?g0.expr=up' }]);

    const firing = await waitFor('the firing webhook', () => deliveries.find((d) => d.body.status === 'firing'));
    expect(firing.headers.authorization).toBe('Bearer hook-secret-1');
    expect(firing.headers['content-type']).toBe('application/json');
    expect(firing.headers['user-agent']).toMatch(/^Alertmanager\/\d+\.\d+/);
    expect(firing.body).toMatchObject({
      receiver: 'dutybridge',
      version: '4',
      groupKey: `{}:{alertname="${alertname}"}`,
      groupLabels: { alertname },
      commonLabels: labels,
      commonAnnotations: { summary: 'pay is down' },
      truncatedAlerts: 0,
      externalURL: alertmanager.url,
    });
    expect(firing.body.alerts).toHaveLength(1);
    const [alert] = firing.body.alerts;
    expect(alert).toMatchObject({ status: 'firing', labels, annotations: { summary: 'pay is down' }, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.example/graph?g0.expr=up' });
    expect(Date.parse(alert.startsAt)).toBe(Date.parse(startsAt));
    const [listed] = await client.listAlerts([`alertname="${alertname}"`]);
    expect(alert.fingerprint).toBe(listed!.fingerprint);
    expect(Object.keys(firing.body).sort()).toEqual(['alerts', 'commonAnnotations', 'commonLabels', 'externalURL', 'groupKey', 'groupLabels', 'receiver', 'status', 'truncatedAlerts', 'version']);
    expect(Object.keys(alert).sort()).toEqual(['annotations', 'endsAt', 'fingerprint', 'generatorURL', 'labels', 'startsAt', 'status']);

    const endsAt = new Date().toISOString();
    await client.postAlerts([{ labels, annotations: { summary: 'pay is down' }, startsAt, endsAt }]);
    const resolved = await waitFor('the resolved webhook (send_resolved)', () => deliveries.find((d) => d.body.status === 'resolved'));
    expect(resolved.body.groupKey).toBe(firing.body.groupKey);
    expect(resolved.body.alerts[0]).toMatchObject({ status: 'resolved', fingerprint: alert.fingerprint, labels });
    expect(Date.parse(resolved.body.alerts[0].endsAt)).toBe(Date.parse(endsAt));
  });
});

describe('AlertmanagerClient failure kinds', () => {
  let stub: Stub | undefined;
  afterEach(async () => {
    await stub?.close();
    stub = undefined;
  });

  test('a closed port is retry, without a status', async () => {
    const closed = await startStub(() => undefined);
    await closed.close();
    const error = await rejection(new AlertmanagerClient({ baseUrl: closed.url }).listSilences());
    expect({ kind: error.kind, status: error.status }).toEqual({ kind: 'retry', status: undefined });
    expect(error.message).toMatch(/^Alertmanager GET \/silences: request failed: .*ECONNREFUSED/);
  });

  test('no answer within timeoutMs is retry', async () => {
    stub = await startStub(() => undefined);
    const error = await rejection(new AlertmanagerClient({ baseUrl: stub.url, timeoutMs: 200 }).getSilence(randomUUID()));
    expect(error.kind).toBe('retry');
    expect(error.message).toContain('no answer within 200 ms');
  });

  test.each([503, 429, 502])('%i is retry', async (status) => {
    stub = await startStub((_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end('try later'));
    const error = await rejection(new AlertmanagerClient({ baseUrl: stub.url }).createSilence({ matchers: [], startsAt: '', endsAt: '', createdBy: '', comment: '' }));
    expect({ kind: error.kind, status: error.status }).toEqual({ kind: 'retry', status });
    expect(error.message).toBe(`Alertmanager POST /silences answered ${status}: try later`);
  });

  test('401 is permanent and the token never appears in the message, even when the server echoes it', async () => {
    stub = await startStub((req, res) => res.writeHead(401).end(`bad credentials: ${req.headers.authorization}`));
    const error = await rejection(new AlertmanagerClient({ baseUrl: stub.url, bearerToken: 'am-token-42' }).listAlerts());
    expect({ kind: error.kind, status: error.status }).toEqual({ kind: 'permanent', status: 401 });
    expect(error.message).toBe('Alertmanager GET /alerts answered 401: bad credentials: Bearer [redacted]');
  });

  test('200 with a body that is not JSON is permanent', async () => {
    stub = await startStub((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>captive portal</html>'));
    const error = await rejection(new AlertmanagerClient({ baseUrl: stub.url }).listSilences());
    expect({ kind: error.kind, status: error.status }).toEqual({ kind: 'permanent', status: 200 });
    expect(error.message).toContain('not JSON: <html>captive portal</html>');
  });

  test('200 with JSON of the wrong shape is permanent and names the field', async () => {
    stub = await startStub((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ silenceId: 'x' })));
    const error = await rejection(new AlertmanagerClient({ baseUrl: stub.url }).createSilence({ matchers: [], startsAt: '', endsAt: '', createdBy: '', comment: '' }));
    expect(error.kind).toBe('permanent');
    expect(error.message).toMatch(/unexpected body \(silenceID: /);
  });

  test('DELETE: 404 (0.26 and newer) and 500 "already expired" (0.23 and older) are gone; another 500 is retry', async () => {
    const answers: [number, string][] = [
      [404, ''],
      [500, '"silence 0b5e already expired"'],
      [500, '"snapshot write failed"'],
    ];
    const paths: string[] = [];
    stub = await startStub((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      const [status, body] = answers.shift()!;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    const client = new AlertmanagerClient({ baseUrl: `${stub.url}/prefix/` });
    expect(await client.expireSilence('0b5e')).toBe('gone');
    expect(await client.expireSilence('0b5e')).toBe('gone');
    const error = await rejection(client.expireSilence('0b5e'));
    expect({ kind: error.kind, status: error.status }).toEqual({ kind: 'retry', status: 500 });
    expect(paths).toEqual(['DELETE /prefix/api/v2/silence/0b5e', 'DELETE /prefix/api/v2/silence/0b5e', 'DELETE /prefix/api/v2/silence/0b5e']);
  });
});
