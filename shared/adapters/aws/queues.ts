/** SQS writers: the inbound-callbacks queue, the dead-letter-with-reason path, retry visibility and delayed copies of waiting records. */
import { ChangeMessageVisibilityCommand, SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { DelayedRequeue, RequeueCopy } from '../../runtime/queue';
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

/**
 * Parks a waiting record (shared/runtime/queue.ts): a copy of it, with its message attributes, sent
 * to the same queue with DelaySeconds (≤ 900 s, SQS's cap). Standard queues only: FIFO queues take
 * no per-message delay.
 */
export class SqsDelayedRequeue implements DelayedRequeue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {
    if (queueUrl.endsWith('.fifo')) throw new Error(`a FIFO queue cannot take a delayed copy: ${queueUrl}`);
  }

  async requeue(copy: RequeueCopy): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(copy.messageAttributes ?? {})) {
      if (value.stringValue !== undefined) attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
      else if (value.binaryValue !== undefined) attributes[name] = { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, 'base64') };
    }
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: copy.body,
        DelaySeconds: Math.max(0, Math.min(900, Math.round(copy.delaySeconds))),
        ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
      }),
    );
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
