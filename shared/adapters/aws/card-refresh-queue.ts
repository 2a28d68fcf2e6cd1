/** Writes refresh requests to the card-refresh queue, delayed to coalesce bursts of changes. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { MAX_SQS_DELAY_SECONDS, type CardRefreshMessage } from '../../domain/card-refresh';
import type { CardRefreshQueue, WarRoomCardRequest } from '../../application/ports';

export class SqsCardRefreshQueue implements CardRefreshQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly defaultDelaySeconds: number,
  ) {}

  async request(incidentId: string, options: { delaySeconds?: number; notBefore?: number; warRoomCard?: WarRoomCardRequest } = {}): Promise<void> {
    const message: CardRefreshMessage = {
      incidentId,
      requestedAt: Date.now(),
      ...(options.notBefore ? { notBefore: options.notBefore } : {}),
      ...(options.warRoomCard ? { warRoomCard: options.warRoomCard } : {}),
    };
    const delay = Math.max(0, Math.min(MAX_SQS_DELAY_SECONDS, Math.round(options.delaySeconds ?? this.defaultDelaySeconds)));
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delay }));
  }
}
