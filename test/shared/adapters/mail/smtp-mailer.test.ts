/**
 * SmtpMailer against a real SMTP server started here (smtp-server): the one-time-code mail arrives
 * with its code (bilingual text decoded from the MIME body), authenticated with the URL's
 * percent-encoded credentials; a refused login, a refused connection, a refused recipient, a
 * server that never greets and a bad URL each map to a MailDeliveryError whose message carries no
 * credentials.
 */
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { MailDeliveryError } from '../../../../shared/adapters/mail/mail-errors';
import { SmtpMailer } from '../../../../shared/adapters/mail/smtp-mailer';
import { oneTimeCodeMail } from '../../../../shared/domain/one-time-code';
import { parseMessage } from '../../../../sim/mail/mime';
import { mailFailure } from './mail-failure';

interface Received {
  envelopeTo: string[];
  raw: Buffer;
}

const USER = 'mailer@example.com';
const PASS = 'p@ss:w/rd%x';
const url = (port: number, user = USER, pass = PASS) => `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`;

let server: SMTPServer;
let port: number;
let received: Received[];
const logins: string[] = [];
const mailers: SmtpMailer[] = [];
const mailer = (u: string, timeoutMs?: number) => {
  const m = new SmtpMailer({ url: u, from: 'dutybridge <noreply@example.com>', timeoutMs });
  mailers.push(m);
  return m;
};

beforeAll(async () => {
  server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push(`${auth.username}:${auth.password}`);
      if (auth.username === USER && auth.password === PASS) return callback(null, { user: auth.username });
      callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@blocked.example.com')) {
        const refusal = new Error('mailbox unavailable') as Error & { responseCode: number };
        refusal.responseCode = 550;
        return callback(refusal);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});
beforeEach(() => {
  received = [];
});
afterAll(async () => {
  for (const m of mailers) m.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function failure(promise: Promise<unknown>): Promise<MailDeliveryError> {
  return mailFailure(promise, [PASS, encodeURIComponent(PASS), 'wrong-pass-123']);
}

it('delivers the one-time-code mail with its code, logging in with the URL credentials', async () => {
  const mail = oneTimeCodeMail('042917');
  await mailer(url(port)).send({ to: 'alice@example.com', ...mail });
  expect(received).toHaveLength(1);
  expect(received[0].envelopeTo).toEqual(['alice@example.com']);
  const parsed = parseMessage(received[0].raw);
  expect(parsed.subject).toBe(mail.subject);
  expect(parsed.from).toContain('noreply@example.com');
  expect(parsed.text).toContain('验证码是：042917');
  expect(parsed.text).toContain('Your dutybridge account linking code is: 042917');
  expect(parsed.text).toContain('10');
  expect(logins).toContain(`${USER}:${PASS}`);
});

it('maps a refused login to MailDeliveryError auth', async () => {
  const error = await failure(mailer(url(port, USER, 'wrong-pass-123')).send({ to: 'alice@example.com', subject: 's', text: 't' }));
  expect(error.reason).toBe('auth');
  expect(error.retryable).toBe(false);
  expect(received).toHaveLength(0);
});

it('maps a refused connection to MailDeliveryError connection (retryable)', async () => {
  const closed = createTcpServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const error = await failure(mailer(url(closedPort)).send({ to: 'alice@example.com', subject: 's', text: 't' }));
  expect(error).toMatchObject({ reason: 'connection', retryable: true });
});

it('maps a server that never greets to MailDeliveryError timeout', async () => {
  const sockets: Socket[] = [];
  const silent: TcpServer = createTcpServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const error = await failure(mailer(url((silent.address() as AddressInfo).port), 300).send({ to: 'alice@example.com', subject: 's', text: 't' }));
    expect(error).toMatchObject({ reason: 'timeout', retryable: true });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

it('maps a refused recipient to MailDeliveryError rejected', async () => {
  const error = await failure(mailer(url(port)).send({ to: 'bob@blocked.example.com', subject: 's', text: 't' }));
  expect(error.reason).toBe('rejected');
  expect(error.message).toContain('550');
});

it('refuses a bad URL, From or message before connecting, without echoing the password', async () => {
  for (const bad of [`http://${USER}:${PASS}@127.0.0.1:${port}`, 'not a url', `smtp://u:${PASS}%ZZ@127.0.0.1:25`]) {
    const error = await failure(Promise.resolve().then(() => mailer(bad)));
    expect(error.reason).toBe('config');
  }
  await expect(Promise.resolve().then(() => new SmtpMailer({ url: url(port), from: 'nobody' }))).rejects.toMatchObject({ reason: 'config' });
  const m = mailer(url(port));
  for (const message of [
    { to: 'a@example.com, b@example.com', subject: 's', text: 't' },
    { to: 'a@example.com', subject: 'line\r\nBcc: evil@example.com', text: 't' },
    { to: 'a@example.com', subject: 's', text: '' },
  ]) {
    expect((await failure(m.send(message))).reason).toBe('rejected');
  }
  expect(received).toHaveLength(0);
});
