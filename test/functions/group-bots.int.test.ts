/**
 * Group bots as targets (issue 11 item 6), on the local stack with the simulator:
 *  - an event naming WeCom bots posts through the notify function: by phone (text with
 *    mentioned_mobile_list, the sim highlights the responder) and through a mapping table (markdown
 *    with inline <@userid>); a responder without phone / row is recorded with the reason; an
 *    over-long description is cut to the byte limit with "…", not refused; a redelivery posts nothing;
 *  - the 21st alert of a robot within a minute waits in its digest and arrives in one "1 more alert"
 *    message the next minute (the use case and the simulator on one clock, no real 60 s wait);
 *  - a DingTalk custom robot posts through dispatch, signed (the simulator verifies the sign), and is
 *    metered against the Webhook & Stream quota, not the API quota; a wrong sign secret is a failed
 *    record with the fix.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoBotRegistry } from '../../shared/adapters/aws/bot-registry';
import { DynamoMappingTables } from '../../shared/adapters/aws/mapping-tables';
import { DynamoMemberDirectory } from '../../shared/adapters/aws/member-directory';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { DynamoQuotaMeter } from '../../shared/adapters/aws/quota-meter';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { createGroupBotAlerts, flushGroupBotDigests } from '../../shared/bot-composition';
import type { Incident } from '../../shared/domain/incident';
import type { Integration } from '../../shared/domain/integration';
import { botsCommand, type BotsValues } from '../../cli/bots';
import { createSimulator, type Simulator } from '../../sim/server';
import type { ConversationItem } from '../../sim/core/contract';
import { addDingTalkIntegration, simDingTalkApp } from '../support/dingtalk-app';
import { addWeComIntegration, putSimWeComCorp } from '../support/wecom-corp';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(90_000);

const corp = { corpId: 'wwgroupbots01', agentId: 1000011, secret: 'gb-secret', token: 'GroupBotsToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const alice = { userId: 'alice', name: 'Alice', mobile: '+86-13700000011', email: 'alice@example.com' };
const bob = { userId: 'bob', name: 'Bob', mobile: '+86-13700000012', email: 'bob@example.com' };
const robots = [
  { key: 'gbphonekey0001', name: 'Phone robot', chatId: 'gbops' },
  { key: 'gbmapkey00002', name: 'Map robot', chatId: 'gbops' },
  { key: 'gbburstkey003', name: 'Burst robot', chatId: 'gbburst' },
];
const app = { corpId: 'dinggbcorp', clientId: 'dinggbapp', clientSecret: 'secret', token: 'GroupBots1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dinggbapp' };
const dalice = { userId: 'dalice', name: 'Alice D', mobile: '+86-13700000021', email: 'dalice@example.com', unionId: 'u-dalice' };
const dtToken = 'dtrobottoken01';
const dtSecret = 'SECgroupbots0123456789';

let t: TestStack;
let sim: Simulator;
let table: string;
let weCom: Integration;

const oplog = () => new DynamoOperationLog(getDocumentClient(), table);
const groupItems = (conversation: string) => (sim.conversations() as ConversationItem[]).filter((i) => i.conversation === conversation);

async function addBot(values: BotsValues, webhookUrl: string, signSecret?: string): Promise<void> {
  const files: Record<string, string> = { url: webhookUrl, ...(signSecret ? { sign: signSecret } : {}) };
  const code = await botsCommand(
    'add',
    { ...values, 'webhook-url-file': 'url', ...(signSecret ? { 'sign-secret-file': 'sign' } : {}) },
    {
      bots: new DynamoBotRegistry(getDocumentClient(), table),
      integrations: { get: async (id) => t.admin.get(id) },
      secrets: secretsManagerWriter(getSecretsManagerClient()),
      secretNamePrefix: t.stack.env.SECRET_NAME_PREFIX,
      targetKind: 'local',
      readText: (name) => files[name]!,
      confirm: async () => true,
      warn: () => undefined,
    },
    () => undefined,
  );
  expect(code).toBe(0);
}

const publish = (event: Record<string, unknown>) =>
  t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify({ occurredAt: new Date().toISOString(), severity: 'Critical', ...event }) }));

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  table = t.stack.env.STATE_TABLE_NAME;
  sim = await createSimulator({ port: 0 });
  expect(await putSimWeComCorp(sim, corp, { users: [alice, bob] })).toBe(200);
  const robotsPut = await fetch(`${sim.url}/_sim/wecom/corps/${corp.corpId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...corp, robots }) });
  expect(robotsPut.status).toBe(200);
  await addWeComIntegration(t, sim, { id: 'gb-wecom', corp });
  weCom = (await t.admin.get('gb-wecom'))!;
  await simDingTalkApp(sim, app, { eventsUrl: 'http://127.0.0.1:9/none', users: [dalice], groups: [{ openConversationId: 'cidGroupBots', title: 'Ops', memberUserIds: ['dalice'] }] });
  await addDingTalkIntegration(t, sim, { id: 'gb-ding', app, cardApiSecret: 'gb-card-secret' });
  sim.dingtalk.createCustomRobot({ accessToken: dtToken, secret: dtSecret, openConversationId: 'cidGroupBots' });

  const members = new DynamoMemberDirectory(getDocumentClient(), table);
  for (const m of [alice, bob, dalice]) await members.upsert({ email: m.email, name: m.name, mobile: m.mobile, updatedAt: Date.now() });
  await new DynamoMappingTables(getDocumentClient(), table).replace('gb-map', [{ email: alice.email, userId: 'alice' }], Date.now());

  const weComUrl = (key: string) => `${sim.url}/cgi-bin/webhook/send?key=${key}`;
  await addBot({ integration: 'gb-wecom', name: 'ops-phone', mention: 'phone' }, weComUrl(robots[0].key));
  await addBot({ integration: 'gb-wecom', name: 'ops-map', mention: 'mapping', 'mapping-table': 'gb-map' }, weComUrl(robots[1].key));
  await addBot({ integration: 'gb-wecom', name: 'burst', mention: 'phone' }, weComUrl(robots[2].key));
  await addBot({ integration: 'gb-ding', name: 'dt-ops', mention: 'phone' }, `${sim.url}/robot/send?access_token=${dtToken}`, dtSecret);
  await addBot({ integration: 'gb-ding', name: 'dt-badsign', mention: 'phone' }, `${sim.url}/robot/send?access_token=${dtToken}`, 'SECnotthesecret000000');
});
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
});

it('a WeCom bot alert @mentions by phone and, with a mapping table, inline; long text is cut, not refused; posted once per version', async () => {
  const description = '数据库主库延迟升高。'.repeat(600); // 18,000 bytes of UTF-8
  const event = { type: 'incident.triggered', incidentId: 'gb-1', version: 1, title: 'DB replica lag', description, responders: [alice.email, 'carol@example.com'], targets: [{ integrationId: 'gb-wecom', bots: ['ops-phone', 'ops-map'] }] };
  await publish(event);
  const [text, markdown] = await eventually(async () => {
    const items = groupItems('group:gbops');
    const byKind = [items.find((i) => i.kind === 'text'), items.find((i) => i.kind === 'markdown')];
    expect(byKind.every(Boolean)).toBe(true);
    return byKind as ConversationItem[];
  }, 20_000);
  // Phone: text with mentioned_mobile_list; the simulator highlights Alice (shown at the bottom in WeCom).
  expect(text).toMatchObject({ sender: 'Phone robot', mentions: ['alice'] });
  expect(Buffer.byteLength(text.text!, 'utf8')).toBeLessThanOrEqual(2048);
  expect(text.text).toContain('[Critical] Triggered: DB replica lag');
  expect(text.text!.trimEnd().endsWith('…')).toBe(true);
  // Mapping table: markdown with inline <@alice>.
  expect(markdown).toMatchObject({ sender: 'Map robot', mentions: ['alice'] });
  expect(markdown.text).toContain('<@alice>');
  expect(Buffer.byteLength(markdown.text!, 'utf8')).toBeLessThanOrEqual(4096);
  expect(markdown.text).toContain('…');

  // Carol cannot be @mentioned: no phone for the phone bot, no row for the mapping bot.
  const records = await eventually(async () => {
    const found = await oplog().query({ incidentId: 'gb-1' });
    expect(found.filter((r) => r.channel === 'group_bot' && r.result === 'sent')).toHaveLength(2);
    return found;
  });
  expect(records.filter((r) => r.channel === 'group_bot' && r.recipient === 'carol@example.com').map((r) => r.reasonCode).sort()).toEqual(['no_phone', 'not_in_mapping_table']);

  // The same version again (a redelivery) posts nothing more.
  await publish(event);
  await new Promise((r) => setTimeout(r, 2500));
  expect(groupItems('group:gbops')).toHaveLength(2);
});

it('the 21st alert of a robot within a minute arrives inside a digest once no 60 s span would hold 21', async () => {
  const clock = { nowMs: () => sim.clock.now() };
  // Start at the beginning of a minute (sim time), so all 21 fall in one window.
  sim.clock.advance(60_000 - (sim.clock.now() % 60_000) + 1000);
  const alerts = createGroupBotAlerts(oplog(), { clock });
  const incident = (i: number): Incident => ({
    incidentId: `burst-${i}`,
    version: 1,
    revision: 1,
    title: `Disk full on node ${i}`,
    severity: i === 21 ? 'Critical' : 'Warning',
    description: '',
    labels: {},
    responders: [],
    targets: [],
    status: 'Triggered',
    triggeredAt: clock.nowMs(),
    updatedAt: clock.nowMs(),
  });
  for (let i = 1; i <= 21; i++) await alerts.deliver(weCom, incident(i), 'incident.triggered', ['burst']);
  expect(groupItems('group:gbburst')).toHaveLength(20);
  expect((await oplog().query({ incidentId: 'burst-21' })).map((r) => `${r.result}:${r.reasonCode}`)).toEqual(['deferred:robot_rate_limited']);

  // Still this minute: the flush finds nothing due.
  expect(await flushGroupBotDigests([weCom], oplog(), { clock })).toEqual({ digests: 0, lines: 0 });
  // Next minute: the 20 of the last minute still count (rolling), so it waits another minute.
  sim.clock.advance(60_000);
  expect(await flushGroupBotDigests([weCom], oplog(), { clock })).toEqual({ digests: 0, lines: 0 });
  expect(groupItems('group:gbburst')).toHaveLength(20);
  sim.clock.advance(60_000);
  expect(await flushGroupBotDigests([weCom], oplog(), { clock })).toEqual({ digests: 1, lines: 1 });
  const digest = groupItems('group:gbburst').at(-1)!;
  expect(digest.kind).toBe('markdown');
  expect(digest.text).toContain('1 more alert');
  expect(digest.text).toContain('[Critical] Triggered: Disk full on node 21 (burst-21)');
  // Nothing left behind, nothing sent twice.
  expect(await flushGroupBotDigests([weCom], oplog(), { clock })).toEqual({ digests: 0, lines: 0 });
  expect(groupItems('group:gbburst')).toHaveLength(21);
});

it('a DingTalk custom robot posts through dispatch, signed, metered against the Webhook & Stream quota', async () => {
  const meter = new DynamoQuotaMeter(getDocumentClient(), table, { quotaOf: () => 3000 });
  const apiUsedBefore = (await meter.usage(app.corpId)).used;
  await publish({ type: 'incident.triggered', incidentId: 'gb-ding-1', version: 1, title: 'Payments 5xx', responders: [dalice.email], targets: [{ integrationId: 'gb-ding', bots: ['dt-ops', 'dt-badsign'] }] });
  const item = await eventually(async () => {
    const found = groupItems('group:cidGroupBots').find((i) => i.kind === 'markdown');
    expect(found).toBeDefined();
    return found!;
  }, 20_000);
  expect(item.mentions).toEqual(['dalice']);
  expect(item.text).toContain('@13700000021');
  const sends = await eventually(async () => {
    const found = sim.calls().filter((c) => c.platform === 'dingtalk' && c.endpoint === 'robot/send');
    expect(found.map((c) => c.resultCode).sort()).toEqual([0, 310000]);
    return found;
  }, 10_000);
  expect(sends.every((c) => typeof c.query?.sign === 'string' && typeof c.query?.timestamp === 'string')).toBe(true);

  await eventually(async () => expect((await meter.usage(`webhook:${app.corpId}`)).used).toBe(1));
  // The API quota is untouched (its one call is the card callback registration of the setup).
  expect((await meter.usage(app.corpId)).used).toBe(apiUsedBefore);

  const records = await eventually(async () => {
    const found = (await oplog().query({ incidentId: 'gb-ding-1' })).filter((r) => r.channel === 'group_bot');
    expect(found.map((r) => `${r.recipient}:${r.result}:${r.reasonCode}`).sort()).toEqual(['bot:dt-badsign:failed:robot_security_failed', 'bot:dt-ops:sent:delivered']);
    return found;
  });
  expect(records.find((r) => r.recipient === 'bot:dt-badsign')?.reason).toMatch(/sign secret/);
});
