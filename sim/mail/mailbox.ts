/**
 * The simulator's local mailbox: an SMTP server on its own port (no TLS, authentication optional:
 * AUTH PLAIN/LOGIN accept any credentials) that keeps every message it receives, so the one-time
 * codes dutybridge mails can be read back:
 *   GET    /_sim/mailbox?to=<address>   {messages: [...]} newest first (all when `to` is absent)
 *   DELETE /_sim/mailbox                forget them all (also on POST /_sim/reset)
 * LOCAL USE ONLY: it accepts mail from anyone who can reach its port (bound to 127.0.0.1).
 */
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parseMessage } from './mime';

/** The local stack's SMTP port unless SIM_SMTP_PORT says otherwise. */
export const DEFAULT_SIM_SMTP_PORT = 2525;
/** Largest message kept (one-time-code mails are a few kB). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Oldest messages are dropped beyond this many. */
const MAX_MESSAGES = 500;

export class SimSmtpPortError extends Error {
  override readonly name = 'SimSmtpPortError';
}

/** SIM_SMTP_PORT, default 2525. */
export function resolveSmtpPort(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env.SIM_SMTP_PORT;
  if (raw === undefined || raw === '') return DEFAULT_SIM_SMTP_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SimSmtpPortError(`SIM_SMTP_PORT must be a port number 0..65535, got "${raw}"`);
  return port;
}

export interface MailMessage {
  readonly id: string;
  readonly receivedAt: string;
  /** SMTP envelope (MAIL FROM / RCPT TO). */
  readonly envelopeFrom: string;
  readonly envelopeTo: readonly string[];
  /** Decoded header values. */
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  /** The text/plain body, decoded from quoted-printable or base64. */
  readonly text: string;
  readonly html?: string;
}

export class Mailbox {
  private messages: MailMessage[] = [];
  private seq = 0;

  add(raw: Buffer, envelopeFrom: string, envelopeTo: readonly string[], now: Date = new Date()): MailMessage {
    const parsed = parseMessage(raw);
    this.seq += 1;
    const message: MailMessage = {
      id: String(this.seq),
      receivedAt: now.toISOString(),
      envelopeFrom,
      envelopeTo: [...envelopeTo],
      from: parsed.from,
      to: parsed.to,
      subject: parsed.subject,
      text: parsed.text,
      ...(parsed.html !== undefined ? { html: parsed.html } : {}),
    };
    this.messages.push(message);
    if (this.messages.length > MAX_MESSAGES) this.messages.shift();
    return message;
  }

  /** Newest first; `to` matches an envelope recipient or an address in the To header (case-insensitive). */
  list(to?: string): MailMessage[] {
    const wanted = to?.trim().toLowerCase();
    const matches = (message: MailMessage) =>
      !wanted || message.envelopeTo.some((address) => address.toLowerCase() === wanted) || message.to.toLowerCase().includes(wanted);
    return this.messages.filter(matches).reverse();
  }

  clear(): void {
    this.messages = [];
  }
}

export interface SmtpListener {
  readonly port: number;
  close(): Promise<void>;
}

export async function startSmtp(mailbox: Mailbox, port: number, host: string, log: (line: string) => void): Promise<SmtpListener> {
  const server = new SMTPServer({
    secure: false,
    // No STARTTLS offered: clients stay on plain text (allowed for a local mailbox only).
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    authMethods: ['PLAIN', 'LOGIN'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    // Closing waits for open sessions at most this long (default 30 s).
    closeTimeout: 500,
    banner: 'dutybridge simulator mailbox (local use only)',
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anyone' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          callback(Object.assign(new Error(`message exceeds ${MAX_MESSAGE_BYTES} bytes`), { responseCode: 552 }));
          return;
        }
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        const message = mailbox.add(Buffer.concat(chunks), from, to);
        // Never log the body: it carries one-time codes.
        log(`[sim] mailbox: message ${message.id} to ${to.join(', ')}`);
        callback();
      });
    },
  });
  // SMTPServer re-emits its socket's errors: the first one (e.g. EADDRINUSE) fails the start.
  let starting: ((error: Error) => void) | undefined;
  server.on('error', (error) => (starting ? starting(error) : log(`[sim] mailbox SMTP error: ${error.message}`)));
  await new Promise<void>((resolve, reject) => {
    starting = reject;
    server.listen(port, host, () => {
      starting = undefined;
      resolve();
    });
  });
  const actual = (server.server.address() as AddressInfo).port;
  return {
    port: actual,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
