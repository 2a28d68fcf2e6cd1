/**
 * Names on the cards of a third-party (suite) app (issue 16), end to end on the local stack and the
 * simulator: such an app cannot read members' names (name = userid, DOC-90639), so the refreshed
 * card names the clicker as `$userName=<userid>$` with `enable_id_trans: 1` and WeCom's client (the
 * simulator) shows the real name (DOC-90372). A self-built app's card is unchanged: the email, 0.
 * The suite is set up as in wecom-suite.int.test.ts: added, verified, installed from the market by a
 * new corp (encrypted ids), added by its plain Corp ID, people linked; no member directory entry.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { CallRecord, ConversationItem, RenderedCard } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { addWeComIntegration, linkPeople, putSimWeComCorp } from '../support/wecom-corp';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { registerSuite, simJson as simJsonOf, suiteAdminFor } from '../support/wecom-suite';

jest.setTimeout(120_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';

const SUITE = { suiteId: 'wwdbsuitenames', suiteSecret: 'suite-secret-names', token: 'SuiteNamesToken', encodingAesKey: 'kWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', providerCorpId: 'wwprovidernames', providerSecret: 'provider-secret-names' };
const CUSTOMER = 'wwacmenames01';
const SELF_BUILT = { corpId: 'wwselfnames01', agentId: 1000002, secret: 'self-app-secret', token: 'SelfNamesToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const SELF_ID = 'self-wecom';
const ana = { userId: 'ana', name: 'Ana Li', mobile: '+86-13800000011', email: 'ana@acme.example' };

let t: TestStack;
let sim: Simulator;
let suiteCorpId: string;
let anaInSuite: string;
let suiteIntegrationId: string;

const simJson = (method: string, route: string, body?: unknown) => simJsonOf(sim, method, route, body);

/** The newest copy of each card a member sees, by card id. */
function cardsOf(corpId: string, userId: string): RenderedCard[] {
  const byCard = new Map<string, RenderedCard>();
  for (const item of sim.conversations() as ConversationItem[]) {
    if (item.platform === 'wecom' && item.orgId === corpId && item.conversation === `user:${userId}` && item.card) byCard.set(item.card.cardId, item.card);
  }
  return [...byCard.values()];
}

/** WeCom calls whose card names this incident (its title carries the id; updates have no task_id). */
const cardCalls = (endpoint: string, incidentId: string): CallRecord[] =>
  (sim.calls({ platform: 'wecom', endpoint }) as CallRecord[]).filter((c) => c.endpoint === endpoint && JSON.stringify(c.requestBody).includes(`(${incidentId})`));

async function publishTriggered(incidentId: string, integrationId: string, person: string): Promise<void> {
  const event = { type: 'incident.triggered', incidentId, version: 1, occurredAt: new Date().toISOString(), title: `Disk full (${incidentId})`, severity: 'Critical', responders: [], targets: [{ integrationId, persons: [person] }] };
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
}

