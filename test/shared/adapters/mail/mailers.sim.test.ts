/**
 * The mail adapters with the simulator's local mailbox (what the local stack and H1's linking pages
 * use): createMailer picks SMTP or SES from the settings, and the SMTP mailer's one-time-code mail
 * is read back from GET /_sim/mailbox with its code.
 */
import { createMailer } from '../../../../shared/adapters/mail';
import { SesMailer } from '../../../../shared/adapters/mail/ses-mailer';
import { SmtpMailer } from '../../../../shared/adapters/mail/smtp-mailer';
import { oneTimeCodeMail } from '../../../../shared/domain/one-time-code';
import { createSimulator, type Simulator } from '../../../../sim/server';

let sim: Simulator;
beforeAll(async () => {
  sim = await createSimulator({ port: 0, seed: true });
});
afterAll(async () => sim?.stop());

it('picks the SMTP or the SES adapter from the settings', () => {
  const smtp = createMailer({ kind: 'smtp', url: 'smtp://127.0.0.1:2525', from: 'noreply@example.com' });
  expect(smtp).toBeInstanceOf(SmtpMailer);
  (smtp as SmtpMailer).close();
  expect(createMailer({ kind: 'ses', region: 'eu-west-1', from: 'noreply@example.com' })).toBeInstanceOf(SesMailer);
});

it('delivers the code mail to the simulator mailbox over SMTP (any login accepted there)', async () => {
  const mailer = new SmtpMailer({ url: `smtp://demo:demo-pass@127.0.0.1:${sim.smtpPort}`, from: 'dutybridge <noreply@example.com>' });
  try {
    await mailer.send({ to: 'lina@example.com', ...oneTimeCodeMail('505050') });
  } finally {
    mailer.close();
  }
  const { messages } = (await (await fetch(`${sim.url}/_sim/mailbox?to=lina@example.com`)).json()) as { messages: { subject: string; text: string }[] };
  expect(messages).toHaveLength(1);
  expect(messages[0].subject).toContain('505050');
  expect(messages[0].text).toContain('您的 dutybridge 账号关联验证码是：505050');
  expect(messages[0].text).toContain('valid for 10 minutes');
});
