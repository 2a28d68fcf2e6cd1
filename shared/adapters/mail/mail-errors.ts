/**
 * Why a mail could not be handed over, shared by the SMTP and SES mailers. The message names the
 * reason and the server's reply code, never a password, an access key or the mail's content.
 */
export const mailDeliveryReasons = ['config', 'connection', 'auth', 'rejected', 'throttled', 'timeout', 'unknown'] as const;
export type MailDeliveryReason = (typeof mailDeliveryReasons)[number];

export class MailDeliveryError extends Error {
  constructor(
    readonly reason: MailDeliveryReason,
    detail: string,
    /** True when trying again later may work (connection, throttling, timeouts, 4xx SMTP replies). */
    readonly retryable: boolean = reason === 'connection' || reason === 'throttled' || reason === 'timeout',
  ) {
    super(`mail not sent (${reason}): ${detail}`);
    this.name = 'MailDeliveryError';
  }
}

/** Checks the fields of a message before any connection is made. */
export function checkMailMessage(message: { to: string; subject: string; text: string }): void {
  if (!/^[^\s@<>,;"]+@[^\s@<>,;"]+$/.test(message.to) || message.to.length > 254) throw new MailDeliveryError('rejected', 'the recipient is not a single valid email address', false);
  if (/[\r\n]/.test(message.subject) || message.subject.length > 200) throw new MailDeliveryError('rejected', 'the subject must be one line of at most 200 characters', false);
  if (message.text.length === 0) throw new MailDeliveryError('rejected', 'the mail has no text', false);
}
