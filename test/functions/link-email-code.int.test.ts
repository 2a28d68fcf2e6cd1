/**
 * Account linking by one-time code, end to end on the local stack (pollers on) with the simulator:
 * a WeCom user whom auto-match cannot place opens the homepage inside the simulated client, asks for
 * a code for their work email; link-pages queues the request (link-mail), send-link-code mails the
 * code to the simulator's mailbox, the person types it and is linked (method code). A wrong code
 * first spends a try and links nothing.
 */
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { DynamoMemberDirectory } from '../../shared/adapters/aws/member-directory';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { LinkingAdmin } from '../../shared/application/linking-admin';
import { createSimulator, type Simulator } from '../../sim/server';
import { demoWeComCorp } from '../../sim/seed';
import { CookieJar } from '../support/cookie-jar';
import { startTestStack, type TestStack } from '../support/stack';

const WECOM = 'code-wecom';
/** A member whose email is not the chat account's (lina@example.com), so auto-match misses. */
const EMAIL = 'li.na@corp.example';
let t: TestStack;
let sim: Simulator;
let links: DynamoLinkStore;

beforeAll(async () => {
  sim = await createSimulator({ port: 0, seed: true });
  t = await startTestStack({ pollers: true });
  const table = t.stack.env.STATE_TABLE_NAME;
  links = new DynamoLinkStore(getDocumentClient(), table);
  await t.admin.addWeCom({ id: WECOM, corpId: demoWeComCorp.corpId, agentId: String(demoWeComCorp.agentId), apiBase: sim.url, secret: demoWeComCorp.secret, token: demoWeComCorp.token, aesKey: demoWeComCorp.encodingAesKey });
  const linking = new LinkingAdmin(new DynamoIntegrationRepository(getDocumentClient(), table), secretsManagerWriter(getSecretsManagerClient()));
  await linking.set(WECOM, { oauthBase: sim.url, emailCode: { from: 'noreply@dutybridge.example' } }, { smtpUrl: `smtp://demo:demo@127.0.0.1:${sim.smtpPort}` });
  await new DynamoMemberDirectory(getDocumentClient(), table).upsert({ email: EMAIL, name: '李娜', updatedAt: Date.now() });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
});

const page = (suffix = '') => `${t.url}/link/wecom/${WECOM}${suffix}`;
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'zh-CN' },
  body: new URLSearchParams(fields).toString(),
});

async function mailedCode(to: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { messages } = (await (await fetch(`${sim.url}/_sim/mailbox?to=${encodeURIComponent(to)}`)).json()) as { messages: { subject: string; text: string }[] };
    const code = messages.at(-1)?.subject.match(/\b\d{6}\b/)?.[0];
    if (code) return code;
    if (Date.now() > deadline) throw new Error(`no code mail for ${to}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('mails a code through the link-mail queue and links the person who types it (method code)', async () => {
  const jar = new CookieJar();
  const opened = await jar.follow(`${sim.url}/_sim/wecom/client?user=lina&url=${encodeURIComponent(page())}`, { headers: { 'accept-language': 'zh-CN' } });
  expect(opened.response.status).toBe(200);
  const prove = await opened.response.text();
  expect(prove).toContain('name="email"');

  const asked = await jar.fetch(page('/code'), form({ step: 'send', email: EMAIL }));
  expect(asked.status).toBe(200);
  expect(await asked.text()).toContain('name="code"');
  const code = await mailedCode(EMAIL);
  expect(code).toMatch(/^\d{6}$/);

  const wrong = await jar.fetch(page('/code'), form({ step: 'verify', code: code === '000000' ? '000001' : '000000' }));
  expect(wrong.status).toBe(400);
  expect(await links.byUserId(WECOM, 'lina')).toBeUndefined();

  const verified = await jar.fetch(page('/code'), form({ step: 'verify', code }));
  expect(verified.status).toBe(200);
  expect(await verified.text()).toContain(EMAIL);
  expect(await links.byUserId(WECOM, 'lina')).toMatchObject({ email: EMAIL, method: 'code' });
}, 45_000);
