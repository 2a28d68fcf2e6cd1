/**
 * Publishes incident.action (and incident.war_room) to the FIFO actions queue: grouped by incident (ordered per incident),
 * de-duplicated by the idempotency key (SQS FIFO drops repeats within 5 minutes; consumers use the
 * key beyond that).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ActionQueueMessage } from '../../domain/incident-action';
import type { ActionPublisher } from '../../application/ports';

export class SqsActionPublisher implements ActionPublisher {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async publish(message: ActionQueueMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        MessageGroupId: message.incidentId.slice(0, 128),
        MessageDeduplicationId: message.idempotencyKey.slice(0, 128),
        MessageAttributes: { type: { DataType: 'String', StringValue: message.type } },
      }),
    );
  }
}
