/**
 * SendLinkCode with in-memory ports: which failures are dropped with a record (permanent refusal,
 * late request, unknown integration, mail not configured) and which are thrown for the queue to
 * retry (temporary refusal, unknown errors); the code issued is the code mailed; a record that
 * cannot be written never makes the queue send another code.
 */
import { SendLinkCode, LinkCodeMailRetryError, type SendLinkCodeDeps } from '../../../shared/application/send-link-code';
import type { Mailer, OneTimeCodes } from '../../../shared/application/people-ports';
import type { Integration } from '../../../shared/domain/integration';
import type { LinkCodeMailRequest } from '../../../shared/domain/link-code-mail';
import type { OperationRecord } from '../../../shared/domain/operation-log';

const NOW = 1_800_000_000_000;
const wecom: Integration = {
  id: 'acme',
  platform: 'wecom',
  settings: { corpId: 'ww1', agentId: '1000002', apiBase: 'https://qyapi.weixin.qq.com', linking: { emailCode: { from: 'noreply@example.com' } } },
  secretName: 's',
  createdAt: '',
};
const ding: Integration = {
  id: 'acme-ding',
  platform: 'dingtalk',
  settings: { clientId: 'dingc', apiBase: 'https://api.dingtalk.com', oapiBase: 'https://oapi.dingtalk.com', linking: { emailCode: { from: 'noreply@example.com', ses: true } } },
  secretName: 's',
  createdAt: '',
};
const bare: Integration = { ...wecom, id: 'bare', settings: { corpId: 'ww1', agentId: '1000002', apiBase: 'https://qyapi.weixin.qq.com' } };

function setup(options: { failure?: unknown; smtpUrl?: string | null; failLog?: boolean } = {}) {
  const issued: { integrationId: string; appSecret: string; sessionKey: string; email: string; code: string }[] = [];
  const sent: { to: string; subject: string; text: string; via: string }[] = [];
  const records: OperationRecord[] = [];
  const deps: SendLinkCodeDeps = {
    integrations: { get: async (id) => [wecom, ding, bare].find((i) => i.id === id) },
    secrets: {
      weCom: async () => ({ secret: 'wecom-app-secret', token: 't', encodingAesKey: 'a'.repeat(43), ...(options.smtpUrl === null ? {} : { smtpUrl: options.smtpUrl ?? 'smtp://u:p@mail.example.com:587' }) }),
      dingTalk: async () => ({ clientSecret: 'ding-client-secret', token: 'ttt', aesKey: 'a'.repeat(43), cardApiSecret: 'card-api-secret' }),
    },
    codesFor: (integration, appSecret): OneTimeCodes => ({
      issue: async (sessionKey, email, code) => void issued.push({ integrationId: integration.id, appSecret, sessionKey, email, code }),
      check: async () => ({ outcome: 'none' }),
    }),
    mailerFor: (_integration, settings): Mailer => ({
      send: async (message) => {
        if (options.failure !== undefined) throw options.failure;
        sent.push({ ...message, via: settings.ses ? 'ses' : `smtp ${settings.smtpUrl}` });
      },
    }),
    operationLog: {
      append: async (r) => {
        if (options.failLog) throw new Error('DynamoDB unavailable');
        records.push(...r);
      },
    },
    nowMs: () => NOW,
  };
  return { useCase: new SendLinkCode(deps), issued, sent, records };
}

const request = (overrides: Partial<LinkCodeMailRequest> = {}): LinkCodeMailRequest => ({
  integrationId: 'acme',
  sessionKey: 'acme:zhangsan',
  email: 'lina@example.com',
  language: 'en',
  requestedAt: NOW - 5_000,
  ...overrides,
});

it('issues a fresh code under the app secret and mails that same code, recording the send', async () => {
  const { useCase, issued, sent, records } = setup();
  expect(await useCase.process(request())).toBe('sent');
  expect(issued).toEqual([{ integrationId: 'acme', appSecret: 'wecom-app-secret', sessionKey: 'acme:zhangsan', email: 'lina@example.com', code: expect.stringMatching(/^\d{6}$/) }]);
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({ to: 'lina@example.com', via: 'smtp smtp://u:p@mail.example.com:587' });
  expect(sent[0].subject).toContain(issued[0].code);
  expect(sent[0].text.indexOf('valid for 10 minutes')).toBeLessThan(sent[0].text.indexOf('10 分钟'));
  expect(records).toMatchObject([{ result: 'sent', reasonCode: 'delivered', channel: 'email', recipient: 'lina@example.com', platform: 'wecom' }]);
  expect(JSON.stringify(records)).not.toContain(issued[0].code);
  // Another request draws another code (a retry's code replaces the earlier one).
  await useCase.process(request());
  expect(issued).toHaveLength(2);
});

it('uses Amazon SES when the integration says so, with the DingTalk client secret keying the codes', async () => {
  const { useCase, issued, sent } = setup();
  expect(await useCase.process(request({ integrationId: 'acme-ding', sessionKey: 'acme-ding:u1' }))).toBe('sent');
  expect(issued[0].appSecret).toBe('ding-client-secret');
  expect(sent[0].via).toBe('ses');
});

it('records a permanent refusal and drops it (no throw, so the queue does not retry)', async () => {
  const refusal = Object.assign(new Error('mail not sent (rejected): SMTP EENVELOPE, server replied 550'), { reason: 'rejected', retryable: false });
  const { useCase, records } = setup({ failure: refusal });
  expect(await useCase.process(request())).toBe('refused');
  expect(records).toMatchObject([{ result: 'failed', reasonCode: 'mail_refused', recipient: 'lina@example.com' }]);
  expect(records[0].reason).toContain('550');
});

it.each([
  ['a temporary refusal', Object.assign(new Error('mail not sent (throttled): 451'), { retryable: true })],
  ['an error of unknown kind', new Error('socket hang up')],
])('throws %s for the queue to retry, recording it', async (_what, failure) => {
  const { useCase, records } = setup({ failure });
  await expect(useCase.process(request())).rejects.toBeInstanceOf(LinkCodeMailRetryError);
  expect(records).toMatchObject([{ result: 'retrying', reasonCode: 'transient_error' }]);
});

it('drops a request older than a code is valid, issuing and sending nothing', async () => {
  const { useCase, issued, sent, records } = setup();
  expect(await useCase.process(request({ requestedAt: NOW - 10 * 60_000 - 1 }))).toBe('late');
  expect(await useCase.process(request({ requestedAt: NOW - 10 * 60_000 }))).toBe('sent');
  expect(issued).toHaveLength(1);
  expect(sent).toHaveLength(1);
  expect(records[0]).toMatchObject({ result: 'dropped', reasonCode: 'mail_late' });
});

it('drops requests of an unknown integration or one that does not mail codes', async () => {
  const { useCase, issued, records } = setup();
  expect(await useCase.process(request({ integrationId: 'gone' }))).toBe('integration_unknown');
  expect(await useCase.process(request({ integrationId: 'bare' }))).toBe('not_configured');
  const noSmtp = setup({ smtpUrl: null });
  expect(await noSmtp.useCase.process(request())).toBe('not_configured');
  expect(issued).toEqual([]);
  expect(noSmtp.issued).toEqual([]);
  expect(records.map((r) => r.reasonCode)).toEqual(['integration_unknown', 'mail_refused']);
});

it('never fails (and so never mails again) because a record could not be written', async () => {
  const { useCase, sent } = setup({ failLog: true });
  expect(await useCase.process(request())).toBe('sent');
  expect(sent).toHaveLength(1);
});
