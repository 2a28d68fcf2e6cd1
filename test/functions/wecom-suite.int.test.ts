/**
 * WeCom third-party (suite) mode end to end (issue 16), on the local stack and the simulator's
 * service-provider side, over the real encrypted protocols:
 * - the suite is added; WeCom verifies both URLs and pushes a suite_ticket to the command callback;
 * - a customer installs the app from the simulated market: create_auth → the worker exchanges the
 *   code (v2 permanent code, auth info) → the operator adds the integration by the PLAIN Corp ID and
 *   it is stored with the encrypted one WeCom gives the suite;
 * - an incident reaches the licensed member as a card; her click comes back through the data
 *   callback and starts processing; the unlicensed member's miss is in the operation log with why;
 * - installing from our own page: the return link works once, a second use is refused;
 * - bad input: wrong signature, unknown suite, a ticket older than the stored one, a wrong
 *   receiveid, a Corp ID with spaces or of a corp that never installed: clear answers, no change;
 * - cancelling the authorization disables the integration, and the next incident says so.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { DynamoSuiteStore } from '../../shared/adapters/aws/suite-store';
import { CorpNotAuthorizedError, InvalidSuiteInputError, type SuiteAdmin } from '../../shared/application/suite-admin';
import { WeComCrypto } from '../../shared/crypto';
import type { ConversationItem, RenderedCard } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { linkPeople } from '../support/links';
import { handler as licensesHandler } from '../../functions/wecom-licenses/handler';
import { lambdaContext } from '../../local/handlers';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { registerSuite, simJson as simJsonOf, suiteAdminFor } from '../support/wecom-suite';

jest.setTimeout(120_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';

const SUITE = { suiteId: 'wwdbsuite0001', suiteSecret: 'suite-secret-e2e', token: 'SuiteE2eToken', encodingAesKey: 'kWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', providerCorpId: 'wwprovider00e2e', providerSecret: 'provider-secret-e2e' };
const CUSTOMER = 'wwacmeindustries';
const SITE_CUSTOMER = 'wwbetasite01';
const STRANGER = 'wwneverinstalled';
const people = [
  { userId: 'ana', name: 'Ana Li', mobile: '+86-13800000011', email: 'ana@acme.example' },
  { userId: 'cy', name: 'Cy Wu', mobile: '+86-13800000012', email: 'cy@acme.example', unlicensed: true },
];

let t: TestStack;
let sim: Simulator;
let admin: SuiteAdmin;
let suites: DynamoSuiteStore;
const table = () => t.stack.env.STATE_TABLE_NAME;
const log = () => new DynamoOperationLog(getDocumentClient(), table());

interface SimAuthorization {
  plainCorpId: string;
  corpId: string;
  agentId: number;
  cancelled: boolean;
  users: { plainUserId: string; userId: string; unlicensed: boolean }[];
}

const simJson = (method: string, route: string, body?: unknown) => simJsonOf(sim, method, route, body);
const simAuthorization = async (plainCorpId: string): Promise<SimAuthorization> =>
  ((await simJson('GET', `/_sim/wecom/suites/${SUITE.suiteId}`)).authorizations as SimAuthorization[]).find((a) => a.plainCorpId === plainCorpId)!;

const conversation = (corpId: string, userId: string): ConversationItem[] =>
  (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'wecom' && i.orgId === corpId && i.conversation === `user:${userId}`);
const cards = (corpId: string, userId: string): RenderedCard[] => conversation(corpId, userId).flatMap((i) => (i.card ? [i.card] : []));

/** A command-URL POST as WeCom would send it, with our own choice of fields (for bad input). */
function commandPost(fields: Record<string, string>, options: { receiveId?: string; token?: string } = {}) {
  const crypto = new WeComCrypto({ token: options.token ?? SUITE.token, encodingAesKey: SUITE.encodingAesKey, receiveId: options.receiveId ?? SUITE.suiteId });
  const xml = `<xml>${Object.entries(fields).map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}</xml>`;
  const encrypt = crypto.encrypt(xml);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = 'n0nce42';
  const signature = crypto.signature(timestamp, nonce, encrypt);
  return (suiteId = SUITE.suiteId) =>
    fetch(`${t.url}/wecom-suite/${suiteId}/command?msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: `<xml><ToUserName><![CDATA[${SUITE.suiteId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID></AgentID></xml>`,
    });
}

async function publish(event: object): Promise<void> {
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
}
const triggered = (incidentId: string, integrationId: string, persons: string[]) => ({
  type: 'incident.triggered',
  incidentId,
  version: 1,
  occurredAt: new Date().toISOString(),
  title: `Order service latency (${incidentId})`,
  severity: 'Critical',
  responders: [],
  targets: [{ integrationId, persons }],
});

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  ({ admin, suites } = suiteAdminFor(t));
  // The operator adds the suite first (`dutybridge suites add wecom …`), then registers its URLs.
  await registerSuite(t, sim, admin, SUITE);
  for (const [corpId, corpName] of [[CUSTOMER, 'Acme Industries'], [SITE_CUSTOMER, 'Beta Site'], [STRANGER, 'Stranger Co']]) {
    await simJson('PUT', `/_sim/wecom/customers/${corpId}`, { corpName, users: people.map((p) => ({ ...p, userId: `${p.userId}${corpId.slice(2, 6)}` })) });
  }
});

afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

it('WeCom verifies both URLs, and the first suite_ticket it pushes is stored', async () => {
  for (const which of ['command', 'data']) expect(await simJson('POST', `/_sim/wecom/suites/${SUITE.suiteId}/verify`, { which })).toMatchObject({ ok: true });
  const ticket = await eventually(async () => {
    const stored = await suites.getTicket(SUITE.suiteId);
    expect(stored).toBeDefined();
    return stored!;
  }, 10_000);
  const pushed = await simJson('POST', `/_sim/wecom/suites/${SUITE.suiteId}/ticket`);
  expect(pushed).toMatchObject({ answer: 'success', status: 200 });
  expect(pushed.elapsedMs).toBeLessThan(1000);
  expect((await suites.getTicket(SUITE.suiteId))!.ticket).toBe(pushed.ticket);
  expect(pushed.ticket).not.toBe(ticket.ticket);
});

it('bad command callbacks: wrong signature or unknown suite 401, older ticket kept out, wrong receiveid 400; nothing changes', async () => {
  const before = await suites.getTicket(SUITE.suiteId);
  const wrongToken = await commandPost({ SuiteId: SUITE.suiteId, InfoType: 'suite_ticket', TimeStamp: String(Math.floor(Date.now() / 1000) + 60), SuiteTicket: 'forged' }, { token: 'NotOurToken' })();
  expect(wrongToken.status).toBe(401);
  const unknownSuite = await commandPost({ SuiteId: 'wwnosuchsuite', InfoType: 'suite_ticket', TimeStamp: '1', SuiteTicket: 'x' })('wwnosuchsuite');
  expect(unknownSuite.status).toBe(401);
  const wrongReceiveId = await commandPost({ SuiteId: SUITE.suiteId, InfoType: 'suite_ticket', TimeStamp: String(before!.timestamp + 60), SuiteTicket: 'other-corp' }, { receiveId: 'wwsomeoneelse' })();
  expect(wrongReceiveId.status).toBe(400);
  // Signed and encrypted correctly, but older than the stored one: WeCom gets `success`, the newer stays.
  const older = await commandPost({ SuiteId: SUITE.suiteId, InfoType: 'suite_ticket', TimeStamp: String(before!.timestamp - 600), SuiteTicket: 'stale-ticket' })();
  expect(older.status).toBe(200);
  expect(await older.text()).toBe('success');
  expect(await suites.getTicket(SUITE.suiteId)).toEqual(before);
  const stale = await log().query({ sinceMs: Date.now() - 60_000 });
  expect(stale.find((r) => r.reasonCode === 'suite_ticket_stale')?.reason).toContain(`TimeStamp ${before!.timestamp - 600}`);
});

describe('a customer installs from the market and the operator adds it by its plain Corp ID', () => {
  let corp: SimAuthorization;
  let integrationId: string;
  const user = (name: string) => corp.users.find((u) => u.plainUserId.startsWith(name))!.userId;

  it('create_auth is answered in time and the worker stores the authorization with its agentid', async () => {
    const install = await simJson('POST', `/_sim/wecom/suites/${SUITE.suiteId}/market-install`, { corpId: CUSTOMER });
    expect(install).toMatchObject({ answer: 'success', status: 200 });
    expect(install.elapsedMs).toBeLessThan(1000);
    corp = await simAuthorization(CUSTOMER);
    // A new corp: WeCom gives the suite an encrypted corp id and encrypted user ids (DOC-96516).
    expect(corp.corpId).not.toBe(CUSTOMER);
    const stored = await eventually(async () => {
      const a = await suites.getAuthorization(SUITE.suiteId, corp.corpId);
      expect(a?.agentId).toBe(String(corp.agentId));
      return a!;
    }, 20_000);
    expect(stored).toMatchObject({ status: 'active', corpName: 'Acme Industries' });
    expect((await secretsManagerWriter(getSecretsManagerClient()).read(stored.secretName))?.secret).toBe((await simAuthorization(CUSTOMER) as any).permanentCode);
  });

  it('refuses a Corp ID with spaces and one of a corp that never installed, writing nothing', async () => {
    await expect(admin.addSuiteIntegration({ suiteId: SUITE.suiteId, corpId: ` ${CUSTOMER}` })).rejects.toThrow(InvalidSuiteInputError);
    const stranger = admin.addSuiteIntegration({ suiteId: SUITE.suiteId, corpId: STRANGER });
    await expect(stranger).rejects.toThrow(CorpNotAuthorizedError);
    await expect(stranger).rejects.toThrow(/authorize the app first.*\/wecom-suite\/wwdbsuite0001\/install/s);
    expect((await new DynamoIntegrationRepository(getDocumentClient(), table()).list()).filter((i) => i.platform === 'wecom')).toEqual([]);
  });

  it('adds the integration by the plain Corp ID, stored with the id WeCom gives the suite', async () => {
    const { integration } = await admin.addSuiteIntegration({ suiteId: SUITE.suiteId, corpId: CUSTOMER, id: 'acme-wecom' });
    integrationId = integration.id;
    expect(integration.settings).toMatchObject({ corpId: corp.corpId, agentId: String(corp.agentId), suite: { suiteId: SUITE.suiteId, kind: 'third-party', pastedCorpId: CUSTOMER } });
    await linkPeople(t, integrationId, [
      { email: 'ana@acme.example', userId: user('ana') },
      { email: 'cy@acme.example', userId: user('cy') },
    ]);
  });

  it('a card reaches the licensed member; the unlicensed one is in the operation log as "WeCom license not activated"', async () => {
    await publish(triggered('suite-1', integrationId, ['ana@acme.example', 'cy@acme.example']));
    await eventually(async () => expect(cards(corp.corpId, user('ana'))).toHaveLength(1), 20_000);
    expect(cards(corp.corpId, user('cy'))).toHaveLength(0);
    const records = await eventually(async () => {
      const found = await log().query({ incidentId: 'suite-1' });
      expect(found.filter((r) => r.channel === 'card')).toHaveLength(2);
      return found;
    }, 20_000);
    expect(records.find((r) => r.recipient === 'ana@acme.example')).toMatchObject({ result: 'sent', reasonCode: 'delivered' });
    const miss = records.find((r) => r.recipient === 'cy@acme.example')!;
    expect(miss).toMatchObject({ result: 'failed', reasonCode: 'not_licensed', integrationId });
    expect(miss.reason).toMatch(/^WeCom license not activated: cy@acme\.example .*Activate an API access license/);
  });

  it('a card to the unlicensed member alone (81013: nobody deliverable) is logged with the license hint too', async () => {
    await publish(triggered('suite-1b', integrationId, ['cy@acme.example']));
    const record = await eventually(async () => {
      const found = (await log().query({ incidentId: 'suite-1b' })).find((r) => r.recipient === 'cy@acme.example');
      expect(found).toBeDefined();
      return found!;
    }, 20_000);
    expect(record).toMatchObject({ result: 'failed', platformCode: 81013 });
    expect(record.reason).toMatch(/^WeCom license not activated, or not a member in the app's visible range: cy@acme\.example .*licenses show/);
    expect(cards(corp.corpId, user('cy'))).toHaveLength(0);
  });

  it("the licensed member's click comes back through the data callback and starts processing", async () => {
    const cardId = cards(corp.corpId, user('ana'))[0].cardId;
    const click = await simJson('POST', '/_sim/click', { platform: 'wecom', orgId: corp.corpId, userId: user('ana'), cardId, buttonKey: 'acknowledge' });
    expect(click).toBeDefined();
    await eventually(async () => expect((await new DynamoIncidentRepository(getDocumentClient(), table()).get('suite-1'))?.status).toBe('Processing'), 20_000);
  });

  it('unlicensed_notify on the data URL is recorded with what to do', async () => {
    await simJson('POST', `/_sim/wecom/suites/${SUITE.suiteId}/unlicensed-notify`, { corpId: CUSTOMER, userId: user('cy') });
    const record = await eventually(async () => {
      const found = (await log().query({ integrationId })).find((r) => r.reasonCode === 'license_unlicensed_notify');
      expect(found).toBeDefined();
      return found!;
    }, 10_000);
    expect(record.reason).toContain(`WeCom license not activated: member ${user('cy')}`);
  });

  it('the daily license check records a trial inside the warning window (90-day trial, DOC-95844)', async () => {
    process.env.LICENSE_TRIAL_WARN_DAYS = '95';
    try {
      const result = (await licensesHandler({} as never, lambdaContext('wecom-licenses', 120))) as { checked: number; endingSoon: number };
      expect(result).toEqual({ checked: 1, endingSoon: 1 });
    } finally {
      delete process.env.LICENSE_TRIAL_WARN_DAYS;
    }
    const record = (await log().query({ integrationId })).find((r) => r.reasonCode === 'license_trial_ending');
    expect(record?.reason).toMatch(/8[89] days/);
    // With the default 7-day window, a trial that has just begun is not reported.
    expect(await licensesHandler({} as never, lambdaContext('wecom-licenses', 120))).toEqual({ checked: 1, endingSoon: 0 });
  });

  it('cancelling the authorization disables the integration, and the next incident says so', async () => {
    await simJson('POST', `/_sim/wecom/suites/${SUITE.suiteId}/cancel`, { corpId: CUSTOMER });
    const disabled = await eventually(async () => {
      const integration = await new DynamoIntegrationRepository(getDocumentClient(), table()).get(integrationId);
      expect(integration?.disabled).toBeDefined();
      return integration!.disabled!;
    }, 20_000);
    expect(disabled.reason).toContain('removed the app');
    expect((await suites.getAuthorization(SUITE.suiteId, corp.corpId))?.status).toBe('cancelled');
    // The repository cache of the functions holds integrations briefly; the drop shows once it lapses.
    await publish(triggered('suite-2', integrationId, ['ana@acme.example']));
    const drop = await eventually(async () => {
      const found = (await log().query({ incidentId: 'suite-2' })).find((r) => r.reasonCode === 'integration_disabled');
      expect(found).toBeDefined();
      return found!;
    }, 30_000);
    expect(drop.reason).toContain(`integration ${integrationId} is disabled`);
    expect(cards(corp.corpId, user('ana'))).toHaveLength(1);
  });
});

it("installing from our own page: WeCom's return link works once, and a second use is refused", async () => {
  const start = await fetch(`${t.url}/wecom-suite/${SUITE.suiteId}/install`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const installPage = new URL(start.headers.get('location')!);
  expect(`${installPage.origin}${installPage.pathname}`).toBe(`${sim.url}/3rdapp/install`);
  const form = new URLSearchParams({ ...Object.fromEntries(installPage.searchParams), corpid: SITE_CUSTOMER });
  const authorized = await fetch(`${sim.url}/3rdapp/install`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), redirect: 'manual' });
  expect(authorized.status).toBe(302);
  const back = authorized.headers.get('location')!;
  expect(back.startsWith(`${t.url}/wecom-suite/${SUITE.suiteId}/installed?`)).toBe(true);
  const first = await fetch(back);
  expect(first.status).toBe(200);
  expect(await first.text()).toContain('Beta Site');
  const site = await simAuthorization(SITE_CUSTOMER);
  expect((await suites.getAuthorization(SUITE.suiteId, site.corpId))?.agentId).toBe(String(site.agentId));
  const again = await fetch(back);
  expect(again.status).toBe(409);
  expect(await again.text()).toContain('already used');
  // A return link whose state we did not sign changes nothing.
  const forged = new URL(back);
  forged.searchParams.set('state', '0'.repeat(64));
  expect((await fetch(forged)).status).toBe(400);
});

it('代开发 (developer-hosted): the permanent code is the app secret and the corp token comes from gettoken (DOC-97163, DOC-97164)', async () => {
  const DK = { ...SUITE, suiteId: 'dkdbtemplate01', suiteSecret: 'dk-template-secret', token: 'DkTemplateToken' };
  const DK_CUSTOMER = 'wwgammacorp01';
  await registerSuite(t, sim, admin, DK, { developerHosted: true });
  await simJson('PUT', `/_sim/wecom/customers/${DK_CUSTOMER}`, { corpName: 'Gamma', users: [{ userId: 'gus', name: 'Gus', mobile: '+86-13800000031', email: 'gus@gamma.example' }] });
  await eventually(async () => expect(await suites.getTicket(DK.suiteId)).toBeDefined(), 10_000);
  await simJson('POST', `/_sim/wecom/suites/${DK.suiteId}/market-install`, { corpId: DK_CUSTOMER });
  const dk = ((await simJson('GET', `/_sim/wecom/suites/${DK.suiteId}`)).authorizations as (SimAuthorization & { permanentCode: string })[])[0];
  await eventually(async () => expect((await suites.getAuthorization(DK.suiteId, dk.corpId))?.agentId).toBe(String(dk.agentId)), 20_000);
  const { integration } = await admin.addSuiteIntegration({ suiteId: DK.suiteId, corpId: DK_CUSTOMER, id: 'gamma-dk' });
  expect(integration.settings.suite).toMatchObject({ kind: 'developer-hosted' });
  await linkPeople(t, integration.id, [{ email: 'gus@gamma.example', userId: dk.users[0].userId }]);
  await publish(triggered('suite-dk-1', integration.id, ['gus@gamma.example']));
  await eventually(async () => expect(cards(dk.corpId, dk.users[0].userId)).toHaveLength(1), 20_000);
  const calls = (sim.calls() as { endpoint: string; query?: Record<string, string> }[]).filter((c) => c.query?.corpid === dk.corpId);
  expect(calls.some((c) => c.endpoint === 'gettoken' && c.query?.corpsecret === dk.permanentCode)).toBe(true);
});
