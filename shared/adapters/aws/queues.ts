/** SQS writers: the inbound-callbacks queue and the dead-letter-with-reason path. */
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InboundCallbackMessage } from '../../domain/inbound';
import type { DeadLetterSink, InboundCallbackQueue } from '../../application/ports';

export class SqsInboundCallbackQueue implements InboundCallbackQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async publish(message: InboundCallbackMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: message.kind },
          integrationId: { DataType: 'String', StringValue: message.integrationId },
        },
      }),
    );
  }
}

export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly client: SQSClient,
    private readonly deadLetterQueueUrl: string,
    private readonly fifo = false,
  ) {}

  async deadLetter(body: string, reason: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: body,
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1024) } },
        ...(this.fifo ? { MessageGroupId: 'dead-letter' } : {}),
      }),
    );
  }
}

/** Backoff for failed records: the visibility timeout of the received message is reset to the delay. */
export class SqsRetryVisibility {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async change(receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.max(0, Math.round(seconds)) }));
  }
}

/** The outgoing-im queue (one metered DingTalk call per message). */
export class SqsOutgoingCalls {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(call: import('../../domain/outgoing-call').OutgoingCallInput, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(call),
        ...(options.delaySeconds ? { DelaySeconds: Math.max(0, Math.min(900, Math.round(options.delaySeconds))) } : {}),
        MessageAttributes: { kind: { DataType: 'String', StringValue: call.kind }, integrationId: { DataType: 'String', StringValue: call.integrationId } },
      }),
    );
  }
}
