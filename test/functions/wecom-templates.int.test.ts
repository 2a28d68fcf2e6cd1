/**
 * Issue 13 at send time, on the local stack and the simulator: a custom WeCom card template stored
 * for the integration → the card shows its title and its 12-row custom area cut to 8 with "…";
 * a template that breaks only at render (a label key the incident lacks, read only in the
 * branch taken for Critical incidents) → the person still gets the card, with the default text and the "template error"
 * note, and the operation log holds template_error with line and column.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ConversationItem, RenderedCard } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { DynamoTemplateStore } from '../../shared/adapters/aws/template-store';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { addWeComIntegration, linkPeople, putSimWeComCorp } from '../support/wecom-corp';

jest.setTimeout(60_000);
process.env.TEMPLATE_CACHE_MS = '0';

const ID = 'tpl-wecom';
const corp = { corpId: 'wwtplcorp001', agentId: 1000002, secret: 'tpl-app-secret', token: 'TplToken1', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const people = [{ userId: 'lina', name: '李娜', mobile: '+86-13800000011', email: 'lina@example.com' }];
let t: TestStack;
let sim: Simulator;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0, callbackTimeoutMs: 3000 });
  expect(await putSimWeComCorp(sim, corp, { callbackUrl: `${t.url}/wecom/${ID}/callback`, users: people })).toBe(200);
  await addWeComIntegration(t, sim, { id: ID, corp });
  await linkPeople(t, ID, people);
});
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

const store = () => new DynamoTemplateStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
const log = () => new DynamoOperationLog(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);

async function trigger(id: string, type = 'incident.triggered', version = 1, extra: object = {}): Promise<void> {
  const event = {
    type,
    incidentId: id,
    version,
    occurredAt: new Date().toISOString(),
    title: `Payments API 5xx (${id})`,
    severity: 'Critical',
    description: 'Error rate above 5% for 5 minutes',
    responders: people.map((p) => p.email),
    targets: [{ integrationId: ID }],
    ...extra,
  };
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
}

function cardFor(incidentId: string): RenderedCard | undefined {
  let found: RenderedCard | undefined;
  for (const item of sim.conversations() as ConversationItem[]) {
    if (item.platform === 'wecom' && item.conversation === 'user:lina' && item.card && item.card.cardId.startsWith(incidentId)) found = item.card;
  }
  return found;
}

it('shows the custom title and the custom area cut to 8 rows with the marker', async () => {
  const rows = Array.from({ length: 12 }, (_, i) => `行${i + 1}：值 {{ incident.id }}`).join('\n');
  await store().put(ID, 'wecom.card', `--- title ---\n自定义 {{ incident.title }}\n--- customArea ---\n${rows}\n`, 'admin@example.com', Date.now(), 0);
  await trigger('tpl-1');
  const card = await eventually(async () => {
    const c = cardFor('tpl-1');
    expect(c).toBeDefined();
    return c!;
  }, 20_000);
  const all = JSON.stringify(card);
  expect(card.title).toContain('自定义 Payments API 5xx');
  expect(card.fields.map((f) => f.key)).toEqual(['行1', '行2', '行3', '行4', '行5', '行6']);
  expect(all).toContain('行7');
  expect(all).toContain('行8');
  expect(all).not.toContain('行9');
  expect(all).toContain('…');
  expect(card.buttons.map((b) => b.key)).toContain('acknowledge');
  const records = await eventually(async () => {
    const found = await log().query({ incidentId: 'tpl-1' });
    expect(found.map((r) => r.reasonCode)).toEqual(expect.arrayContaining(['delivered', 'template_truncated']));
    return found;
  }, 10_000);
  expect(records.map((r) => r.reasonCode)).not.toContain('template_error');
});

it('sends the default card with the template-error note when the template breaks at render', async () => {
  const current = await store().get(ID, 'wecom.card');
  const source = `--- title ---\n{% if incident.severity == 'Critical' %}{{ incident.labelMap.owner }}{% endif %} {{ incident.title }}\n`;
  await store().put(ID, 'wecom.card', source, 'admin@example.com', Date.now(), current?.version ?? 0);
  await trigger('tpl-2');
  const card = await eventually(async () => {
    const c = cardFor('tpl-2');
    expect(c).toBeDefined();
    return c!;
  }, 20_000);
  const all = JSON.stringify(card);
  expect(all).toMatch(/模板错误|Template error/);
  expect(card.title).toContain('Payments API 5xx (tpl-2)');
  expect(card.buttons.map((b) => b.key)).toContain('acknowledge');
  const records = await eventually(async () => {
    const found = await log().query({ incidentId: 'tpl-2' });
    expect(found.map((r) => r.reasonCode)).toEqual(expect.arrayContaining(['delivered', 'template_error']));
    return found;
  }, 10_000);
  const error = records.find((r) => r.reasonCode === 'template_error')!;
  expect(error.reason).toMatch(/line 2, column \d+/);
  expect(error.reason).not.toContain('labelMap.owner }}');
});

it('a refresh with the same template text does not log template_truncated again; a changed text does', async () => {
  const current = await store().get(ID, 'wecom.card');
  const rows = Array.from({ length: 12 }, (_, i) => `行${i + 1}：{{ incident.id }}`).join('\n');
  const source = `--- title ---\n{{ incident.title }}\n--- description ---\n固定\n--- customArea ---\n${rows}\n--- quote ---\n固定\n`;
  await store().put(ID, 'wecom.card', source, 'admin@example.com', Date.now(), current?.version ?? 0);
  const truncations = async () => (await log().query({ incidentId: 'tpl-3' })).filter((r) => r.reasonCode === 'template_truncated').length;
  const updates = async () => (await log().query({ incidentId: 'tpl-3' })).filter((r) => r.channel === 'card_update').length;
  await trigger('tpl-3');
  await eventually(async () => expect(await truncations()).toBe(1), 20_000);
  // The description is not in the template: same text, the card is refreshed, the cut not logged again.
  await trigger('tpl-3', 'incident.updated', 2, { description: 'Error rate above 9%' });
  await eventually(async () => expect(await updates()).toBe(1), 20_000);
  expect(await truncations()).toBe(1);
  // A new title changes the text: the (same) cut is logged for the text now shown.
  await trigger('tpl-3', 'incident.updated', 3, { title: 'Payments API 5xx (tpl-3) v3' });
  await eventually(async () => expect(await truncations()).toBe(2), 20_000);
});
