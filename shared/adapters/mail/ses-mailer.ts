/**
 * The Mailer over the Amazon SES v2 API (SendEmail, simple content), for regions that offer SES.
 * The AWS SDK is left out of Lambda bundles (the runtime provides it), so this costs the bundle a
 * few hundred bytes where the SMTP adapter costs ~45 KB. The From address (or its domain) must be
 * a verified SES identity, and an account still in the SES sandbox only delivers to verified
 * recipients. The function needs `ses:SendEmail` on that identity.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer } from '../../application/people-ports';
import { checkMailMessage, MailDeliveryError, type MailDeliveryReason } from './mail-errors';

export interface SesMailerOptions {
  /** The From address (`dutybridge <noreply@example.com>`), a verified identity. */
  readonly from: string;
  /** Optional SES configuration set (event publishing, dedicated IPs). */
  readonly configurationSetName?: string;
  /** Timeout of the SendEmail call; default 10 s. */
  readonly timeoutMs?: number;
}

export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesMailerOptions,
  ) {}

  async send(message: { to: string; subject: string; text: string; html?: string }): Promise<void> {
    checkMailMessage(message);
    const charset = 'UTF-8';
    try {
      await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: charset },
              Body: { Text: { Data: message.text, Charset: charset }, ...(message.html === undefined ? {} : { Html: { Data: message.html, Charset: charset } }) },
            },
          },
          ...(this.options.configurationSetName === undefined ? {} : { ConfigurationSetName: this.options.configurationSetName }),
        }),
        { abortSignal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) },
      );
    } catch (error) {
      throw sesFailure(error);
    }
  }
}

const REASON_OF: Record<string, MailDeliveryReason> = {
  TooManyRequestsException: 'throttled',
  LimitExceededException: 'throttled',
  ThrottlingException: 'throttled',
  MessageRejected: 'rejected',
  MailFromDomainNotVerifiedException: 'rejected',
  AccountSuspendedException: 'rejected',
  SendingPausedException: 'rejected',
  NotFoundException: 'rejected',
  BadRequestException: 'rejected',
  AccessDeniedException: 'auth',
  UnrecognizedClientException: 'auth',
  InvalidClientTokenId: 'auth',
  InvalidSignatureException: 'auth',
  ExpiredTokenException: 'auth',
  CredentialsProviderError: 'auth',
  TimeoutError: 'timeout',
  AbortError: 'timeout',
};

/** An SDK error → a MailDeliveryError naming the SES error name and HTTP status only. */
export function sesFailure(error: unknown): MailDeliveryError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof e.name === 'string' && /^[A-Za-z]{1,60}$/.test(e.name) ? e.name : 'unknown';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  // A socket error from another realm reaches us wrapped as "AWS SDK error wrapper for Error: connect ECONNREFUSED …".
  const wrapped = error instanceof Error ? /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/.exec(error.message)?.[1] : undefined;
  const code = typeof e.code === 'string' && /^E[A-Z_]{1,40}$/.test(e.code) ? e.code : wrapped;
  let reason = Object.hasOwn(REASON_OF, name) ? REASON_OF[name] : undefined;
  if (reason === undefined) reason = code !== undefined ? 'connection' : status !== undefined && status >= 500 ? 'throttled' : 'unknown';
  return new MailDeliveryError(reason, `SES ${code ?? name}${status === undefined ? '' : `, HTTP ${status}`}`);
}
