/**
 * The simulator's mailbox: a real SMTP client (nodemailer, as dutybridge's mailer uses) sends to
 * the simulator's SMTP port with and without AUTH; the messages are read back decoded over HTTP.
 */
import nodemailer from 'nodemailer';
import { createSimulator, Simulator } from '../../../sim/server';
import { decodeEncodedWords, parseMessage } from '../../../sim/mail/mime';
import { resolveSmtpPort } from '../../../sim/mail/mailbox';

interface Listed {
  messages: { from: string; to: string; subject: string; text: string; envelopeTo: string[]; html?: string }[];
}

describe('simulator mailbox over SMTP', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await createSimulator({ port: 0 });
  });
  afterEach(async () => sim.stop());

  const transport = (auth?: { user: string; pass: string }) =>
    nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ...(auth ? { auth } : {}), tls: { rejectUnauthorized: false } });

  it('keeps messages sent without and with AUTH, decoded, newest first, filtered by recipient', async () => {
    expect(sim.smtpPort).toBeGreaterThan(0);
    await transport().sendMail({ from: 'dutybridge <noreply@dutybridge.local>', to: 'alice@example.com', subject: '验证码 code', text: 'Your code is 123456.\nIt expires in 10 minutes — 十分钟。' });
    await transport({ user: 'any', pass: 'thing' }).sendMail({ from: 'noreply@dutybridge.local', to: 'bob@example.com', subject: 'second', text: `line ${'x'.repeat(120)} end` });
    await transport().sendMail({ from: 'noreply@dutybridge.local', to: 'Alice@Example.com', subject: 'third', text: 'plain', html: '<p>plain <b>html</b></p>' });

    const all = (await (await fetch(`${sim.url}/_sim/mailbox`)).json()) as Listed;
    expect(all.messages.map((m) => m.subject)).toEqual(['third', 'second', '验证码 code']);
    const alice = (await (await fetch(`${sim.url}/_sim/mailbox?to=${encodeURIComponent('alice@example.com')}`)).json()) as Listed;
    expect(alice.messages.map((m) => m.subject)).toEqual(['third', '验证码 code']);
    expect(alice.messages[1]).toMatchObject({ from: 'dutybridge <noreply@dutybridge.local>', to: 'alice@example.com', text: 'Your code is 123456.\nIt expires in 10 minutes — 十分钟。' });
    expect(alice.messages[0]).toMatchObject({ text: 'plain', html: '<p>plain <b>html</b></p>' });
    const bob = (await (await fetch(`${sim.url}/_sim/mailbox?to=bob@example.com`)).json()) as Listed;
    expect(bob.messages[0]?.text).toBe(`line ${'x'.repeat(120)} end`);

    expect((await fetch(`${sim.url}/_sim/mailbox`, { method: 'DELETE' })).status).toBe(200);
    expect(((await (await fetch(`${sim.url}/_sim/mailbox`)).json()) as Listed).messages).toEqual([]);
  });

  it('the view lists the newest mails', async () => {
    const before = await (await fetch(`${sim.url}/`)).text();
    expect(before).not.toContain('<h4>Mailbox</h4>');
    await transport().sendMail({ from: 'a@b.c', to: 'lina@example.com', subject: 'Your dutybridge code', text: 'code 246810' });
    const page = await (await fetch(`${sim.url}/`)).text();
    expect(page).toContain('<h4>Mailbox</h4>');
    expect(page).toContain('Your dutybridge code');
    expect(page).toContain('code 246810');
  });

  it('POST /_sim/reset empties the mailbox', async () => {
    await transport().sendMail({ from: 'a@b.c', to: 'x@example.com', subject: 's', text: 't' });
    expect(sim.mailbox.list()).toHaveLength(1);
    await fetch(`${sim.url}/_sim/reset`, { method: 'POST' });
    expect(sim.mailbox.list()).toHaveLength(0);
  });
});

describe('mailbox MIME reading', () => {
  it('decodes base64 and quoted-printable bodies, multipart, and encoded-word subjects', () => {
    const base64 = Buffer.from(
      ['From: a@b.c', 'To: x@y.z', 'Subject: =?UTF-8?B?5L2g5aW9?= =?UTF-8?Q?_world?=', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from('你好 123456').toString('base64'), ''].join('\r\n'),
    );
    expect(parseMessage(base64)).toMatchObject({ subject: '你好 world', text: '你好 123456' });
    const multipart = Buffer.from(
      [
        'Subject: m',
        'Content-Type: multipart/alternative; boundary="XYZ"',
        '',
        'preamble',
        '--XYZ',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'code =E2=80=94 654321 and a soft=',
        ' break',
        '--XYZ',
        'Content-Type: text/html',
        '',
        '<p>code</p>',
        '--XYZ--',
        '',
      ].join('\r\n'),
    );
    expect(parseMessage(multipart)).toMatchObject({ subject: 'm', text: 'code — 654321 and a soft break', html: '<p>code</p>' });
    expect(decodeEncodedWords('plain')).toBe('plain');
  });

  it('SIM_SMTP_PORT: default 2525, a number, or a clear error', () => {
    expect(resolveSmtpPort({})).toBe(2525);
    expect(resolveSmtpPort({ SIM_SMTP_PORT: '0' })).toBe(0);
    expect(() => resolveSmtpPort({ SIM_SMTP_PORT: 'abc' })).toThrow(/SIM_SMTP_PORT/);
  });
});
