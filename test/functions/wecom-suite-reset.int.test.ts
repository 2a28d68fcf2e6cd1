/**
 * A 代开发 customer's admin resets the app's secret ("重新获取secret", issue 16), end to end on the
 * local stack and the simulator's provider side:
 * - a dk template is installed, the integration added, and a card reaches a member with a corp
 *   token from gettoken with the first secret (the permanent code is the secret, DOC-97163, DOC-97164);
 * - the reset: WeCom pushes reset_permanent_code to the template's command URL (DOC-94758), the
 *   callback queues the AuthCode, the suite-auth worker exchanges it and the corp secret in Secrets
 *   Manager holds the new permanent code; from then on WeCom refuses the old secret (40001);
 * - WeCom drops the corp's tokens, so the next card needs gettoken: it is asked with the NEW secret
 *   and the card arrives.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import type { DynamoSuiteStore } from '../../shared/adapters/aws/suite-store';
import type { SuiteAdmin } from '../../shared/application/suite-admin';
import type { ConversationItem, RenderedCard } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { linkPeople } from '../support/links';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { registerSuite, simJson as simJsonOf, suiteAdminFor } from '../support/wecom-suite';

jest.setTimeout(120_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';

const TEMPLATE = {
  suiteId: 'dkresettemplate1',
  suiteSecret: 'dk-reset-template-secret',
  token: 'DkResetToken',
  encodingAesKey: 'Xq3B7mUyNcA0pL9sTfH2kW8eRjD5vZ1oGiY4nQ6bK0M',
  providerCorpId: 'wwproviderreset',
  providerSecret: 'provider-secret-reset',
};
const CUSTOMER = 'wwdeltacorp01';
const PERSON = { userId: 'dana', name: 'Dana', mobile: '+86-13800000041', email: 'dana@delta.example' };

interface SimAuthorization {
  plainCorpId: string;
  corpId: string;
  agentId: number;
  permanentCode: string;
  users: { plainUserId: string; userId: string }[];
}

interface SimCall {
  endpoint: string;
  query?: Record<string, string>;
  resultCode?: unknown;
  responseBody?: unknown;
}

let t: TestStack;
let sim: Simulator;
let admin: SuiteAdmin;
let suites: DynamoSuiteStore;

const simJson = (method: string, route: string, body?: unknown) => simJsonOf(sim, method, route, body);
const simAuthorization = async (): Promise<SimAuthorization> => ((await simJson('GET', `/_sim/wecom/suites/${TEMPLATE.suiteId}`)).authorizations as SimAuthorization[])[0]!;
const cards = (corpId: string, userId: string): RenderedCard[] =>
  (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'wecom' && i.orgId === corpId && i.conversation === `user:${userId}`).flatMap((i) => (i.card ? [i.card] : []));
const gettokens = (corpId: string): SimCall[] => (sim.calls() as SimCall[]).filter((c) => c.endpoint === 'gettoken' && c.query?.corpid === corpId);

async function publishTriggered(incidentId: string, integrationId: string): Promise<void> {
  const event = {
    type: 'incident.triggered',
    incidentId,
    version: 1,
    occurredAt: new Date().toISOString(),
    title: `Checkout errors (${incidentId})`,
    severity: 'Critical',
    responders: [],
    targets: [{ integrationId, persons: [PERSON.email] }],
  };
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
}

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  ({ admin, suites } = suiteAdminFor(t));
  await registerSuite(t, sim, admin, TEMPLATE, { developerHosted: true });
  await simJson('PUT', `/_sim/wecom/customers/${CUSTOMER}`, { corpName: 'Delta', users: [PERSON] });
  await eventually(async () => expect(await suites.getTicket(TEMPLATE.suiteId)).toBeDefined(), 10_000);
});

afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

describe('a 代开发 customer resets the app secret', () => {
  let corp: SimAuthorization;
  let integrationId: string;
  let secretName: string;
  let firstSecret: string;

  it('before the reset: a card reaches the member with a token from gettoken with the first secret', async () => {
    await simJson('POST', `/_sim/wecom/suites/${TEMPLATE.suiteId}/market-install`, { corpId: CUSTOMER });
    corp = await simAuthorization();
    firstSecret = corp.permanentCode;
    const stored = await eventually(async () => {
      const authorization = await suites.getAuthorization(TEMPLATE.suiteId, corp.corpId);
      expect(authorization?.agentId).toBe(String(corp.agentId));
      return authorization!;
    }, 20_000);
    secretName = stored.secretName;
    expect((await secretsManagerWriter(getSecretsManagerClient()).read(secretName))?.secret).toBe(firstSecret);

    const { integration } = await admin.addSuiteIntegration({ suiteId: TEMPLATE.suiteId, corpId: CUSTOMER, id: 'delta-dk' });
    integrationId = integration.id;
    await linkPeople(t, integrationId, [{ email: PERSON.email, userId: corp.users[0]!.userId }]);
    await publishTriggered('dk-reset-1', integrationId);
    await eventually(async () => expect(cards(corp.corpId, corp.users[0]!.userId)).toHaveLength(1), 20_000);
    expect(gettokens(corp.corpId).map((c) => c.query?.corpsecret)).toEqual([firstSecret]);
  });

  it('reset_permanent_code is answered in time; the worker exchanges it and the corp secret holds the new permanent code', async () => {
    const reset = await simJson('POST', `/_sim/wecom/suites/${TEMPLATE.suiteId}/reset-secret`, { corpId: CUSTOMER });
    expect(reset).toMatchObject({ answer: 'success', status: 200, ok: true });
    expect(reset.elapsedMs).toBeLessThan(1000);
    const newSecret = (await simAuthorization()).permanentCode;
    expect(newSecret).not.toBe(firstSecret);

    const secret = await eventually(async () => {
      const value = await secretsManagerWriter(getSecretsManagerClient()).read(secretName);
      expect(value?.secret).toBe(newSecret);
      return value!;
    }, 20_000);
    // The callback material stays beside the secret (the corp's integration reads it like a self-built app's).
    expect(secret).toMatchObject({ token: TEMPLATE.token, encodingAesKey: TEMPLATE.encodingAesKey });
    const exchanged = (sim.calls() as SimCall[]).filter((c) => c.endpoint === 'service/v2/get_permanent_code' && c.resultCode === 0);
    expect(exchanged.map((c) => (c.responseBody as { permanent_code?: string }).permanent_code)).toEqual([firstSecret, newSecret]);
    expect((await suites.getAuthorization(TEMPLATE.suiteId, corp.corpId))?.status).toBe('active');
  });

  // The functions read the corp secret through a 5-minute cache and keep one client per secret:
  // gettoken with the OLD secret answers 40001, the client reads the secret once more past the
  // cache, finds the new one the worker stored, and gets its token with it.
  it('after WeCom drops the corp tokens, the next card is sent with a token from gettoken with the NEW secret', async () => {
    const newSecret = (await simAuthorization()).permanentCode;
    await simJson('POST', '/_sim/wecom/tokens/invalidate', { corpId: corp.corpId, mode: 'invalid' });
    const asked = gettokens(corp.corpId).length;
    await publishTriggered('dk-reset-2', integrationId);
    // The send's outcome (sent or dropped) is in the operation log either way.
    const outcome = await eventually(async () => {
      const records = await new DynamoOperationLog(getDocumentClient(), t.stack.env.STATE_TABLE_NAME).query({ incidentId: 'dk-reset-2' });
      const sent = records.find((r) => r.recipient === PERSON.email && r.result !== 'retrying' && r.result !== 'deferred');
      expect(sent).toBeDefined();
      return sent!;
    }, 30_000);
    const after = gettokens(corp.corpId).slice(asked);
    expect(after.filter((c) => c.resultCode === 0).map((c) => c.query?.corpsecret)).toEqual([newSecret]);
    expect({ result: outcome.result, reasonCode: outcome.reasonCode, reason: outcome.reason }).toMatchObject({ result: 'sent', reasonCode: 'delivered' });
    await eventually(async () => expect(cards(corp.corpId, corp.users[0]!.userId)).toHaveLength(2), 10_000);
  });
});
