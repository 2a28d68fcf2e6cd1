/**
 * An unlinked person clicks a card button (issue 11 item 2), on the local stack and the simulator:
 * they get the link prompt (WeCom: their button greyed with "link first" and a text with the link;
 * DingTalk: the callback's answer puts the note and the link on their card), the incident is
 * unchanged; once linked, the pending action in the link is applied once (PendingActions on the
 * local stack, as the linking page calls it).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ConversationItem, RenderedCard } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { LINK_FIRST_BUTTON_TEXT } from '../../shared/application/link-prompt';
import { pendingActions } from '../../shared/composition';
import { addDingTalkIntegration, simDingTalkApp } from '../support/dingtalk-app';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { addWeComIntegration, linkPeople, putSimWeComCorp } from '../support/wecom-corp';

jest.setTimeout(90_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';

let t: TestStack;
let sim: Simulator;
const table = () => t.stack.env.STATE_TABLE_NAME;
const incidents = () => new DynamoIncidentRepository(getDocumentClient(), table());

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0, callbackTimeoutMs: 3000 });
});
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

async function publishTriggered(incidentId: string, integrationId: string, emails: string[]): Promise<void> {
  const event = { type: 'incident.triggered', incidentId, version: 1, occurredAt: new Date().toISOString(), title: `Payments API 5xx (${incidentId})`, severity: 'Critical', responders: emails, targets: [{ integrationId, persons: emails }] };
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
}

function conversation(platform: 'wecom' | 'dingtalk', userId: string): ConversationItem[] {
  return (sim.conversations() as ConversationItem[]).filter((i) => i.platform === platform && i.conversation === `user:${userId}`);
}
const lastCard = (platform: 'wecom' | 'dingtalk', userId: string): RenderedCard | undefined => conversation(platform, userId).filter((i) => i.card).pop()?.card;

async function simClick(platform: 'wecom' | 'dingtalk', orgId: string, userId: string, cardId: string, buttonKey: string): Promise<Response> {
  return fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform, orgId, userId, cardId, buttonKey }) });
}

/** The incident.action messages on the queue now (taken off it). */
async function actionsNow(waitMs = 500): Promise<Record<string, unknown>[]> {
  return (await t.take(t.queueUrl('incident-actions.fifo'), waitMs)).map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
}

