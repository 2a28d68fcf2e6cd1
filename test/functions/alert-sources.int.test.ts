/**
 * Alerts in, silences out (issue 18), with the real thing: Debian's prometheus-alertmanager runs
 * with a webhook receiver pointing at the local gateway (bearer token from `sources add`), alerts
 * are posted to its API, and:
 * - the alert group becomes one incident: cards for the routed people (WeCom) and group (DingTalk);
 * - Alertmanager's resends (repeat_interval) change nothing;
 * - Snooze on a card creates a silence Alertmanager then reports (and suppresses the alerts), and
 *   the card shows the silence; Close expires it;
 * - resolving the alerts in Alertmanager closes the cards;
 * - bad input at the webhook: 401 without or with a wrong token, 400 for a malformed payload,
 *   nothing queued; a burst of 1,000 alerts in one webhook is accepted quickly and processed.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { AlertmanagerClient } from '../../shared/adapters/alertmanager/client';
import { DynamoAlertSourceRepository } from '../../shared/adapters/aws/alert-source-repository';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import type { AlertIncidentState } from '../../shared/domain/alert-incidents';
import type { ConversationItem, RenderedCard } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { sourcesCommand } from '../../cli/sources';
import { alertmanagerAvailable, requireAlertmanager, startAlertmanager, type RunningAlertmanager } from '../support/alertmanager';
import { addDingTalkIntegration, simDingTalkApp } from '../support/dingtalk-app';
import { linkPeople } from '../support/links';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { addWeComIntegration, putSimWeComCorp } from '../support/wecom-corp';

requireAlertmanager();
const describeWithAlertmanager = alertmanagerAvailable() ? describe : describe.skip;

jest.setTimeout(180_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';

const WECOM = 'am-wecom';
const DING = 'am-ding';
const SOURCE = 'prom-main';
const corp = { corpId: 'wwalertmgr00001', agentId: 1000041, secret: 'am-secret', token: 'AmAppTok', encodingAesKey: 'dW9yZXNlY3JldHNhcmViZXR0ZXJ0aGFuZmV3ZXJzZWM' };
const app = { corpId: 'dingamcorp', clientId: 'dingamclient', clientSecret: 'am-ding-secret', token: 'AmDing1', aesKey: 'q1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingamclient' };
const GROUP = 'cidAlertOnCall==';
const people = [
  { email: 'ana@example.com', name: 'Ana', userId: 'ana', mobile: '+86-13800000031', unionId: 'u-ana' },
  { email: 'bo@example.com', name: 'Bo', userId: 'bo', mobile: '+86-13800000032', unionId: 'u-bo' },
];
const ROUTES = `
# payments alerts: both on WeCom, the on-call group on DingTalk
- match: { team: payments }
  targets:
    - integrationId: ${WECOM}
      persons: [ana@example.com, bo@example.com]
    - integrationId: ${DING}
      groups: ["${GROUP}"]
  responders: [ana@example.com]
- matchRe: { team: "db|storage" }
  targets:
    - integrationId: ${WECOM}
      persons: [bo@example.com]
`;

let t: TestStack;
let sim: Simulator;
let am: RunningAlertmanager;
let amClient: AlertmanagerClient;
let token = '';
let table = '';

const alertStates = async (): Promise<AlertIncidentState[]> => {
  const out = await getDocumentClient().send(new ScanCommand({ TableName: table, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': 'ALERTSTATE#' }, ConsistentRead: true }));
  return (out.Items ?? []).map((i) => i.state as AlertIncidentState);
};
const stateFor = async (alertname: string) => (await alertStates()).find((s) => s.matchers.some((m) => m.name === 'alertname' && m.value === alertname));
function weComCards(userId: string): RenderedCard[] {
  const byCard = new Map<string, RenderedCard>();
  for (const item of sim.conversations() as ConversationItem[]) if (item.platform === 'wecom' && item.conversation === `user:${userId}` && item.card) byCard.set(item.card.cardId, item.card);
  return [...byCard.values()];
}
const dingGroupCard = () => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'dingtalk' && i.conversation === `group:${GROUP}` && i.card).pop()?.card;
const text = (card: RenderedCard | undefined) => JSON.stringify(card ?? {});
/** What `dutybridge sources …` is given on the test stack; `readText` answers for the routes file. */
const sourceDeps = (readText: () => string) => ({
  sources: new DynamoAlertSourceRepository(getDocumentClient(), table),
  secrets: secretsManagerWriter(getSecretsManagerClient()),
  secretNamePrefix: t.stack.env.SECRET_NAME_PREFIX,
  apiUrl: t.url,
  readText,
  nowIso: () => new Date().toISOString(),
});

