import { METRICS_NAMESPACE, SERVICE_NAME, metricAlarms, type MetricAlarmDefinition } from '../shared/config/alarms';
import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
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
   * DynamoDB deletion protection on the tables.
   * @default true when `removalPolicy` is RETAIN, false otherwise
   */
  readonly deletionProtection?: boolean;
  /**
   * Address subscribed to the alarm topic (the subscriber must confirm the email).
   * @default - no subscription; subscribe to `alarmTopic` out of band
   */
  readonly alarmEmail?: string;
}

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

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deletionProtection = props.deletionProtection ?? removalPolicy === RemovalPolicy.RETAIN;

    this.encryptionKey = new kms.Key(this, 'EncryptionKey', {
      description: `dutybridge data key (${this.stackName}): DynamoDB, SQS, alarm SNS topic`,
      enableKeyRotation: true,
      removalPolicy,
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

    this.tables = Object.fromEntries(
      tables.map((definition) => [definition.id, this.createTable(definition, removalPolicy, deletionProtection)]),
    );

    const queuesById: Record<string, sqs.Queue> = {};
    const deadLetterQueuesById: Record<string, sqs.Queue> = {};
    const alarmsById: Record<string, cloudwatch.Alarm> = {};
    for (const definition of queues) {
      const deadLetterQueue = this.createDeadLetterQueue(definition);
      queuesById[definition.id] = this.createQueue(definition, deadLetterQueue);
      deadLetterQueuesById[definition.id] = deadLetterQueue;
      alarmsById[definition.id] = this.createDeadLetterAlarm(definition, deadLetterQueue);
    }
    this.queues = queuesById;
    this.deadLetterQueues = deadLetterQueuesById;
    this.deadLetterAlarms = alarmsById;
    for (const definition of metricAlarms) this.createMetricAlarm(definition);
  }

  private createMetricAlarm(definition: MetricAlarmDefinition): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${definition.id}Alarm`, {
      alarmDescription: definition.description,
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: definition.metricName,
        dimensionsMap: { service: SERVICE_NAME },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    return alarm;
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

  private createDeadLetterQueue(definition: QueueDefinition): sqs.Queue {
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
    });
  }

  private createQueue(definition: QueueDefinition, deadLetterQueue: sqs.Queue): sqs.Queue {
    return new sqs.Queue(this, `${constructIdFor(definition.id)}Queue`, {
      queueName: `${this.stackName}-${definition.id}`,
      fifo: definition.fifo || undefined,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(definition.retentionDays),
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
    });
  }

  private createDeadLetterAlarm(definition: QueueDefinition, deadLetterQueue: sqs.Queue): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${constructIdFor(definition.id)}DeadLetterAlarm`, {
      alarmDescription: `Messages are waiting in ${deadLetterQueueName(definition)}: ${definition.description}`,
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
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    alarm.addOkAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    return alarm;
  }
}