/** The member's card arrives; they press Start Processing; the card they then see is returned once it shows Processing. */
async function acknowledgeAndSee(corpId: string, userId: string): Promise<RenderedCard> {
  const cardId = await eventually(async () => {
    const cards = cardsOf(corpId, userId);
    expect(cards).toHaveLength(1);
    return cards[0]!.cardId;
  }, 20_000);
  await simJson('POST', '/_sim/click', { platform: 'wecom', orgId: corpId, userId, cardId, buttonKey: 'acknowledge' });
  return eventually(async () => {
    const card = cardsOf(corpId, userId)[0]!;
    expect(card.fields).toContainEqual({ key: 'Status', value: 'Processing' });
    return card;
  }, 20_000);
}

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  // The suite: added, URLs registered and verified, a suite_ticket stored.
  const { admin, suites } = suiteAdminFor(t);
  await registerSuite(t, sim, admin, SUITE);
  for (const which of ['command', 'data']) await simJson('POST', `/_sim/wecom/suites/${SUITE.suiteId}/verify`, { which });
  await eventually(async () => expect(await suites.getTicket(SUITE.suiteId)).toBeDefined(), 10_000);
  // A new customer installs from the market: its corp and member ids are encrypted (DOC-96516).
  await simJson('PUT', `/_sim/wecom/customers/${CUSTOMER}`, { corpName: 'Acme Names', users: [ana] });
  await simJson('POST', `/_sim/wecom/suites/${SUITE.suiteId}/market-install`, { corpId: CUSTOMER });
  const authorization = ((await simJson('GET', `/_sim/wecom/suites/${SUITE.suiteId}`)).authorizations as { plainCorpId: string; corpId: string; agentId: number; users: { plainUserId: string; userId: string }[] }[]).find(
    (a) => a.plainCorpId === CUSTOMER,
  )!;
  suiteCorpId = authorization.corpId;
  anaInSuite = authorization.users.find((u) => u.plainUserId === 'ana')!.userId;
  await eventually(async () => expect((await suites.getAuthorization(SUITE.suiteId, suiteCorpId))?.agentId).toBe(String(authorization.agentId)), 20_000);
  const { integration } = await admin.addSuiteIntegration({ suiteId: SUITE.suiteId, corpId: CUSTOMER, id: 'acme-names' });
  suiteIntegrationId = integration.id;
  await linkPeople(t, suiteIntegrationId, [{ email: ana.email, userId: anaInSuite }]);

  // A self-built app of another corp, with a member of the same name.
  expect(await putSimWeComCorp(sim, SELF_BUILT, { callbackUrl: `${t.url}/wecom/${SELF_ID}/callback`, users: [{ ...ana, email: 'ana@self.example' }] })).toBe(200);
  await addWeComIntegration(t, sim, { id: SELF_ID, corp: SELF_BUILT });
  await linkPeople(t, SELF_ID, [{ email: 'ana@self.example', userId: 'ana' }]);
});

afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

it('a suite card names the clicker by her WeCom name via enable_id_trans; a self-built card keeps the email with enable_id_trans 0', async () => {
  await publishTriggered('names-1', suiteIntegrationId, ana.email);
  const suiteCard = await acknowledgeAndSee(suiteCorpId, anaInSuite);
  // Her encrypted userid (32 characters) makes "Processing by $userName=…$" too long for the line
  // under the title (44), so it leads the body, which WeCom translates as well.
  expect(suiteCard.subtitle).toBe('Processing');
  expect(suiteCard.body?.split('\n')[0]).toBe('Processing by Ana Li');
  expect(JSON.stringify(suiteCard)).not.toContain('$userName=');
  const suiteUpdate = cardCalls('message/update_template_card', 'names-1').at(-1)!;
  expect(suiteUpdate.resultCode).toBe(0);
  expect(suiteUpdate.requestBody).toMatchObject({ enable_id_trans: 1 });
  expect(JSON.stringify(suiteUpdate.requestBody)).toContain(`Processing by $userName=${anaInSuite}$`);
  expect(cardCalls('message/send', 'names-1').map((c) => (c.requestBody as { enable_id_trans?: number }).enable_id_trans)).toEqual([1]);

  await publishTriggered('names-2', SELF_ID, 'ana@self.example');
  const selfCard = await acknowledgeAndSee(SELF_BUILT.corpId, 'ana');
  expect(selfCard.subtitle).toBe('Processing by ana@self.example');
  expect(selfCard.fields).toContainEqual({ key: 'Assignee', value: 'ana@self.example' });
  expect(JSON.stringify(selfCard)).not.toContain('Ana Li');
  const selfUpdate = cardCalls('message/update_template_card', 'names-2').at(-1)!;
  expect(selfUpdate.requestBody).toMatchObject({ enable_id_trans: 0 });
  expect(JSON.stringify(selfUpdate.requestBody)).not.toContain('$userName=');
  expect(cardCalls('message/send', 'names-2').map((c) => (c.requestBody as { enable_id_trans?: number }).enable_id_trans)).toEqual([0]);
});
