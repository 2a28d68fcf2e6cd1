import { METRICS_NAMESPACE, SERVICE_NAME, metricAlarms, type MetricAlarmDefinition } from '../shared/config/alarms';
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionDefinitions } from '../shared/config/functions';
import { QueueDefinition, TableDefinition, deadLetterQueueName, queues, tables } from '../shared/config/resources';
import { constructIdFor } from './naming';

export interface StatefulStackProps extends StackProps {
  /**
   * What happens to the table and the KMS key when they leave the stack. The key always follows
   * the table: deleting the key of a retained table would leave its data unreadable.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * What happens to the state table when it leaves the stack (stack deletion, replacement).
   * Incidents, links, integrations and the operation log live there; DESTROY suits throw-away
   * test deployments only. The KMS key is kept whenever the table is, whatever `removalPolicy`
   * says, so a retained table stays readable.
   * @default - `removalPolicy` (RemovalPolicy.RETAIN)
   */
  readonly stateTableRemovalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on the tables.
   * @default true when the state table is retained (`stateTableRemovalPolicy`), false otherwise
   */
  readonly deletionProtection?: boolean;
  /**
   * Address subscribed to the alarm topic (the subscriber must confirm the email).
   * @default - no subscription; without `alarmTopicArn` either, synthesis warns that no alarm
   *   reaches anyone
   */
  readonly alarmEmail?: string;
  /**
   * An existing SNS topic (on-call tooling, chat) every alarm also notifies. Its policy must let
   * CloudWatch publish, and its key (if any) must let CloudWatch use it.
   * @default - alarms notify only `alarmTopic`
   */
  readonly alarmTopicArn?: string;
  /**
   * CloudFormation termination protection: `cdk destroy` and stack deletion are refused until
   * it is switched off.
   * @default true
   */
  readonly terminationProtection?: boolean;
  /**
   * IAM path of the function roles (`StatelessStack.functionRolePath`): the only principals the
   * secrets key lets decrypt, and only through Secrets Manager.
   * @default '/dutybridge/<prefix>/' for the stack named '<prefix>State' (see functionRolePath)
   */
  readonly functionRolePath?: string;
  /**
   * ARNs of roles or users (e.g. the operators running `dutybridge integrations show` or
   * `register-card-callback` against the stack) that may also decrypt integration secrets
   * through Secrets Manager.
   * @default - none: only the function roles read secrets; operators can still write them
   */
  readonly secretReaderArns?: readonly string[];
}

/** Warning added when no alarm subscriber is configured. */
export const NO_ALARM_SUBSCRIBER_WARNING =
  'No alarm subscriber: alarms go to the alarm topic but reach nobody. Deploy with -c alarmEmail=you@example.com ' +
  'or -c alarmTopicArn=arn:aws:sns:… (or subscribe to the AlarmTopicArn output of the stateful stack yourself).';

/**
 * Everything that holds data: the KMS key, the DynamoDB table(s) and the SQS queues with their
 * dead-letter queues and alarms. Kept apart from the functions so the stateless stack can be
 * destroyed and redeployed without touching data.
 */
