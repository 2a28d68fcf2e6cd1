import { App, CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { metricAlarms } from '../../shared/config/alarms';
import { deadLetterQueueName, queues, tables } from '../../shared/config/resources';
import { functionDefinitions } from '../../shared/config/functions';
import { NO_ALARM_SUBSCRIBER_WARNING, StatefulStack } from '../../lib/stateful-stack';
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

  it('has two customer-managed keys (data, integration secrets) with rotation, retained', () => {
    template.resourceCountIs('AWS::KMS::Key', 2);
    for (const key of [stack.encryptionKey, stack.secretsKey]) {
      const resource = template.findResources('AWS::KMS::Key')[logicalId(key)];
      expect(resource).toMatchObject({ Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('has termination protection', () => {
    expect(stack.terminationProtection).toBe(true);
    const artifact = synthesized.assembly.getStackByName(stack.stackName);
    expect(artifact.terminationProtection).toBe(true);
  });

  describe('integration secrets key', () => {
    let statements: any[];
    beforeAll(() => {
      statements = template.findResources('AWS::KMS::Key')[logicalId(stack.secretsKey)].Properties.KeyPolicy.Statement;
    });
    const viaSecretsManager = {
      'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
      'kms:CallerAccount': { Ref: 'AWS::AccountId' },
    };

    it('lets only the function roles (by IAM path) decrypt, and only through Secrets Manager', () => {
      const decrypting = statements.filter((statement) => [statement.Action].flat().some((action: string) => /Decrypt|kms:\*/.test(action)));
      expect(decrypting).toHaveLength(1);
      expect(decrypting[0]).toMatchObject({
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Condition: {
          StringEquals: viaSecretsManager,
          ArnLike: {
            'aws:PrincipalArn': [
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/dutybridge/DutyBridge/*']] },
            ],
          },
        },
      });
    });

    it('lets the account encrypt through Secrets Manager only, and administer the key without using it', () => {
      const encrypting = statements.filter((statement) => [statement.Action].flat().includes('kms:GenerateDataKey*'));
      expect(encrypting).toHaveLength(1);
      expect(encrypting[0].Condition).toEqual({ StringEquals: viaSecretsManager });
      const unconditioned = statements.filter((statement) => statement.Condition === undefined);
      expect(unconditioned).toHaveLength(1);
      const adminActions = [unconditioned[0].Action].flat() as string[];
      expect(adminActions).not.toEqual(expect.arrayContaining(['kms:*']));
      for (const action of adminActions) expect(action).not.toMatch(/Decrypt|Encrypt|GenerateDataKey|ReEncrypt/);
      expect(adminActions).toEqual(expect.arrayContaining(['kms:ScheduleKeyDeletion', 'kms:Put*', 'kms:Disable*']));
    });

    it('is exported for the CLI', () => {
      expect(template.findOutputs('SecretsKeyArn').SecretsKeyArn.Value).toEqual({ 'Fn::GetAtt': [logicalId(stack.secretsKey), 'Arn'] });
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

  it('creates each queue and its dead-letter queue, and one dead-letter queue per scheduled function, nothing else', () => {
    const scheduled = functionDefinitions.filter((definition) => definition.everyMinutes !== undefined);
    template.resourceCountIs('AWS::SQS::Queue', queues.length * 2 + scheduled.length);
    expect(Object.keys(stack.scheduleDeadLetterQueues).sort()).toEqual(scheduled.map((definition) => definition.name).sort());
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

    it.each(['queue', 'dead-letter queue'])('retains the %s with the data', (which) => {
      const queue = resources[logicalId(which === 'queue' ? stack.queues[id] : stack.deadLetterQueues[id])];
      expect(queue.DeletionPolicy).toBe('Retain');
      expect(queue.UpdateReplacePolicy).toBe('Retain');
    });

    it('alarms when its oldest message is older than the definition allows', () => {
      const alarm = template.findResources('AWS::CloudWatch::Alarm')[logicalId(stack.messageAgeAlarms[id])];
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.queues[id]), 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: definition.maxMessageAgeSeconds,
        AlarmActions: [{ Ref: logicalId(stack.alarmTopic) }],
      });
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

  it('alarms on an unconsumed incident-actions.fifo (read by the incident system, not by dutybridge)', () => {
    expect(functionDefinitions.some((definition) => definition.queue?.id === 'incident-actions.fifo')).toBe(false);
    expect(stack.messageAgeAlarms['incident-actions.fifo']).toBeDefined();
  });

  it('dead-letters failed flush-digests runs into a retained, encrypted queue with an alarm', () => {
    const queue = stack.scheduleDeadLetterQueues['flush-digests'];
    const resource = template.findResources('AWS::SQS::Queue')[logicalId(queue)];
    expect(resource).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        QueueName: 'DutyBridgeState-flush-digests-dlq',
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.encryptionKey), 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }],
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic) }],
    });
  });

  it('has one alarm per dead-letter queue, one per queue age, one per scheduled DLQ and one per paging metric', () => {
    const scheduled = functionDefinitions.filter((definition) => definition.everyMinutes !== undefined);
    template.resourceCountIs('AWS::CloudWatch::Alarm', queues.length * 2 + scheduled.length + metricAlarms.length);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalId(stack.alarmTopic) }]);
    }
  });

  it('warns loudly that no alarm subscriber is set', () => {
    Annotations.fromStack(stack).hasWarning('/DutyBridgeState', Match.stringLikeRegexp('^No alarm subscriber'));
    expect(NO_ALARM_SUBSCRIBER_WARNING).toMatch(/alarmEmail/);
  });

  it.each(metricAlarms.map((a) => [a.metricName, a.statistic ?? 'Sum', a.threshold ?? 1]))('alarms on the %s metric the workers emit (%s ≥ %d)', (metricName, statistic, threshold) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'DutyBridge',
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: 'dutybridge' }],
      Statistic: statistic,
      Threshold: threshold,
      AlarmActions: Match.anyValue(),
    });
  });

  it('alarms when a DingTalk call has waited its turn for 15 minutes (re-parked copies hide from the queue age)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'WaitingMessageAgeSeconds', Statistic: 'Maximum', Threshold: 900 });
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

  it('subscribes the alarm email when given, and then does not warn', () => {
    const app = new App({ context: cdkJsonContext() });
    const stack = new StatefulStack(app, 'PropsUnderTest', { alarmEmail: 'oncall@example.com' });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('sends every alarm also to the topic of alarmTopicArn, and then does not warn', () => {
    const app = new App({ context: cdkJsonContext() });
    const external = 'arn:aws:sns:us-east-1:111122223333:oncall';
    const stack = new StatefulStack(app, 'PropsUnderTest', { alarmTopicArn: external });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual(expect.arrayContaining([external]));
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('lets the secretReaderArns decrypt secrets too, and can drop termination protection', () => {
    const app = new App({ context: cdkJsonContext() });
    const reader = 'arn:aws:iam::111122223333:role/Operator';
    const stack = new StatefulStack(app, 'PropsUnderTest', { secretReaderArns: [reader], terminationProtection: false });
    expect(stack.terminationProtection).toBe(false);
    const key = Template.fromStack(stack).findResources('AWS::KMS::Key')[logicalId(stack.secretsKey)];
    const decrypt = (key.Properties.KeyPolicy.Statement as any[]).find((statement) => statement.Action === 'kms:Decrypt');
    expect(decrypt.Condition.ArnLike['aws:PrincipalArn']).toEqual(expect.arrayContaining([reader]));
  });

  it('applies a DESTROY removal policy to table and key and drops deletion protection', () => {
    const template = synthStandalone({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Delete' });
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('names queues after the stack so two deployments can share an account', () => {
    const template = synthStandalone({});
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: `PropsUnderTest-${queues[0].id}` });
  });
});
