/**
 * Issue 11's test "an unlinked user clicks Start Processing, follows the prompt, links, and the
 * incident becomes Processing, once", end to end on the local stack and the simulator: the WeCom
 * card, the click, the prompt's text, the linking page opened from it inside the simulated WeCom
 * client (OAuth, auto-match by mobile), the pending action applied and shown, and a second visit
 * of the same link applying nothing.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ConversationItem, RenderedCard } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { DynamoMemberDirectory } from '../../shared/adapters/aws/member-directory';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { LinkingAdmin } from '../../shared/application/linking-admin';
import { CookieJar } from '../support/cookie-jar';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { addWeComIntegration, linkPeople, putSimWeComCorp } from '../support/wecom-corp';

jest.setTimeout(90_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';

const ID = 'e2e-prompt-wecom';
const corp = { corpId: 'wwe2epromptcorp', agentId: 1000002, secret: 'e2e-prompt-secret', token: 'E2ePromptToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const zhangwei = { userId: 'zhangwei', name: '张伟', mobile: '+86-13800000001', email: 'zhangwei@example.com' };
const alice = { userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000004', email: 'alice@example.com' };
let t: TestStack;
let sim: Simulator;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0, callbackTimeoutMs: 3000 });
  expect(await putSimWeComCorp(sim, corp, { callbackUrl: `${t.url}/wecom/${ID}/callback`, users: [zhangwei, alice] })).toBe(200);
  await addWeComIntegration(t, sim, { id: ID, corp });
  const table = t.stack.env.STATE_TABLE_NAME;
  await new LinkingAdmin(new DynamoIntegrationRepository(getDocumentClient(), table), secretsManagerWriter(getSecretsManagerClient())).set(ID, { oauthBase: sim.url });
  // Both are members with their mobiles: the linking page can match Alice's WeCom account to hers.
  const members = new DynamoMemberDirectory(getDocumentClient(), table);
  for (const p of [zhangwei, alice]) await members.upsert({ email: p.email, name: p.name, mobile: p.mobile, updatedAt: Date.now() });
  await linkPeople(t, ID, [zhangwei, alice]);
}, 60_000);
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

const conversation = (userId: string): ConversationItem[] => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'wecom' && i.conversation === `user:${userId}`);
const lastCard = (userId: string): RenderedCard | undefined => conversation(userId).filter((i) => i.card).pop()?.card;
const inWeCom = (user: string, url: string) => `${sim.url}/_sim/wecom/client?user=${user}&url=${encodeURIComponent(url)}`;

it('an unlinked user clicks Start Processing, follows the prompt, links, and the incident becomes Processing, once', async () => {
  const event = { type: 'incident.triggered', incidentId: 'e2e-1', version: 1, occurredAt: new Date().toISOString(), title: 'Payments API 5xx', severity: 'Critical', responders: [zhangwei.email, alice.email], targets: [{ integrationId: ID }] };
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
  const cardId = await eventually(async () => {
    expect(lastCard('alice')).toBeDefined();
    expect(lastCard('zhangwei')).toBeDefined();
    return lastCard('alice')!.cardId;
  }, 20_000);
  // Alice is not linked when she clicks (her link was removed after the card went out).
  expect(await new DynamoLinkStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME).remove(ID, alice.email)).toBe(true);
  const click = await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', orgId: corp.corpId, userId: 'alice', cardId, buttonKey: 'acknowledge' }) });
  expect(click.status).toBe(200);
  const prompt = await eventually(async () => {
    const texts = conversation('alice').filter((i) => i.kind === 'text');
    expect(texts).toHaveLength(1);
    return texts[0].text!;
  }, 15_000);
  const incidents = new DynamoIncidentRepository(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  expect((await incidents.get('e2e-1'))!.status).toBe('Triggered');
  const promptUrl = prompt.split('\n').pop()!;

  // She opens the link inside WeCom: OAuth, matched by her mobile, linked; the page shows her action applied.
  const { response } = await new CookieJar().follow(inWeCom('alice', promptUrl), { headers: { 'accept-language': 'en-US' } });
  const html = await response.text();
  expect(response.status).toBe(200);
  expect(html).toContain('Linked.');
  expect(html).toMatch(/Start Processing applied/);
  expect(html).toContain('Processing');
  expect(await new DynamoLinkStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME).byUserId(ID, 'alice')).toMatchObject({ email: alice.email, method: 'login' });
  const processing = (await incidents.get('e2e-1'))!;
  expect(processing).toMatchObject({ status: 'Processing', acknowledgedBy: { email: alice.email, platform: 'wecom', userId: 'alice' } });
  const actions = await eventually(async () => {
    const found = await t.take(t.queueUrl('incident-actions.fifo'), 200);
    expect(found).toHaveLength(1);
    return found;
  }, 10_000);
  expect(JSON.parse(actions[0].Body!)).toMatchObject({ incidentId: 'e2e-1', action: 'acknowledge', actor: { email: alice.email, userId: 'alice' } });
  // Everyone's card shows it.
  await eventually(async () => {
    expect(lastCard('zhangwei')!.fields).toEqual(expect.arrayContaining([{ key: 'Status', value: 'Processing' }]));
  }, 15_000);

  // The same link again (a reload, or opened twice): nothing more is applied.
  const again = await new CookieJar().follow(inWeCom('alice', promptUrl), { headers: { 'accept-language': 'en-US' } });
  expect(again.response.status).toBe(200);
  expect(await again.response.text()).toContain('Start Processing was already applied to e2e-1; it is not applied twice.');
  expect((await t.take(t.queueUrl('incident-actions.fifo'), 500)).length).toBe(0);
  expect((await incidents.get('e2e-1'))!.revision).toBe(processing.revision);
});
