/**
 * send-link-code on the local stack (pollers on): a code-mail request on the link-mail queue is
 * mailed to the simulator's mailbox with a fresh 6-digit code that OneTimeCodes.check accepts, and
 * only that code. Against a strict SMTP server of the test: a permanent refusal (550) is recorded
 * and not retried, a temporary one (451) is retried with a fresh code; a late request is dropped
 * with a record; a malformed one goes to the dead-letter queue.
 */
import type { AddressInfo } from 'node:net';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SMTPServer } from 'smtp-server';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { SqsLinkCodeMailer, LinkCodeMailRequestError } from '../../shared/adapters/aws/link-mail-queue';
import { DynamoOneTimeCodes } from '../../shared/adapters/aws/one-time-codes';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { LinkingAdmin } from '../../shared/application/linking-admin';
import { linkMailQueue } from '../../shared/config/resources';
import { oneTimeCodesKey } from '../../shared/crypto/one-time-code-key';
import type { LinkCodeMailRequest } from '../../shared/domain/link-code-mail';
import type { OperationRecord } from '../../shared/domain/operation-log';
import { parseMessage } from '../../sim/mail/mime';
import { createSimulator, type Simulator } from '../../sim/server';
import { demoWeComCorp } from '../../sim/seed';
import { startTestStack, type TestStack } from '../support/stack';

process.env.QUEUE_RETRY_MAX_SECONDS = '1';

const MAILBOX = 'mail-wecom';
const STRICT = 'mail-strict';
let t: TestStack;
let sim: Simulator;
let strict: SMTPServer;
let oplog: DynamoOperationLog;
let requests: SqsLinkCodeMailer;
/** RCPT TO attempts the strict server saw, by address. */
const attempts = new Map<string, number>();
/** Mails the strict server accepted: recipient and raw text. */
const accepted: { to: string; raw: string }[] = [];

function codesOf(integrationId: string): DynamoOneTimeCodes {
  return new DynamoOneTimeCodes(getDocumentClient(), t.stack.env.STATE_TABLE_NAME, oneTimeCodesKey(demoWeComCorp.secret, integrationId));
}

function request(integrationId: string, email: string, overrides: Partial<LinkCodeMailRequest> = {}): LinkCodeMailRequest {
  return { integrationId, sessionKey: `${integrationId}:${email.split('@')[0]}`, email, language: 'en', requestedAt: Date.now(), ...overrides };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function mailbox(to: string): Promise<{ subject: string; text: string }[]> {
  const res = await fetch(`${sim.url}/_sim/mailbox?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { messages: { subject: string; text: string }[] }).messages;
}

async function records(integrationId: string, recipient: string): Promise<OperationRecord[]> {
  return (await oplog.query({ integrationId, limit: 50 })).filter((r) => r.recipient === recipient);
}

const sixDigits = (text: string) => [...new Set(text.match(/\b\d{6}\b/g) ?? [])];

beforeAll(async () => {
  sim = await createSimulator({ port: 0, seed: true });
  strict = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      const n = (attempts.get(address.address) ?? 0) + 1;
      attempts.set(address.address, n);
      const refuse = (code: number, text: string) => callback(Object.assign(new Error(text), { responseCode: code }));
      if (address.address.startsWith('nobody@')) return refuse(550, 'mailbox unavailable');
      if (address.address.startsWith('busy@') && n === 1) return refuse(451, 'try again later');
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        accepted.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', resolve));
  const strictPort = (strict.server.address() as AddressInfo).port;

  t = await startTestStack({ pollers: true });
  const table = t.stack.env.STATE_TABLE_NAME;
  oplog = new DynamoOperationLog(getDocumentClient(), table);
  requests = new SqsLinkCodeMailer(t.sqs, t.queueUrl(linkMailQueue.id));
  const linking = new LinkingAdmin(new DynamoIntegrationRepository(getDocumentClient(), table), secretsManagerWriter(getSecretsManagerClient()));
  for (const [id, port] of [
    [MAILBOX, sim.smtpPort],
    [STRICT, strictPort],
  ] as const) {
    await t.admin.addWeCom({ id, corpId: demoWeComCorp.corpId, agentId: String(demoWeComCorp.agentId), apiBase: sim.url, secret: demoWeComCorp.secret, token: demoWeComCorp.token, aesKey: demoWeComCorp.encodingAesKey });
    await linking.set(id, { emailCode: { from: 'noreply@dutybridge.example' } }, { smtpUrl: `smtp://demo:demo@127.0.0.1:${port}` });
  }
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await sim?.stop();
  await new Promise<void>((resolve) => (strict ? strict.close(() => resolve()) : resolve()));
});

