/**
 * Account linking for a WeCom third-party (suite) integration (issues 11 and 16), end to end on the
 * local stack and the simulator's service-provider side:
 * - a member of the customer opens the linking page inside WeCom: the page sends her through the
 *   suite's OAuth link (appid = suite id, no agentid, DOC-91120), the code is resolved with the
 *   suite token (getuserinfo3rd, DOC-91121), her mobile matches a member, and the link holds the
 *   userid the app sees (the encrypted open userid of a new corp);
 * - a member of another corp that installed the same suite gets a code too, and is refused: nothing
 *   is linked although the directory has a member with his mobile;
 * - the prompt of an unlinked click (signed with the corp's permanent code) leads through the same
 *   login and applies the clicked action once she is linked.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { DynamoMemberDirectory } from '../../shared/adapters/aws/member-directory';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { LinkingAdmin } from '../../shared/application/linking-admin';
import type { ConversationItem, RenderedCard } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { CookieJar } from '../support/cookie-jar';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { registerSuite, simJson as simJsonOf, suiteAdminFor } from '../support/wecom-suite';

jest.setTimeout(120_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';

const SUITE = { suiteId: 'wwdblinksuite01', suiteSecret: 'suite-secret-linking', token: 'SuiteLinkToken', encodingAesKey: 'mWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', providerCorpId: 'wwproviderlink1', providerSecret: 'provider-secret-linking' };
const CUSTOMER = 'wwlinkacme0001';
const OTHER = 'wwlinkother001';
const ID = 'acme-suite-link';
const mei = { userId: 'meiacme', name: 'Mei Zhou', mobile: '+86-13800000021', email: 'mei@acme.example' };
const bo = { userId: 'boacme', name: 'Bo Han', mobile: '+86-13800000022', email: 'bo@acme.example' };
const zed = { userId: 'zedother', name: 'Zed Qian', mobile: '+86-13800000031', email: 'zed@other.example' };

let t: TestStack;
let sim: Simulator;
const table = () => t.stack.env.STATE_TABLE_NAME;
const links = () => new DynamoLinkStore(getDocumentClient(), table());

interface SimAuthorization {
  plainCorpId: string;
  corpId: string;
  agentId: number;
  users: { plainUserId: string; userId: string }[];
}

const simJson = (method: string, route: string, body?: unknown) => simJsonOf(sim, method, route, body);
const simAuthorization = async (plainCorpId: string): Promise<SimAuthorization> =>
  ((await simJson('GET', `/_sim/wecom/suites/${SUITE.suiteId}`)).authorizations as SimAuthorization[]).find((a) => a.plainCorpId === plainCorpId)!;
/** The userid the suite's app sees for a member (encrypted in a new corp). */
const appUserId = (a: SimAuthorization, plainUserId: string) => a.users.find((u) => u.plainUserId === plainUserId)!.userId;
/** Opens `url` inside the simulated WeCom client signed in as a customer's member (plain userid). */
const inWeCom = (plainUserId: string, url: string) => `${sim.url}/_sim/wecom/client?user=${plainUserId}&url=${encodeURIComponent(url)}`;
const conversation = (corpId: string, userId: string): ConversationItem[] =>
  (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'wecom' && i.orgId === corpId && i.conversation === `user:${userId}`);
const cards = (corpId: string, userId: string): RenderedCard[] => conversation(corpId, userId).flatMap((i) => (i.card ? [i.card] : []));

let acme: SimAuthorization;
let other: SimAuthorization;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  const { admin, suites } = suiteAdminFor(t);
  const integrations = new DynamoIntegrationRepository(getDocumentClient(), table());
  // The OAuth redirect must land on the app's trusted domain (DOC-91121): the linking pages' host.
  await registerSuite(t, sim, admin, SUITE, { trustedDomain: new URL(t.url).host });
  await eventually(async () => expect(await suites.getTicket(SUITE.suiteId)).toBeDefined(), 10_000);
  await simJson('PUT', `/_sim/wecom/customers/${CUSTOMER}`, { corpName: 'Acme Links', users: [mei, bo] });
  await simJson('PUT', `/_sim/wecom/customers/${OTHER}`, { corpName: 'Other Co', users: [zed] });
  // Both corps installed the suite from the market: one suite, two customers.
  for (const corpId of [CUSTOMER, OTHER]) expect(await simJson('POST', `/_sim/wecom/suites/${SUITE.suiteId}/market-install`, { corpId })).toMatchObject({ answer: 'success' });
  acme = await simAuthorization(CUSTOMER);
  other = await simAuthorization(OTHER);
  await eventually(async () => expect((await suites.getAuthorization(SUITE.suiteId, acme.corpId))?.agentId).toBe(String(acme.agentId)), 20_000);
  await admin.addSuiteIntegration({ suiteId: SUITE.suiteId, corpId: CUSTOMER, id: ID });
  await new LinkingAdmin(integrations, secretsManagerWriter(getSecretsManagerClient())).set(ID, { oauthBase: sim.url });
  // Everyone is a member of the incident system, Zed included: only the corp check keeps him out.
  const members = new DynamoMemberDirectory(getDocumentClient(), table());
  for (const p of [mei, bo, zed]) await members.upsert({ email: p.email, name: p.name, mobile: p.mobile, updatedAt: Date.now() });
}, 90_000);

afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

