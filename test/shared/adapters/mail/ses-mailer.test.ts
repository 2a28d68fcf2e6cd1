/**
 * SesMailer through the real SES v2 SDK client against a local HTTP endpoint that speaks the SES v2
 * REST-JSON protocol (POST /v2/email/outbound-emails): the request carries the From, the recipient
 * and the bilingual text with the code; SES errors (MessageRejected, throttling, bad credentials),
 * a refused connection and a hang map to MailDeliveryError reasons without the secret key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { MailDeliveryError } from '../../../../shared/adapters/mail/mail-errors';
import { SesMailer } from '../../../../shared/adapters/mail/ses-mailer';
import { oneTimeCodeMail } from '../../../../shared/domain/one-time-code';
import { mailFailure } from './mail-failure';

const SECRET_KEY = 'sesSecretAccessKeyValue0123456789';
let server: Server;
let endpoint: string;
let requests: { path: string; auth: string; body: Record<string, any> }[];
let answer: (res: ServerResponse) => void;
const hanging: IncomingMessage[] = [];

const ses = (at = endpoint) =>
  new SesMailer(new SESv2Client({ endpoint: at, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET_KEY }, maxAttempts: 1 }), {
    from: 'dutybridge <noreply@example.com>',
    timeoutMs: 300,
  });
const sesError = (status: number, type: string) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ message: `${type} happened` }));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', auth: String(req.headers.authorization ?? ''), body: raw ? JSON.parse(raw) : {} });
      answer(res);
    });
  });
  server.on('request', (req) => hanging.push(req));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => {
  requests = [];
  answer = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ MessageId: 'm-1' }));
  };
});
afterAll(async () => {
  for (const req of hanging) req.socket.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function failure(promise: Promise<unknown>): Promise<MailDeliveryError> {
  return mailFailure(promise, [SECRET_KEY]);
}

it('sends the code mail with SendEmail (simple content, UTF-8), signed with the credentials', async () => {
  const mail = oneTimeCodeMail('730021');
  await ses().send({ to: 'alice@example.com', ...mail });
  expect(requests).toHaveLength(1);
  expect(requests[0].path).toBe('/v2/email/outbound-emails');
  expect(requests[0].auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/ses\/aws4_request/);
  expect(requests[0].body).toEqual({
    FromEmailAddress: 'dutybridge <noreply@example.com>',
    Destination: { ToAddresses: ['alice@example.com'] },
    Content: { Simple: { Subject: { Data: mail.subject, Charset: 'UTF-8' }, Body: { Text: { Data: mail.text, Charset: 'UTF-8' } } } },
  });
  expect(requests[0].body.Content.Simple.Body.Text.Data).toContain('730021');
});

it.each([
  [400, 'MessageRejected', 'rejected', false],
  [400, 'MailFromDomainNotVerifiedException', 'rejected', false],
  [429, 'TooManyRequestsException', 'throttled', true],
  [403, 'UnrecognizedClientException', 'auth', false],
] as const)('maps HTTP %d %s to %s', async (status, type, reason, retryable) => {
  answer = sesError(status, type);
  const error = await failure(ses().send({ to: 'alice@example.com', subject: 's', text: 't' }));
  expect(error).toMatchObject({ reason, retryable });
  expect(error.message).toContain(type);
});

it('maps a refused connection and a hang to connection and timeout', async () => {
  expect((await failure(ses('http://127.0.0.1:9').send({ to: 'alice@example.com', subject: 's', text: 't' }))).reason).toBe('connection');
  answer = () => undefined; // never answers
  expect((await failure(ses().send({ to: 'alice@example.com', subject: 's', text: 't' }))).reason).toBe('timeout');
});

it('refuses a bad recipient or subject without calling SES', async () => {
  expect((await failure(ses().send({ to: 'a@example.com,b@example.com', subject: 's', text: 't' }))).reason).toBe('rejected');
  expect((await failure(ses().send({ to: 'a@example.com', subject: 'x\nBcc: y@example.com', text: 't' }))).reason).toBe('rejected');
  expect(requests).toHaveLength(0);
});