it('mails a fresh 6-digit code to the mailbox, and OneTimeCodes accepts exactly that code', async () => {
  const email = 'lina@example.com';
  const message = request(MAILBOX, email, { language: 'zh' });
  await requests.request(message);
  const [mail] = await until('the code mail', async () => ((await mailbox(email)).length > 0 ? mailbox(email) : undefined));
  // Chinese first (the person's language), English too; the same code in subject and text.
  expect(mail.subject).toMatch(/^账号关联验证码：\d{6} \/ Your account-linking code: \d{6}$/);
  const [code] = sixDigits(mail.subject);
  expect(sixDigits(mail.text)).toEqual([code]);
  expect(mail.text.indexOf('验证码')).toBeLessThan(mail.text.indexOf('valid for 10 minutes'));

  const codes = codesOf(MAILBOX);
  const wrong = code === '000000' ? '000001' : '000000';
  expect(await codes.check(message.sessionKey, wrong, Date.now())).toEqual({ outcome: 'wrong', triesLeft: 4 });
  expect(await codes.check(message.sessionKey, code, Date.now())).toEqual({ outcome: 'ok', email });
  // Single use: the same code again finds nothing.
  expect((await codes.check(message.sessionKey, code, Date.now())).outcome).toBe('none');

  const sent = await until('the sent record', async () => {
    const found = (await records(MAILBOX, email)).filter((r) => r.result === 'sent');
    return found.length > 0 ? found : undefined;
  });
  expect(sent).toMatchObject([{ reasonCode: 'delivered', channel: 'email', platform: 'wecom' }]);
  // The code is in the mail only: never in the record.
  expect(JSON.stringify(sent)).not.toContain(code);
}, 30_000);

it('records a permanent refusal (550) once and does not retry it', async () => {
  const email = 'nobody@example.com';
  await requests.request(request(STRICT, email));
  const [refused] = await until('the refusal record', async () => {
    const found = (await records(STRICT, email)).filter((r) => r.reasonCode === 'mail_refused');
    return found.length > 0 ? found : undefined;
  });
  expect(refused).toMatchObject({ result: 'failed', channel: 'email', recipient: email });
  expect(refused.reason).toMatch(/refused.*rejected.*not retried/);
  // A retry would come within a second or two (QUEUE_RETRY_MAX_SECONDS=1): none comes.
  await new Promise((r) => setTimeout(r, 4000));
  expect(attempts.get(email)).toBe(1);
  expect(await records(STRICT, email)).toHaveLength(1);
  expect(await t.drain(t.queueUrl(linkMailQueue.id), 300)).toEqual([]);
  expect(await t.drain(t.dlqUrl(linkMailQueue.id), 300)).toEqual([]);
}, 30_000);

it('retries a temporary refusal (451) with a fresh code, and that code is the one accepted', async () => {
  const email = 'busy@example.com';
  const message = request(STRICT, email);
  await requests.request(message);
  const mail = await until('the retried mail', async () => accepted.find((m) => m.to === email));
  expect(attempts.get(email)).toBe(2);
  const parsed = parseMessage(Buffer.from(mail.raw));
  const [code] = sixDigits(parsed.subject);
  expect(sixDigits(parsed.text)).toEqual([code]);
  expect(code).toMatch(/^\d{6}$/);
  expect(await codesOf(STRICT).check(message.sessionKey, code, Date.now())).toEqual({ outcome: 'ok', email });
  const log = await records(STRICT, email);
  expect(log.map((r) => r.result).sort()).toEqual(['retrying', 'sent']);
}, 30_000);

it('drops a request older than the code validity with a record, sending nothing', async () => {
  const email = 'late@example.com';
  await requests.request(request(MAILBOX, email, { requestedAt: Date.now() - 11 * 60_000 }));
  const [late] = await until('the late record', async () => {
    const found = await records(MAILBOX, email);
    return found.length > 0 ? found : undefined;
  });
  expect(late).toMatchObject({ result: 'dropped', reasonCode: 'mail_late' });
  expect(await mailbox(email)).toEqual([]);
}, 30_000);

it('refuses a malformed request before queuing it, and dead-letters one that reaches the queue', async () => {
  await expect(requests.request(request(MAILBOX, 'not-an-email'))).rejects.toBeInstanceOf(LinkCodeMailRequestError);
  await expect(requests.request(request(MAILBOX, 'x@example.com', { language: 'fr' as never }))).rejects.toThrow(/language/);
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl(linkMailQueue.id), MessageBody: JSON.stringify({ integrationId: MAILBOX, email: 'x@example.com' }) }));
  const [dead] = await until('the dead letter', async () => {
    const found = await t.drain(t.dlqUrl(linkMailQueue.id), 200);
    return found.length > 0 ? found : undefined;
  });
  expect(dead.MessageAttributes?.reason?.StringValue).toMatch(/schema violation: .*sessionKey/);
}, 30_000);
