/** What a mailer's failed send rejects with: a MailDeliveryError whose message holds none of the given secrets. */
import { MailDeliveryError } from '../../../../shared/adapters/mail/mail-errors';

export async function mailFailure(promise: Promise<unknown>, secrets: readonly string[]): Promise<MailDeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailDeliveryError);
  for (const secret of secrets) expect((error as Error).message).not.toContain(secret);
  return error as MailDeliveryError;
}
