/**
 * The Mailer over SMTP (nodemailer), configured by one URL kept in Secrets Manager:
 *   smtp://user:pass@host:587   (STARTTLS required when the server offers it; plain only on loopback)
 *   smtps://user:pass@host:465  (TLS from the start)
 * User and password are percent-encoded in the URL. Amazon SES works through this adapter too, via
 * its SMTP interface (`smtp://<SMTP user>:<SMTP password>@email-smtp.<region>.amazonaws.com:587`),
 * where a function should not carry SES API permissions; ses-mailer.ts is the API variant.
 *
 * One connection per mail, no pooling (a Lambda sends a mail now and then): nodemailer's
 * SMTPConnection speaks SMTP, mime-message.ts composes the mail (nodemailer's full transport with
 * its composer would be ~210 KB of the function's 300 KB bundle). Failures are mapped to
 * MailDeliveryError by the SMTP reply or socket error code; the URL and its password never appear.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Mailer } from '../../application/people-ports';
import { checkMailMessage, MailDeliveryError, type MailDeliveryReason } from './mail-errors';
import { addressOf, composeMessage } from './mime-message';

export interface SmtpMailerOptions {
  /** `smtp://` or `smtps://` URL with the credentials. */
  readonly url: string;
  /** The From address (`dutybridge <noreply@example.com>`). */
  readonly from: string;
  /** Connection, greeting and socket timeouts; default 10 s. */
  readonly timeoutMs?: number;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]', '::1'];

export class SmtpMailer implements Mailer {
  private readonly connectionOptions: SMTPConnection.Options;
  private readonly auth: { user: string; pass: string } | undefined;
  private readonly from: string;
  private readonly open = new Set<SMTPConnection>();

  constructor(options: SmtpMailerOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new MailDeliveryError('config', 'the SMTP URL is not a URL (smtp://user:pass@host:port or smtps://…)', false);
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new MailDeliveryError('config', `the SMTP URL must start with smtp:// or smtps://, not ${url.protocol}//`, false);
    if (!url.hostname) throw new MailDeliveryError('config', 'the SMTP URL has no host', false);
    const secure = url.protocol === 'smtps:';
    const port = url.port ? Number(url.port) : secure ? 465 : 587;
    const loopback = LOOPBACK.includes(url.hostname);
    const user = safeDecode(url.username);
    const pass = safeDecode(url.password);
    if (!/^[^\r\n<>]*<?[^\s@<>]+@[^\s@<>]+>?$/.test(options.from)) throw new MailDeliveryError('config', 'the From address is not an email address', false);
    this.from = options.from;
    const timeout = options.timeoutMs ?? 10_000;
    this.auth = user ? { user, pass } : undefined;
    this.connectionOptions = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      secure,
      // Off loopback, never send credentials or codes in clear text: STARTTLS is required.
      requireTLS: !secure && !loopback,
      ignoreTLS: !secure && loopback,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    };
  }

  async send(message: { to: string; subject: string; text: string; html?: string }): Promise<void> {
    checkMailMessage(message);
    const raw = composeMessage({ from: this.from, ...message });
    try {
      await this.deliver({ from: addressOf(this.from), to: [message.to] }, raw);
    } catch (error) {
      throw smtpFailure(error);
    }
  }

  /** Closes any connection still open (tests; a mail's connection ends with QUIT). */
  close(): void {
    for (const connection of this.open) connection.close();
    this.open.clear();
  }

  /** Connect, log in when the URL has a user, MAIL FROM / RCPT TO / DATA, QUIT; the first error wins. */
  private deliver(envelope: { from: string; to: string[] }, raw: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const connection = new SMTPConnection(this.connectionOptions);
      this.open.add(connection);
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        this.open.delete(connection);
        connection.close();
        reject(error);
      };
      connection.on('error', fail);
      connection.once('end', () => fail(Object.assign(new Error('connection closed'), { code: 'ECONNECTION' })));
      const send = () =>
        connection.send(envelope, raw, (error) => {
          if (error) return fail(error);
          settled = true;
          this.open.delete(connection);
          connection.quit();
          resolve();
        });
      connection.connect((error) => {
        if (error) return fail(error);
        if (this.auth) connection.login(this.auth, (loginError) => (loginError ? fail(loginError) : send()));
        else send();
      });
    });
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new MailDeliveryError('config', 'the SMTP URL has a badly percent-encoded user or password', false);
  }
}

/** nodemailer's error (code, responseCode) → a MailDeliveryError naming only codes. */
export function smtpFailure(error: unknown): MailDeliveryError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; responseCode?: unknown; command?: unknown };
  const code = typeof e.code === 'string' && /^[A-Z_]{1,40}$/.test(e.code) ? e.code : 'unknown';
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const detail = `SMTP ${code}${reply === undefined ? '' : `, server replied ${reply}`}`;
  let reason: MailDeliveryReason;
  if (code === 'EAUTH' || reply === 535 || reply === 534 || reply === 530) reason = 'auth';
  else if (code === 'ETIMEDOUT') reason = 'timeout';
  else if (['ECONNECTION', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'ETLS', 'EPROTOCOL'].includes(code)) reason = 'connection';
  else if (reply === 421 || reply === 450 || reply === 451 || reply === 452 || reply === 454) reason = 'throttled';
  else if (code === 'EENVELOPE' || code === 'EMESSAGE' || (reply !== undefined && reply >= 500)) reason = 'rejected';
  else reason = 'unknown';
  return new MailDeliveryError(reason, detail, reason === 'connection' || reason === 'throttled' || reason === 'timeout' || (reply !== undefined && reply >= 400 && reply < 500));
}