describeWithAlertmanager('Alertmanager → cards → silences', () => {
  beforeAll(async () => {
    t = await startTestStack({ pollers: true });
    table = t.stack.env.STATE_TABLE_NAME;
    sim = await createSimulator({ port: 0 });
    expect(await putSimWeComCorp(sim, corp, { callbackUrl: `${t.url}/wecom/${WECOM}/callback`, users: people })).toBe(200);
    await addWeComIntegration(t, sim, { id: WECOM, corp });
    await linkPeople(t, WECOM, people.map((p) => ({ email: p.email, userId: p.userId })));
    await simDingTalkApp(sim, app, { eventsUrl: `${t.url}/dingtalk/${DING}/events`, users: people, groups: [{ openConversationId: GROUP, title: 'Alerts on-call', memberUserIds: ['ana', 'bo'] }] });
    await addDingTalkIntegration(t, sim, { id: DING, app, cardApiSecret: 'am-card-api-secret' });
    const installed = await fetch(`${sim.url}/_sim/dingtalk/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: app.clientId, eventType: 'im_cool_app_install', openConversationId: GROUP, coolAppCode: 'COOLAPP-AM', operator: 'ana' }),
    });
    expect(installed.status).toBe(200);

    // Alertmanager first (its URL goes into the source), with a placeholder receiver until the token exists.
    const printed: string[] = [];
    const deps = sourceDeps(() => ROUTES);
    // The source's Alertmanager URL is only known once it runs: add the source, start Alertmanager with its token, then point the source at it.
    expect(await sourcesCommand('add', 'alertmanager', { id: SOURCE, routes: 'routes.yaml', json: true }, deps, (_json, value) => void printed.push(JSON.stringify(value)))).toBe(0);
    const added = JSON.parse(printed[0]!) as { generated: string; webhookUrl: string };
    token = added.generated;
    expect(added.webhookUrl).toBe(`${t.url}/ingest/alertmanager/${SOURCE}`);
    am = await startAlertmanager({ webhookUrl: added.webhookUrl, webhookBearer: token, groupBy: ['alertname', 'team'], groupWait: '0s', groupInterval: '1s', repeatInterval: '2s' });
    const source = (await deps.sources.get(SOURCE))!;
    await deps.sources.put({ ...source, alertmanagerUrl: am.url });
    amClient = new AlertmanagerClient({ baseUrl: am.url });
  });
  afterAll(async () => {
    await am?.stop();
    await sim?.stop();
    await t?.stop();
  });

  it('refuses a webhook without or with a wrong token, and a malformed payload, queueing nothing', async () => {
    const url = `${t.url}/ingest/alertmanager/${SOURCE}`;
    const body = JSON.stringify({ version: '4', groupKey: 'x', status: 'firing', receiver: 'r', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', truncatedAlerts: 0, alerts: [] });
    expect((await fetch(url, { method: 'POST', body })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', body, headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await fetch(`${t.url}/ingest/alertmanager/no-such-source`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(`${t.url}/ingest/grafana/${SOURCE}`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const bad = await fetch(url, { method: 'POST', body: JSON.stringify({ ...JSON.parse(body), alerts: 'nope' }), headers: { authorization: `Bearer ${token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/alerts/);
    expect((await fetch(url, { method: 'POST', body: '{not json', headers: { authorization: `Bearer ${token}` } })).status).toBe(400);
    expect(await alertStates()).toEqual([]);
  });

  it('turns an Alertmanager group into one incident with cards for the routed people and group; resends change nothing', async () => {
    await amClient.postAlerts([
      { labels: { alertname: 'CheckoutErrors', team: 'payments', severity: 'critical', instance: 'pay-1' }, annotations: { summary: 'Checkout 5xx above 5%', description: 'The payments API returns 5xx.' } },
      { labels: { alertname: 'CheckoutErrors', team: 'payments', severity: 'critical', instance: 'pay-2' }, annotations: { summary: 'Checkout 5xx above 5%' } },
    ]);
    const state = await eventually(async () => {
      const s = await stateFor('CheckoutErrors');
      expect(s?.firing).toHaveLength(2);
      return s!;
    }, 30_000);
    await eventually(async () => {
      for (const p of people) expect(weComCards(p.userId).filter((c) => text(c).includes('Checkout 5xx'))).toHaveLength(1);
      expect(text(dingGroupCard())).toContain('Checkout 5xx');
    }, 30_000);
    const incident = (await new DynamoIncidentRepository(getDocumentClient(), table).get(state.incidentId))!;
    expect(incident).toMatchObject({ severity: 'Critical', status: 'Triggered', responders: ['ana@example.com'] });
    expect(incident.title).toContain('2 firing');
    // repeat_interval is 2 s: Alertmanager sends the same group again; nothing changes.
    const version = (await stateFor('CheckoutErrors'))!.version;
    await new Promise((r) => setTimeout(r, 5000));
    expect((await stateFor('CheckoutErrors'))!.version).toBe(version);
    expect(weComCards('ana').filter((c) => text(c).includes('Checkout 5xx'))).toHaveLength(1);
  });

  it('Snooze on the card creates a silence Alertmanager reports, shown on the card; Close expires it', async () => {
    const state = (await stateFor('CheckoutErrors'))!;
    const cardId = weComCards('ana').find((c) => text(c).includes('Checkout 5xx'))!.cardId;
    const click = await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', orgId: corp.corpId, userId: 'ana', cardId, buttonKey: 'snooze:120' }) });
    expect(click.status).toBe(200);
    const silenceId = await eventually(async () => {
      const s = await stateFor('CheckoutErrors');
      expect(s?.silence?.id).toBeDefined();
      return s!.silence!.id;
    }, 30_000);
    const silence = (await amClient.getSilence(silenceId))!;
    expect(silence.status.state).toBe('active');
    expect(silence.matchers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'alertname', value: 'CheckoutErrors' }), expect.objectContaining({ name: 'team', value: 'payments' })]));
    expect(silence.createdBy).toBe('ana@example.com');
    expect(Date.parse(silence.endsAt) - Date.now()).toBeGreaterThan(115 * 60_000);
    await eventually(async () => {
      const alerts = await amClient.listAlerts(['alertname="CheckoutErrors"']);
      expect(alerts.length).toBe(2);
      for (const a of alerts) expect(a.status.silencedBy).toContain(silenceId);
    }, 15_000);
    await eventually(async () => expect(text(weComCards('bo').find((c) => text(c).includes('Checkout 5xx')))).toContain(silenceId), 30_000);

    const close = await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', orgId: corp.corpId, userId: 'ana', cardId, buttonKey: 'resolve' }) });
    expect(close.status).toBe(200);
    await eventually(async () => expect((await amClient.getSilence(silenceId))?.status.state).toBe('expired'), 30_000);
    // Expired in Alertmanager first, then recorded on the alert state.
    await eventually(async () => expect((await stateFor('CheckoutErrors'))?.silence).toBeUndefined(), 15_000);
    expect(state.incidentId).toMatch(/^alert-prom-main-/);
  });

  it('resolving the alerts in Alertmanager closes the cards', async () => {
    await amClient.postAlerts([{ labels: { alertname: 'DiskFull', team: 'storage', severity: 'warning', instance: 'db-1' }, annotations: { summary: 'Disk 95% full on db-1' } }]);
    await eventually(async () => expect(weComCards('bo').filter((c) => text(c).includes('Disk 95%'))).toHaveLength(1), 30_000);
    expect(weComCards('ana').filter((c) => text(c).includes('Disk 95%'))).toHaveLength(0);
    const state = (await stateFor('DiskFull'))!;
    const past = new Date(Date.now() - 1000).toISOString();
    await amClient.postAlerts([{ labels: { alertname: 'DiskFull', team: 'storage', severity: 'warning', instance: 'db-1' }, annotations: { summary: 'Disk 95% full on db-1' }, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: past }]);
    await eventually(async () => {
      expect((await stateFor('DiskFull'))?.status).toBe('resolved');
      expect((await new DynamoIncidentRepository(getDocumentClient(), table).get(state.incidentId))?.status).toBe('Closed');
      const card = weComCards('bo').find((c) => text(c).includes('Disk 95%'))!;
      expect(card.buttons.every((b) => b.disabled)).toBe(true);
    }, 40_000);
  });

  it('accepts a burst of 1,000 alerts in one webhook quickly and processes them through the queue', async () => {
    const alerts = Array.from({ length: 1000 }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'NodeDown', team: 'db', instance: `node-${i}`, severity: 'critical' },
      annotations: { summary: `node-${i} is down`, description: 'x'.repeat(200) },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus/graph',
      fingerprint: i.toString(16).padStart(16, '0'),
    }));
    const body = JSON.stringify({ version: '4', groupKey: '{}:{alertname="NodeDown"}', truncatedAlerts: 0, status: 'firing', receiver: 'dutybridge', groupLabels: { alertname: 'NodeDown' }, commonLabels: { alertname: 'NodeDown', team: 'db', severity: 'critical' }, commonAnnotations: {}, externalURL: am.url, alerts });
    const started = Date.now();
    const res = await fetch(`${t.url}/ingest/alertmanager/${SOURCE}`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1000, groups: 1 });
    // Accepted within the 10 s an Alertmanager notification may take before it is retried (the
    // measured figure is in bench:alerts, not here).
    expect(elapsed).toBeLessThan(10_000);
    // One group of 1,000: the queue message keeps the alerts that fit (firing first) and counts the rest.
    const nodeDown = await eventually(async () => {
      const s = await stateFor('NodeDown');
      expect(s?.firing.length).toBeGreaterThan(0);
      return s!;
    }, 30_000);
    const counts = /\((\d+) firing, (\d+) more\)/.exec(nodeDown.last.title);
    expect(counts).not.toBeNull();
    expect(Number(counts![1]) + Number(counts![2])).toBe(1000);
    expect(Number(counts![1])).toBe(nodeDown.firing.length);
    await eventually(async () => expect(weComCards('bo').filter((c) => text(c).includes('NodeDown') || text(c).includes('node-0 is down'))).toHaveLength(1), 30_000);
    // The same webhook again (a resend) changes nothing.
    const version = (await stateFor('NodeDown'))!.version;
    expect((await fetch(`${t.url}/ingest/alertmanager/${SOURCE}`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await stateFor('NodeDown'))!.version).toBe(version);
  });

  it('a Grafana webhook (the documentation’s example payload) becomes one incident per alert in fingerprint mode', async () => {
    const printed: string[] = [];
    const deps = sourceDeps(() => `- match: { team: blue }\n  targets: [{ integrationId: ${WECOM}, persons: [ana@example.com] }]\n`);
    expect(await sourcesCommand('add', 'grafana', { id: 'grafana-main', grouping: 'fingerprint', routes: 'r.yaml', json: true }, deps, (_j, v) => void printed.push(JSON.stringify(v)))).toBe(0);
    const grafanaToken = (JSON.parse(printed[0]!) as { generated: string }).generated;
    const fixture = readFileSync(path.join(__dirname, '../fixtures/grafana-webhook.json'), 'utf8');
    const res = await fetch(`${t.url}/ingest/grafana/grafana-main`, { method: 'POST', body: fixture, headers: { authorization: `Bearer ${grafanaToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 2, groups: 2 });
    await eventually(async () => {
      expect(weComCards('ana').filter((c) => text(c).includes('zone us-1'))).toHaveLength(1);
      expect(weComCards('ana').filter((c) => text(c).includes('zone eu-1'))).toHaveLength(1);
    }, 30_000);
  });

  it('an events source takes the incident event contract over HTTP, signed with HMAC', async () => {
    const printed: string[] = [];
    const deps = sourceDeps(() => '');
    expect(await sourcesCommand('add', 'events', { id: 'itsm', auth: 'hmac', json: true }, deps, (_j, v) => void printed.push(JSON.stringify(v)))).toBe(0);
    const secret = (JSON.parse(printed[0]!) as { generated: string }).generated;
    const body = JSON.stringify({ type: 'incident.triggered', incidentId: 'itsm-7', version: 1, occurredAt: new Date().toISOString(), title: 'ITSM ticket 7: VPN down', severity: 'Warning', responders: ['bo@example.com'], targets: [{ integrationId: WECOM, persons: ['bo@example.com'] }] });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = (ts: string, b: string) => `sha256=${createHmac('sha256', secret).update(`${ts}.${b}`).digest('hex')}`;
    const url = `${t.url}/ingest/events/itsm`;
    expect((await fetch(url, { method: 'POST', body, headers: { 'x-dutybridge-timestamp': timestamp, 'x-dutybridge-signature': sign(timestamp, `${body} `) } })).status).toBe(401);
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    expect((await fetch(url, { method: 'POST', body, headers: { 'x-dutybridge-timestamp': old, 'x-dutybridge-signature': sign(old, body) } })).status).toBe(401);
    const badEvent = JSON.stringify({ type: 'incident.triggered', incidentId: 'itsm-8' });
    expect((await fetch(url, { method: 'POST', body: badEvent, headers: { 'x-dutybridge-timestamp': timestamp, 'x-dutybridge-signature': sign(timestamp, badEvent) } })).status).toBe(400);
    const ok = await fetch(url, { method: 'POST', body, headers: { 'x-dutybridge-timestamp': timestamp, 'x-dutybridge-signature': sign(timestamp, body) } });
    expect(ok.status).toBe(200);
    await eventually(async () => expect(weComCards('bo').filter((c) => text(c).includes('VPN down'))).toHaveLength(1), 30_000);
  });
});
