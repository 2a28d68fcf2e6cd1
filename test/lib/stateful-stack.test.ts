import { App, CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { metricAlarms } from '../../shared/config/alarms';
import { deadLetterQueueName, queues, tables } from '../../shared/config/resources';
import { StatefulStack } from '../../lib/stateful-stack';
import { SynthesizedApp, cdkJsonContext, removeOutdir, synthApp } from './support/synth';

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

describe('StatefulStack (defaults, as deployed by bin/app.ts)', () => {
  let synthesized: SynthesizedApp;
  let template: Template;
  let stack: StatefulStack;

  beforeAll(() => {
    synthesized = synthApp();
    template = synthesized.statefulTemplate;
    stack = synthesized.stateful;
  });
  afterAll(() => removeOutdir(synthesized));

  it('is named DutyBridgeState', () => {
    expect(stack.stackName).toBe('DutyBridgeState');
  });

  it('has one customer-managed key with rotation, retained with the data', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('lets CloudWatch use the key to publish into the encrypted alarm topic', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('creates exactly the tables in resources.ts', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', tables.length);
    expect(Object.keys(stack.tables).sort()).toEqual(tables.map((table) => table.id).sort());
  });

  it.each(tables.map((table) => [table.id, table] as const))('table %s matches its definition', (id, definition) => {
    const keyId = logicalId(stack.encryptionKey);
    const attributeNames = [
      definition.partitionKey,
      definition.sortKey,
      ...definition.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
    ];
    const resources = template.findResources('AWS::DynamoDB::Table');
    const table = resources[logicalId(stack.tables[id])];
    expect(table).toBeDefined();
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: true,
      KeySchema: [
        { AttributeName: definition.partitionKey, KeyType: 'HASH' },
        { AttributeName: definition.sortKey, KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
    expect(
      (table.Properties.AttributeDefinitions as { AttributeName: string }[]).map((attribute) => attribute.AttributeName).sort(),
    ).toEqual([...new Set(attributeNames)].sort());
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      definition.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });

  it('creates each queue and its dead-letter queue, nothing else', () => {
    template.resourceCountIs('AWS::SQS::Queue', queues.length * 2);
    expect(Object.keys(stack.queues).sort()).toEqual(queues.map((queue) => queue.id).sort());
    expect(Object.keys(stack.deadLetterQueues).sort()).toEqual(queues.map((queue) => queue.id).sort());
  });

  describe.each(queues.map((queue) => [queue.id, queue] as const))('queue %s', (id, definition) => {
    let resources: Record<string, { [key: string]: any }>;
    beforeAll(() => {
      resources = template.findResources('AWS::SQS::Queue');
    });

    it('has the definition’s settings, KMS encryption and a redrive policy to its own DLQ', () => {
      const queue = resources[logicalId(stack.queues[id])];
      expect(queue.Properties).toMatchObject({
        QueueName: `DutyBridgeState-${definition.id}`,
        MessageRetentionPeriod: definition.retentionDays * 24 * 60 * 60,
        VisibilityTimeout: definition.visibilityTimeoutSeconds,
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.encryptionKey), 'Arn'] },
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.deadLetterQueues[id]), 'Arn'] },
          maxReceiveCount: definition.maxReceiveCount,
        },
      });
      expect(queue.Properties.FifoQueue).toBe(definition.fifo ? true : undefined);
    });

    it('has a dead-letter queue of the same FIFO-ness, named by deadLetterQueueName', () => {
      const deadLetterQueue = resources[logicalId(stack.deadLetterQueues[id])];
      expect(deadLetterQueue.Properties).toMatchObject({
        QueueName: `DutyBridgeState-${deadLetterQueueName(definition)}`,
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.encryptionKey), 'Arn'] },
        MessageRetentionPeriod: 14 * 24 * 60 * 60,
      });
      expect(deadLetterQueue.Properties.FifoQueue).toBe(definition.fifo ? true : undefined);
      expect(deadLetterQueue.Properties.RedrivePolicy).toBeUndefined();
      if (definition.fifo) expect(deadLetterQueue.Properties.QueueName).toMatch(/\.fifo$/);
    });

    it.each(['queue', 'dead-letter queue'])('denies non-TLS access to the %s', (which) => {
      const queue = which === 'queue' ? stack.queues[id] : stack.deadLetterQueues[id];
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('alarms to the topic as soon as one message is visible in the DLQ', () => {
      const alarms = template.findResources('AWS::CloudWatch::Alarm');
      const alarm = alarms[logicalId(stack.deadLetterAlarms[id])];
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.deadLetterQueues[id]), 'QueueName'] } },
        ],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
        AlarmActions: [{ Ref: logicalId(stack.alarmTopic) }],
      });
    });
  });

  it('has one alarm per dead-letter queue, plus one per paging metric', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', queues.length + metricAlarms.length);
  });

  it.each(metricAlarms.map((a) => [a.metricName]))('alarms on the %s metric the dispatch worker emits', (metricName) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'DutyBridge',
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: 'dutybridge' }],
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
  });

  it('encrypts the alarm topic with the key and enforces TLS on it, without subscriptions by default', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.encryptionKey), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('StatefulStack props', () => {
  function synthStandalone(props: ConstructorParameters<typeof StatefulStack>[2]): Template {
    const app = new App({ context: cdkJsonContext() });
    return Template.fromStack(new StatefulStack(app, 'PropsUnderTest', props));
  }

  it('subscribes the alarm email when given', () => {
    synthStandalone({ alarmEmail: 'oncall@example.com' }).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('applies a DESTROY removal policy to table and key and drops deletion protection', () => {
    const template = synthStandalone({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('names queues after the stack so two deployments can share an account', () => {
    const template = synthStandalone({});
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: `PropsUnderTest-${queues[0].id}` });
  });
});
