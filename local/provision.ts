/**
 * Creates the tables and queues of shared/config/resources.ts on the local servers, exactly as the
 * CDK stateful stack declares them (same keys, indexes, FIFO-ness, visibility, redrive).
 * Idempotent: existing resources are kept (a restart keeps its data).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  type AttributeDefinition,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterQueueName, queues, tables, type QueueDefinition, type TableDefinition } from '../shared/config/resources';

export interface ProvisionOptions {
  readonly endpoints: { dynamodb: string; sqs: string };
  /** Prefix for physical names so several stacks (tests) can share one server. */
  readonly prefix: string;
}

async function ensureTable(client: DynamoDBClient, def: TableDefinition, name: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return;
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e;
  }
  const keyNames = new Set<string>([def.partitionKey, def.sortKey]);
  for (const gsi of def.globalSecondaryIndexes) {
    keyNames.add(gsi.partitionKey);
    keyNames.add(gsi.sortKey);
  }
  const attributeDefinitions: AttributeDefinition[] = [...keyNames].map((n) => ({ AttributeName: n, AttributeType: 'S' }));
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributeDefinitions,
      KeySchema: [
        { AttributeName: def.partitionKey, KeyType: 'HASH' },
        { AttributeName: def.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: 'HASH' },
          { AttributeName: g.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  // TTL: dynalite has no UpdateTimeToLive; CDK enables it in AWS and readers ignore expired items.
}

async function ensureQueue(client: SQSClient, def: QueueDefinition, prefix: string): Promise<{ url: string; dlqUrl: string }> {
  const fifoAttributes: Record<string, string> = def.fifo ? { FifoQueue: 'true' } : {};
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: `${prefix}${deadLetterQueueName(def)}`,
      Attributes: { ...fifoAttributes, MessageRetentionPeriod: String(14 * 86400) },
    }),
  );
  const dlqArn = (
    await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `${prefix}${def.id}`,
      Attributes: {
        ...fifoAttributes,
        VisibilityTimeout: String(def.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(def.retentionDays * 86400),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: def.maxReceiveCount }),
      },
    }),
  );
  return { url: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
}

/** Creates everything and returns the environment variables the functions read. */
export async function provisionLocalResources(options: ProvisionOptions): Promise<Record<string, string>> {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const ddb = new DynamoDBClient({ endpoint: options.endpoints.dynamodb, region: 'us-east-1', credentials });
  const sqs = new SQSClient({ endpoint: options.endpoints.sqs, region: 'us-east-1', credentials, useQueueUrlAsEndpoint: false });
  const env: Record<string, string> = { SECRET_NAME_PREFIX: `dutybridge/${options.prefix || 'local'}/` };
  try {
    for (const def of tables) {
      const name = `${options.prefix}${def.id}`;
      await ensureTable(ddb, def, name);
      env[def.envKey] = name;
    }
    for (const def of queues) {
      const { url, dlqUrl } = await ensureQueue(sqs, def, options.prefix);
      env[def.envKey] = url;
      env[def.dlqEnvKey] = dlqUrl;
    }
  } finally {
    ddb.destroy();
    sqs.destroy();
  }
  return env;
}
