/**
 * Coalescing: five changes to an incident within the refresh window spend one WeCom update code
 * (one update_template_card call) and one DingTalk PUT, and the cards show the last change.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ConversationItem } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { registerDingTalkCardCallback } from '../../cli/register-card-callback';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(60_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '2';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';

const corp = { corpId: 'wwcoalesce01', agentId: 1000005, secret: 'coalesce-secret', token: 'CoalesceToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const app = { corpId: 'dingcoalescecorp', clientId: 'dingcoalesce', clientSecret: 'secret', token: 'Coalesce1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingcoalesce' };
const person = { userId: 'ops1', name: 'Ops One', mobile: '+86-13700000001', email: 'ops1@example.com', unionId: 'u-ops1' };
let t: TestStack;
let sim: Simulator;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  await fetch(`${sim.url}/_sim/wecom/corps/${corp.corpId}`, { method: 'PUT', body: JSON.stringify({ ...corp, users: [person] }) });
  await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}`, { method: 'PUT', body: JSON.stringify({ ...app, eventsUrl: 'http://127.0.0.1:9/none', users: [person] }) });
  await t.admin.addWeCom({ id: 'co-wecom', corpId: corp.corpId, agentId: String(corp.agentId), apiBase: sim.url, secret: corp.secret, token: corp.token, aesKey: corp.encodingAesKey });
  const ding = await t.admin.addDingTalk({ id: 'co-ding', clientId: app.clientId, clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: 'coalesce-card-secret', cardTemplateId: 'tpl', apiBase: sim.url, oapiBase: sim.url });
  if (ding.platform !== 'dingtalk') throw new Error('unexpected platform');
  await registerDingTalkCardCallback(ding, { clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: 'coalesce-card-secret' }, t.url, t.stack.env.STATE_TABLE_NAME);
  const links = new DynamoLinkStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  for (const integrationId of ['co-wecom', 'co-ding']) await links.set({ integrationId, email: person.email, userId: person.userId, linkedAt: Date.now() });
});
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
});

const publish = (version: number, title: string, type = 'incident.updated') =>
  t.sqs.send(
    new SendMessageCommand({
      QueueUrl: t.queueUrl('incident-events'),
      MessageBody: JSON.stringify({
        type,
        incidentId: 'co-1',
        version,
        occurredAt: new Date().toISOString(),
        title,
        severity: 'Warning',
        responders: [person.email],
        targets: [{ integrationId: 'co-wecom' }, { integrationId: 'co-ding' }],
      }),
    }),
  );

const count = (predicate: (c: ReturnType<Simulator['calls']>[number]) => boolean) => sim.calls().filter(predicate).length;
const latest = (platform: string) => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === platform && i.conversation === 'user:ops1' && i.card).pop()?.card;

it('five quick changes spend one WeCom update and one DingTalk PUT', async () => {
  await publish(1, 'Queue backlog v1', 'incident.triggered');
  await eventually(async () => {
    expect(latest('wecom')?.title).toContain('v1');
    expect(latest('dingtalk')?.title).toContain('v1');
  }, 20_000);
  // Let the refresh that follows the first event run (it finds nothing new to show).
  await new Promise((r) => setTimeout(r, 3000));
  const updatesBefore = count((c) => c.endpoint === 'message/update_template_card');
  const putsBefore = count((c) => c.platform === 'dingtalk' && c.method === 'PUT');
  for (let v = 2; v <= 6; v++) await publish(v, `Queue backlog v${v}`);
  await eventually(async () => {
    expect(latest('wecom')?.title).toContain('v6');
    expect(latest('dingtalk')?.title).toContain('v6');
  }, 20_000);
  await new Promise((r) => setTimeout(r, 3000));
  expect(count((c) => c.endpoint === 'message/update_template_card') - updatesBefore).toBe(1);
  expect(count((c) => c.platform === 'dingtalk' && c.method === 'PUT') - putsBefore).toBe(1);
});