it('a customer member links from the page: the suite OAuth link, getuserinfo3rd, auto-match, her open userid linked', async () => {
  // A new corp: the suite sees encrypted corp and user ids (DOC-96516).
  expect(acme.corpId).not.toBe(CUSTOMER);
  const meiId = appUserId(acme, mei.userId);
  expect(meiId).not.toBe(mei.userId);
  const before = sim.calls({ platform: 'wecom' }).length;

  const { response, visited } = await new CookieJar().follow(inWeCom(mei.userId, `${t.url}/link/wecom/${ID}`), { headers: { 'accept-language': 'en-US' } });
  const html = await response.text();
  expect(response.status).toBe(200);
  expect(html).toContain('Linked.');

  const authorize = new URL(visited.find((u) => u.includes('/connect/oauth2/authorize'))!);
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${sim.url}/connect/oauth2/authorize`);
  expect(Object.fromEntries(authorize.searchParams)).toEqual({
    appid: SUITE.suiteId,
    redirect_uri: `${t.url}/link/wecom/${ID}/callback`,
    response_type: 'code',
    scope: 'snsapi_base',
    state: expect.stringMatching(/^[A-Za-z0-9]{1,128}$/),
  });
  expect(authorize.searchParams.has('agentid')).toBe(false);

  // The code went to getuserinfo3rd with the suite token, never to the corp's auth/getuserinfo.
  const calls = sim.calls({ platform: 'wecom' }).slice(before);
  expect(calls.filter((c) => c.endpoint === 'service/auth/getuserinfo3rd').map((c) => c.resultCode)).toEqual([0]);
  expect(calls.filter((c) => c.endpoint === 'auth/getuserinfo')).toEqual([]);

  expect(await links().byUserId(ID, meiId)).toMatchObject({ email: mei.email, userId: meiId, method: 'login' });
  expect(await links().byEmail(ID, mei.email)).toMatchObject({ userId: meiId });
});

it('a member of another corp that installed the same suite is refused, and nothing is linked', async () => {
  const zedId = appUserId(other, zed.userId);
  const since = Date.now() - 1000;
  const { response } = await new CookieJar().follow(inWeCom(zed.userId, `${t.url}/link/wecom/${ID}`), { headers: { 'accept-language': 'en-US' } });
  expect(response.status).toBe(403);
  expect(await response.text()).toContain('You signed in with an account of another organisation');
  // WeCom did answer for him (a valid code of the suite); the corp is what refused him.
  expect(sim.calls({ endpoint: 'service/auth/getuserinfo3rd' }).pop()).toMatchObject({ resultCode: 0, responseBody: expect.objectContaining({ corpid: other.corpId, userid: zedId }) });
  expect(await links().byUserId(ID, zedId)).toBeUndefined();
  expect(await links().byEmail(ID, zed.email)).toBeUndefined();
  const refusal = await eventually(async () => {
    const found = (await new DynamoOperationLog(getDocumentClient(), table()).query({ integrationId: ID, sinceMs: since })).find((r) => r.reasonCode === 'link_refused');
    expect(found).toBeDefined();
    return found!;
  }, 10_000);
  expect(refusal.reason).toBe(`other_corp: the account ${zedId} is of corp ${other.corpId}, not of this integration's corp ${acme.corpId}`);
});

it("an unlinked member's click sends the signed prompt; following it logs in through the suite and applies the action once", async () => {
  const boId = appUserId(acme, bo.userId);
  // Bo is linked when the card goes out, then unlinked before he clicks.
  await links().set({ integrationId: ID, email: bo.email, userId: boId, linkedAt: Date.now() });
  const event = { type: 'incident.triggered', incidentId: 'suite-link-1', version: 1, occurredAt: new Date().toISOString(), title: 'Checkout errors', severity: 'Critical', responders: [], targets: [{ integrationId: ID, persons: [bo.email] }] };
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
  const cardId = await eventually(async () => {
    expect(cards(acme.corpId, boId)).toHaveLength(1);
    return cards(acme.corpId, boId)[0]!.cardId;
  }, 20_000);
  expect(await links().remove(ID, bo.email)).toBe(true);
  await simJson('POST', '/_sim/click', { platform: 'wecom', orgId: acme.corpId, userId: boId, cardId, buttonKey: 'acknowledge' });
  const prompt = await eventually(async () => {
    const texts = conversation(acme.corpId, boId).filter((i) => i.kind === 'text');
    expect(texts).toHaveLength(1);
    return texts[0]!.text!;
  }, 20_000);
  const promptUrl = prompt.split('\n').pop()!;
  expect(promptUrl).toMatch(new RegExp(`^${t.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/link/wecom/${ID}\\?pending=`));
  const incidents = new DynamoIncidentRepository(getDocumentClient(), table());
  expect((await incidents.get('suite-link-1'))!.status).toBe('Triggered');

  const { response, visited } = await new CookieJar().follow(inWeCom(bo.userId, promptUrl), { headers: { 'accept-language': 'en-US' } });
  const html = await response.text();
  expect(response.status).toBe(200);
  expect(html).toContain('Linked.');
  expect(html).toMatch(/Start Processing applied/);
  expect(new URL(visited.find((u) => u.includes('/connect/oauth2/authorize'))!).searchParams.get('appid')).toBe(SUITE.suiteId);
  expect(await links().byUserId(ID, boId)).toMatchObject({ email: bo.email, method: 'login' });
  expect((await incidents.get('suite-link-1'))!).toMatchObject({ status: 'Processing', acknowledgedBy: { email: bo.email, platform: 'wecom', userId: boId } });
});
