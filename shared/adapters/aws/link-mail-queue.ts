/** Puts one-time code mail requests on the link-mail queue (send-link-code mails them). */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LinkCodeMailer } from '../../application/send-link-code';
import { linkCodeMailRequestSchema, type LinkCodeMailRequest } from '../../domain/link-code-mail';

/** A request the worker would refuse (bad email, session key, language, time): nothing is queued. */
export class LinkCodeMailRequestError extends Error {
  override readonly name = 'LinkCodeMailRequestError';
}

export class SqsLinkCodeMailer implements LinkCodeMailer {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async request(message: LinkCodeMailRequest): Promise<void> {
    const parsed = linkCodeMailRequestSchema.safeParse(message);
    if (!parsed.success) throw new LinkCodeMailRequestError(`code mail request refused: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(parsed.data),
        MessageAttributes: { integrationId: { DataType: 'String', StringValue: parsed.data.integrationId } },
      }),
    );
  }
}
