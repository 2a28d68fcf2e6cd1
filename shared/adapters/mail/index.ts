/**
 * Picks the Mailer from the integration's mail settings: an SMTP URL (any provider, also Amazon SES
 * through its SMTP interface) or the SES v2 API in a region that has it. Import the concrete file
 * instead when a bundle must not carry the other adapter (smtp-mailer.ts brings nodemailer's SMTPConnection, ~45 KB).
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer } from '../../application/people-ports';
import { SesMailer } from './ses-mailer';
import { SmtpMailer } from './smtp-mailer';

export { MailDeliveryError, type MailDeliveryReason } from './mail-errors';

export type MailSettings =
  | { readonly kind: 'smtp'; readonly url: string; readonly from: string }
  | { readonly kind: 'ses'; readonly region?: string; readonly from: string; readonly configurationSetName?: string };

export function createMailer(settings: MailSettings): Mailer {
  if (settings.kind === 'smtp') return new SmtpMailer({ url: settings.url, from: settings.from });
  return new SesMailer(new SESv2Client(settings.region === undefined ? {} : { region: settings.region }), {
    from: settings.from,
    ...(settings.configurationSetName === undefined ? {} : { configurationSetName: settings.configurationSetName }),
  });
}