export class StatefulStack extends Stack {
  /** Customer-managed key encrypting the tables, every queue and the alarm topic. */
  public readonly encryptionKey: kms.Key;
  /** Tables keyed by `TableDefinition.id`. */
  public readonly tables: Readonly<Record<string, dynamodb.Table>>;
  /** Queues keyed by `QueueDefinition.id`. */
  public readonly queues: Readonly<Record<string, sqs.Queue>>;
  /** Dead-letter queues keyed by the `QueueDefinition.id` of the queue they serve. */
  public readonly deadLetterQueues: Readonly<Record<string, sqs.Queue>>;
  /** DLQ-not-empty alarms keyed by the `QueueDefinition.id` of the queue they watch. */
  public readonly deadLetterAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** SNS topic every alarm notifies. */
  public readonly alarmTopic: sns.Topic;
  /** Topics every alarm notifies: `alarmTopic`, and the one of `alarmTopicArn` when given. */
  public readonly alarmTopics: readonly sns.ITopic[];
  /** Customer-managed key encrypting the integration secrets in Secrets Manager. */
  public readonly secretsKey: kms.Key;
  /** Dead-letter queues of the scheduled functions' failed runs, keyed by function name. */
  public readonly scheduleDeadLetterQueues: Readonly<Record<string, sqs.Queue>>;
  /** Oldest-message-age alarms keyed by the `QueueDefinition.id` of the queue they watch. */
  public readonly messageAgeAlarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, { ...props, terminationProtection: props.terminationProtection ?? true });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const tableRemovalPolicy = props.stateTableRemovalPolicy ?? removalPolicy;
    const deletionProtection = props.deletionProtection ?? tableRemovalPolicy === RemovalPolicy.RETAIN;

    this.encryptionKey = new kms.Key(this, 'EncryptionKey', {
      description: `dutybridge data key (${this.stackName}): DynamoDB, SQS, alarm SNS topic`,
      enableKeyRotation: true,
      // Deleting the key of a table that survives would leave its data unreadable.
      removalPolicy: tableRemovalPolicy === RemovalPolicy.DESTROY ? removalPolicy : RemovalPolicy.RETAIN,
    });
    // CloudWatch publishes alarm notifications into the encrypted topic, so it needs the data
    // key operations on this key (SNS SSE requirement for AWS service publishers).
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `dutybridge alarms (${this.stackName})`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new snsSubscriptions.EmailSubscription(props.alarmEmail));
    }
    this.alarmTopics =
      props.alarmTopicArn === undefined
        ? [this.alarmTopic]
        : [this.alarmTopic, sns.Topic.fromTopicArn(this, 'ExternalAlarmTopic', props.alarmTopicArn)];
    if (props.alarmEmail === undefined && props.alarmTopicArn === undefined) {
      Annotations.of(this).addWarningV2('dutybridge:no-alarm-subscriber', NO_ALARM_SUBSCRIBER_WARNING);
    }
    new CfnOutput(this, 'AlarmTopicArn', { description: 'SNS topic every dutybridge alarm notifies', value: this.alarmTopic.topicArn });

    this.secretsKey = this.createSecretsKey(
      props.functionRolePath ?? `/dutybridge/${this.stackName.replace(/State$/, '')}/`,
      props.secretReaderArns ?? [],
    );
    new CfnOutput(this, 'SecretsKeyArn', {
      description: 'KMS key of the integration secrets (the CLI passes it as KmsKeyId)',
      value: this.secretsKey.keyArn,
    });

    this.tables = Object.fromEntries(
      tables.map((definition) => [definition.id, this.createTable(definition, tableRemovalPolicy, deletionProtection)]),
    );

    const queuesById: Record<string, sqs.Queue> = {};
    const deadLetterQueuesById: Record<string, sqs.Queue> = {};
    const alarmsById: Record<string, cloudwatch.Alarm> = {};
    const ageAlarmsById: Record<string, cloudwatch.Alarm> = {};
    for (const definition of queues) {
      const deadLetterQueue = this.createDeadLetterQueue(definition, removalPolicy);
      const queue = this.createQueue(definition, deadLetterQueue, removalPolicy);
      queuesById[definition.id] = queue;
      deadLetterQueuesById[definition.id] = deadLetterQueue;
      alarmsById[definition.id] = this.createDeadLetterAlarm(
        `${constructIdFor(definition.id)}DeadLetterAlarm`,
        `Messages are waiting in ${deadLetterQueueName(definition)}: ${definition.description}`,
        deadLetterQueue,
      );
      ageAlarmsById[definition.id] = this.createMessageAgeAlarm(definition, queue);
    }
    this.queues = queuesById;
    this.deadLetterQueues = deadLetterQueuesById;
    this.deadLetterAlarms = alarmsById;
    this.messageAgeAlarms = ageAlarmsById;

    const scheduleDeadLetterQueues: Record<string, sqs.Queue> = {};
    for (const definition of functionDefinitions.filter((candidate) => candidate.everyMinutes !== undefined)) {
      const queue = new sqs.Queue(this, `${constructIdFor(definition.name)}ScheduleDeadLetterQueue`, {
        queueName: `${this.stackName}-${definition.name}-dlq`,
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.encryptionKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy,
      });
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason:
          `This queue is itself a dead-letter queue: Lambda puts the failed scheduled runs of ${definition.name} ` +
          'into it (function DeadLetterConfig, set in the stateless stack, which cdk-nag cannot see from here).',
      });
      scheduleDeadLetterQueues[definition.name] = queue;
      this.createDeadLetterAlarm(
        `${constructIdFor(definition.name)}ScheduleDeadLetterAlarm`,
        `Scheduled runs of ${definition.name} failed and were dead-lettered`,
        queue,
      );
    }
    this.scheduleDeadLetterQueues = scheduleDeadLetterQueues;
    for (const definition of metricAlarms) this.createMetricAlarm(definition);
  }

  /**
   * The integration secrets' key. Its policy lets the account administer it (no data access),
   * lets principals of the account encrypt through Secrets Manager (the CLI creates secrets), and
   * lets only the function roles (matched by IAM path) and `secretReaderArns` decrypt, through
   * Secrets Manager only.
   */
  private createSecretsKey(rolePath: string, readerArns: readonly string[]): kms.Key {
    const account = new iam.AccountRootPrincipal();
    const viaSecretsManager = { 'kms:ViaService': `secretsmanager.${this.region}.${this.urlSuffix}`, 'kms:CallerAccount': this.account };
    const functionRoles = this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${rolePath.replace(/^\//, '')}*` });
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AccountAdministersTheKeyWithoutDataAccess',
          principals: [account],
          actions: [
            'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*',
            'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource',
            'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'OperatorsEncryptSecretsThroughSecretsManager',
          principals: [account],
          actions: ['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey'],
          resources: ['*'],
          conditions: { StringEquals: viaSecretsManager },
        }),
        new iam.PolicyStatement({
          sid: 'FunctionRolesDecryptSecretsThroughSecretsManager',
          principals: [account],
          actions: ['kms:Decrypt'],
          resources: ['*'],
          conditions: {
            StringEquals: viaSecretsManager,
            ArnLike: { 'aws:PrincipalArn': [functionRoles, ...readerArns] },
          },
        }),
      ],
    });
    return new kms.Key(this, 'SecretsKey', {
      description: `dutybridge integration secrets (${this.stackName}): decrypted only by the function roles through Secrets Manager`,
      enableKeyRotation: true,
      policy,
      // Deleting the key would make every secret it encrypts unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private createMessageAgeAlarm(definition: QueueDefinition, queue: sqs.Queue): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${constructIdFor(definition.id)}MessageAgeAlarm`, {
      alarmDescription:
        `The oldest message in ${definition.id} waited more than ${definition.maxMessageAgeSeconds}s: its consumer ` +
        `is failing, throttled or not reading. ${definition.description}`,
      metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: definition.maxMessageAgeSeconds,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return this.notifyTopics(alarm, { whenOk: true });
  }

  /** Every alarm goes to the alarm topics; `whenOk` also tells them when it clears (queue alarms do). */
  private notifyTopics(alarm: cloudwatch.Alarm, options: { whenOk: boolean }): cloudwatch.Alarm {
    for (const topic of this.alarmTopics) {
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
      if (options.whenOk) alarm.addOkAction(new cloudwatchActions.SnsAction(topic));
    }
    return alarm;
  }

  private createMetricAlarm(definition: MetricAlarmDefinition): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${definition.id}Alarm`, {
      alarmDescription: definition.description,
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: definition.metricName,
        dimensionsMap: { service: SERVICE_NAME },
        period: Duration.minutes(5),
        statistic: definition.statistic === 'Maximum' ? cloudwatch.Stats.MAXIMUM : cloudwatch.Stats.SUM,
      }),
      threshold: definition.threshold ?? 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return this.notifyTopics(alarm, { whenOk: false });
  }

  private createTable(
    definition: TableDefinition,
    removalPolicy: RemovalPolicy,
    deletionProtection: boolean,
  ): dynamodb.Table {
    // Keys are strings throughout: the single-table design composes them as "TYPE#id".
    const stringAttribute = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    const table = new dynamodb.Table(this, `${constructIdFor(definition.id)}Table`, {
      partitionKey: stringAttribute(definition.partitionKey),
      sortKey: stringAttribute(definition.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: definition.timeToLiveAttribute,
      deletionProtection,
      removalPolicy,
    });
    for (const index of definition.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: stringAttribute(index.partitionKey),
        sortKey: stringAttribute(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    return table;
  }

  private createDeadLetterQueue(definition: QueueDefinition, removalPolicy: RemovalPolicy): sqs.Queue {
    return new sqs.Queue(this, `${constructIdFor(definition.id)}DeadLetterQueue`, {
      queueName: `${this.stackName}-${deadLetterQueueName(definition)}`,
      // SQS requires a FIFO queue's dead-letter queue to be FIFO as well (and standard for standard).
      fifo: definition.fifo || undefined,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      // A standard queue keeps the original enqueue timestamp when a message is dead-lettered, so
      // the DLQ needs the longest retention SQS allows (14 days) to outlive the source queue.
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
  }

  private createQueue(definition: QueueDefinition, deadLetterQueue: sqs.Queue, removalPolicy: RemovalPolicy): sqs.Queue {
    return new sqs.Queue(this, `${constructIdFor(definition.id)}Queue`, {
      queueName: `${this.stackName}-${definition.id}`,
      fifo: definition.fifo || undefined,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(definition.retentionDays),
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
      removalPolicy,
    });
  }

  private createDeadLetterAlarm(id: string, description: string, deadLetterQueue: sqs.Queue): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // SQS stops publishing metrics for idle queues; silence means an empty DLQ.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return this.notifyTopics(alarm, { whenOk: true });
  }
}
