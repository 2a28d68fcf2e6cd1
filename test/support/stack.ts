/**
 * A private dutybridge stack for one integration test file: its own tables and queues (unique
 * prefix) on the shared local AWS servers, the gateway on an ephemeral port, optional pollers.
 */
import { awsIntegrationAdmin } from '../../shared/adapters/aws/integration-admin';
import { randomBytes } from 'node:crypto';
import { DeleteMessageBatchCommand, PurgeQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { IntegrationAdmin } from '../../shared/application/integration-admin';
import { queues } from '../../shared/config/resources';
import { startLocalStack, type LocalStack } from '../../local/stack';

export interface TestStack {
  readonly stack: LocalStack;
  readonly url: string;
  readonly admin: IntegrationAdmin;
  readonly sqs: SQSClient;
  queueUrl(id: string): string;
  dlqUrl(id: string): string;
  /**
   * Receives (and leaves in flight) every message currently on a queue. On a FIFO queue a message
   * left in flight hides the later messages of its group: use `take` there.
   */
  drain(queueUrl: string, waitMs?: number): Promise<Message[]>;
  /** Receives and deletes every message currently on a queue, batch by batch (a FIFO group is not left blocked). */
  take(queueUrl: string, waitMs?: number): Promise<Message[]>;
  purge(queueUrl: string): Promise<void>;
  /** Number of items in the state table whose pk starts with the prefix. */
  countItems(pkPrefix: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startTestStack(options: { pollers?: boolean } = {}): Promise<TestStack> {
  if (!process.env.DUTYBRIDGE_TEST_AWS) throw new Error('run integration tests through jest --selectProjects integration');
  const awsEnv = Object.fromEntries(
    ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_EC2_METADATA_DISABLED'].map(
      (k) => [k, process.env[k]!],
    ),
  );
  const prefix = `it-${randomBytes(4).toString('hex')}-`;
  const stack = await startLocalStack({ awsEnv, prefix, pollers: options.pollers ?? false });
  const sqs = new SQSClient({ endpoint: awsEnv.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
  const ddb = new DynamoDBClient({ endpoint: awsEnv.AWS_ENDPOINT_URL_DYNAMODB });
  const admin = awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX);
  const def = (id: string) => {
    const q = queues.find((x) => x.id === id);
    if (!q) throw new Error(`no queue ${id}`);
    return q;
  };
  const testStack: TestStack = {
    stack,
    url: stack.gatewayUrl,
    admin,
    sqs,
    queueUrl: (id) => stack.env[def(id).envKey],
    dlqUrl: (id) => stack.env[def(id).dlqEnvKey],
    async drain(queueUrl, waitMs = 300) {
      const all: Message[] = [];
      const deadline = Date.now() + waitMs;
      for (;;) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30, MessageAttributeNames: ['All'] }),
        );
        all.push(...(out.Messages ?? []));
        if ((out.Messages ?? []).length === 0) {
          if (Date.now() > deadline) return all;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    async take(queueUrl, waitMs = 300) {
      // Delete each batch before receiving the next, so a FIFO group's later messages show up.
      const all: Message[] = [];
      const deadline = Date.now() + waitMs;
      for (;;) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30, MessageAttributeNames: ['All'] }),
        );
        const batch = out.Messages ?? [];
        if (batch.length > 0) {
          all.push(...batch);
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })) }));
        } else {
          if (Date.now() > deadline) return all;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    async purge(queueUrl) {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    },
    async countItems(pkPrefix) {
      const out = await ddb.send(
        new ScanCommand({
          TableName: stack.env.STATE_TABLE_NAME,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': { S: pkPrefix } },
          Select: 'COUNT',
        }),
      );
      return out.Count ?? 0;
    },
    async stop() {
      sqs.destroy();
      ddb.destroy();
      await stack.stop();
    },
  };
  return testStack;
}

/** Polls until the check passes or the time runs out (then rethrows the last failure). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