describe('WeCom', () => {
  const ID = 'prompt-wecom';
  const corp = { corpId: 'wwpromptcorp1', agentId: 1000002, secret: 'prompt-app-secret', token: 'PromptToken1', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
  const zhangwei = { userId: 'zhangwei', name: '张伟', mobile: '+86-13800000001', email: 'zhangwei@example.com' };
  const alice = { userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000004', email: 'alice@example.com' };

  beforeAll(async () => {
    expect(await putSimWeComCorp(sim, corp, { callbackUrl: `${t.url}/wecom/${ID}/callback`, users: [zhangwei, alice] })).toBe(200);
    await addWeComIntegration(t, sim, { id: ID, corp });
    await linkPeople(t, ID, [zhangwei, alice]);
  });

  it('an unlinked click gets the prompt and changes nothing; after linking, the pending action is applied once', async () => {
    await publishTriggered('prompt-w-1', ID, [zhangwei.email, alice.email]);
    const cardId = await eventually(async () => {
      expect(lastCard('wecom', 'alice')).toBeDefined();
      expect(lastCard('wecom', 'zhangwei')).toBeDefined();
      return lastCard('wecom', 'alice')!.cardId;
    }, 20_000);
    const before = (await incidents().get('prompt-w-1'))!;
    // Alice's link goes away after her card was sent (e.g. an admin removed it); then she clicks.
    expect(await new DynamoLinkStore(getDocumentClient(), table()).remove(ID, alice.email)).toBe(true);
    expect((await simClick('wecom', corp.corpId, 'alice', cardId, 'acknowledge')).status).toBe(200);

    const prompt = await eventually(async () => {
      const texts = conversation('wecom', 'alice').filter((i) => i.kind === 'text');
      expect(texts).toHaveLength(1);
      expect(lastCard('wecom', 'alice')!.replacedText).toBe(LINK_FIRST_BUTTON_TEXT);
      return texts[0].text!;
    }, 15_000);
    expect(prompt.indexOf('开始处理')).toBeLessThan(prompt.indexOf('Start Processing'));
    const url = new URL(prompt.split('\n').pop()!);
    expect(`${url.origin}${url.pathname}`).toBe(`${t.url}/link/wecom/${ID}`);
    const token = url.searchParams.get('pending')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    // Nobody else got anything; the incident is as it was; no action was published.
    expect(conversation('wecom', 'zhangwei').filter((i) => i.kind === 'text')).toHaveLength(0);
    expect(lastCard('wecom', 'zhangwei')!.replacedText).toBeUndefined();
    expect(await actionsNow()).toEqual([]);
    expect(await incidents().get('prompt-w-1')).toMatchObject({ status: 'Triggered', revision: before.revision });
    const log = await eventually(async () => {
      const found = (await new DynamoOperationLog(getDocumentClient(), table()).query({ incidentId: 'prompt-w-1' })).filter((r) => r.channel === 'click');
      expect(found).toHaveLength(1);
      return found[0];
    }, 10_000);
    expect(log).toMatchObject({ result: 'dropped', reasonCode: 'app_not_linked', recipient: 'alice', reason: expect.stringContaining('sent a link prompt') });
    expect(JSON.stringify(log)).not.toContain(token);

    // Someone else (zhangwei, linked) cannot use Alice's link.
    const integration = (await new DynamoIntegrationRepository(getDocumentClient(), table()).get(ID))!;
    expect(await pendingActions().apply(integration, token, { email: zhangwei.email, userId: 'zhangwei' })).toEqual({ kind: 'not_yours' });
    // Alice links (the linking page does this), then the page applies her pending action.
    await linkPeople(t, ID, [alice]);
    expect(await pendingActions().apply(integration, token, { email: alice.email, userId: 'alice' })).toMatchObject({ kind: 'transition', status: 'Processing', incidentId: 'prompt-w-1' });
    const actions = await eventually(async () => {
      const found = await actionsNow(200);
      expect(found).toHaveLength(1);
      return found;
    }, 10_000);
    expect(actions[0]).toMatchObject({ type: 'incident.action', incidentId: 'prompt-w-1', action: 'acknowledge', actor: { email: alice.email, platform: 'wecom', userId: 'alice' } });
    // Everyone's card shows it (zhangwei's through a refresh with the send's code).
    await eventually(async () => {
      expect(lastCard('wecom', 'zhangwei')!.fields).toEqual(expect.arrayContaining([{ key: 'Status', value: 'Processing' }]));
    }, 15_000);
    // The page reloaded, or the link opened again: nothing more happens.
    expect(await pendingActions().apply(integration, token, { email: alice.email, userId: 'alice' })).toMatchObject({ kind: 'already_applied', status: 'Processing' });
    expect(await actionsNow()).toEqual([]);
    expect((await incidents().get('prompt-w-1'))!.revision).toBe(before.revision + 1);
    // A tampered token changes nothing.
    const [payload, mac] = token.split('.');
    expect(await pendingActions().apply(integration, `${payload}.${mac.slice(0, -2)}AA`, { email: alice.email, userId: 'alice' })).toEqual({ kind: 'invalid', reason: 'bad_signature' });
  });
});

describe('DingTalk', () => {
  const ID = 'prompt-ding';
  const app = { corpId: 'dingpromptcorp', clientId: 'dingpromptclient', clientSecret: 'prompt-ding-secret', token: 'PromptDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingpromptclient' };
  const lina = { userId: 'lina', name: '李娜', mobile: '+86-13800000002', email: 'lina@example.com', unionId: 'u-lina' };
  const wang = { userId: 'wangfang', name: '王芳', mobile: '+86-13800000003', email: 'wangfang@example.com', unionId: 'u-wang' };

  beforeAll(async () => {
    await simDingTalkApp(sim, app, { eventsUrl: `${t.url}/dingtalk/${ID}/events`, users: [lina, wang] });
    await addDingTalkIntegration(t, sim, { id: ID, app, cardApiSecret: 'prompt-card-api-secret' });
    await linkPeople(t, ID, [lina, wang]);
  });

  it('an unlinked click is answered with the note and the link on that user’s card only; the incident is unchanged', async () => {
    await publishTriggered('prompt-d-1', ID, [lina.email, wang.email]);
    const cardId = await eventually(async () => {
      expect(lastCard('dingtalk', 'lina')?.title).toContain('prompt-d-1');
      expect(lastCard('dingtalk', 'wangfang')?.title).toContain('prompt-d-1');
      return lastCard('dingtalk', 'lina')!.cardId;
    }, 20_000);
    const before = (await incidents().get('prompt-d-1'))!;
    expect(await new DynamoLinkStore(getDocumentClient(), table()).remove(ID, lina.email)).toBe(true);

    const clicked = await simClick('dingtalk', app.corpId, 'lina', cardId, 'resolve');
    expect(clicked.status).toBe(200);
    expect(((await clicked.json()) as { status: number }).status).toBe(200);
    const card = lastCard('dingtalk', 'lina')!;
    expect(card.subtitle).toMatch(/^账号未绑定，「关闭」未执行[\s\S]*"Close" was not applied/);
    const url = new URL(card.url!);
    expect(`${url.origin}${url.pathname}`).toBe(`${t.url}/link/dingtalk/${ID}`);
    const token = url.searchParams.get('pending')!;
    // Only Lina's view carries it; the incident did not change and no action went out.
    expect(lastCard('dingtalk', 'wangfang')!.subtitle).toBeUndefined();
    expect(lastCard('dingtalk', 'wangfang')!.url ?? '').not.toContain('/link/');
    expect(await actionsNow()).toEqual([]);
    expect(await incidents().get('prompt-d-1')).toMatchObject({ status: 'Triggered', revision: before.revision });

    // Lina links; the page applies her Close, once.
    await linkPeople(t, ID, [lina]);
    const integration = (await new DynamoIntegrationRepository(getDocumentClient(), table()).get(ID))!;
    expect(await pendingActions().apply(integration, token, { email: lina.email, userId: 'lina' })).toMatchObject({ kind: 'transition', status: 'Closed' });
    expect(await pendingActions().apply(integration, token, { email: lina.email, userId: 'lina' })).toMatchObject({ kind: 'already_applied', status: 'Closed' });
    const actions = await eventually(async () => {
      const found = await actionsNow(200);
      expect(found).toHaveLength(1);
      return found;
    }, 10_000);
    expect(actions[0]).toMatchObject({ incidentId: 'prompt-d-1', action: 'resolve', actor: { email: lina.email, platform: 'dingtalk', userId: 'lina' } });
    expect((await incidents().get('prompt-d-1'))!.revision).toBe(before.revision + 1);
    // Her next click (now linked) clears the prompt from her card.
    expect((await simClick('dingtalk', app.corpId, 'lina', cardId, 'refresh')).status).toBe(200);
    expect(lastCard('dingtalk', 'lina')!.subtitle).toBeUndefined();
    expect(lastCard('dingtalk', 'lina')!.url ?? '').not.toContain('/link/');
  });
});
