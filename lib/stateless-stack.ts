import { ArnFormat, CfnOutput, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FunctionDefinition, functionDefinitions } from '../shared/config/functions';
import { QueueDefinition, SECRET_PREFIX_ENV, TableDefinition, queues, tables } from '../shared/config/resources';
import { DutyBridgeFunction } from './constructs/dutybridge-function';
import { constructIdFor } from './naming';
import {
  API_URL_OUTPUT_KEY,
  CALLBACK_URL_TEMPLATE_OUTPUTS,
  callbackRoutePath,
  outputKeyForEnv,
} from './outputs';

/** Request throttling on the API's default stage. */
export interface ApiThrottleProps {
  /**
   * Steady-state requests per second across all routes.
   * @default 100
   */
  readonly rateLimit?: number;
  /**
   * Burst capacity (token bucket size).
   * @default 200
   */
  readonly burstLimit?: number;
}

export interface StatelessStackProps extends StackProps {
  /** Tables from the stateful stack, keyed by `TableDefinition.id` (StatefulStack.tables). */
  readonly tables: Readonly<Record<string, dynamodb.ITable>>;
  /** Queues keyed by `QueueDefinition.id` (StatefulStack.queues). */
  readonly queues: Readonly<Record<string, sqs.IQueue>>;
  /** Dead-letter queues keyed by the id of the queue they serve (StatefulStack.deadLetterQueues). */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /**
   * Powertools LOG_LEVEL of every function.
   * @default 'INFO'
   */
  readonly logLevel?: string;
  /**
   * Retention of the function and API access log groups.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * X-Ray tracing of every function.
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;
  /**
   * Throttling of the API's default stage.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: ApiThrottleProps;
  /**
   * TEST-ONLY: code deployed instead of each function's esbuild bundle (see
   * `DutyBridgeFunctionProps.codeOverrideForTests`). Never set it in bin/app.ts.
   * @default - every handler is bundled by esbuild
   */
  readonly codeOverrideForTests?: lambda.Code;
}

/** Thrown when the stateful resources handed to the stack miss one named in shared/config. */
export class MissingStatefulResourceError extends Error {
  constructor(kind: string, definitionId: string) {
    super(`no ${kind} was passed for definition "${definitionId}"`);
    this.name = 'MissingStatefulResourceError';
  }
}

/**
 * Thrown when a queue's visibility timeout is shorter than its consumer's timeout: Lambda refuses
 * such an event source mapping at deploy time, so fail at synth instead.
 */
export class QueueVisibilityTimeoutTooShortError extends Error {
  constructor(queue: QueueDefinition, consumer: FunctionDefinition) {
    super(
      `queue "${queue.id}" visibility timeout ${queue.visibilityTimeoutSeconds}s is shorter than ` +
        `function "${consumer.name}" timeout ${consumer.timeoutSeconds}s`,
    );
    this.name = 'QueueVisibilityTimeoutTooShortError';
  }
}

/** Item read/write on a table and query/scan on its indexes (transactions authorize per item action). */
const TABLE_READ_WRITE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/** Key operations DynamoDB performs with a customer-managed table key on the caller's behalf. */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

function required<T>(map: Readonly<Record<string, T>>, kind: string, definitionId: string): T {
  const value = map[definitionId];
  if (value === undefined) throw new MissingStatefulResourceError(kind, definitionId);
  return value;
}

/**
 * Functions, HTTP API and permissions. Holds no data, so it can be destroyed and redeployed
 * freely; the resources it uses come from the stateful stack.
 */
export class StatelessStack extends Stack {
  public readonly httpApi: apigatewayv2.HttpApi;
  public readonly defaultStage: apigatewayv2.HttpStage;
  /** Functions keyed by `FunctionDefinition.name`. */
  public readonly functions: Readonly<Record<string, DutyBridgeFunction>>;
  /** Secrets Manager name prefix of this deployment's integration secrets. */
  public readonly secretNamePrefix: string;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.secretNamePrefix = `dutybridge/${this.stackName}/`;

    const tableBindings = tables.map((definition) => ({
      definition,
      table: required(props.tables, 'table', definition.id),
    }));
    const queueBindings = queues.map((definition) => ({
      definition,
      queue: required(props.queues, 'queue', definition.id),
      deadLetterQueue: required(props.deadLetterQueues, 'dead-letter queue', definition.id),
    }));

    const resourceEnvironment: Record<string, string> = { [SECRET_PREFIX_ENV]: this.secretNamePrefix };
    for (const { definition, table } of tableBindings) resourceEnvironment[definition.envKey] = table.tableName;
    for (const { definition, queue, deadLetterQueue } of queueBindings) {
      resourceEnvironment[definition.envKey] = queue.queueUrl;
      resourceEnvironment[definition.dlqEnvKey] = deadLetterQueue.queueUrl;
    }

    const secretsArnPattern = this.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      // Secrets Manager appends a random "-xxxxxx" suffix to every secret ARN, so the prefix
      // needs a trailing wildcard even for a known secret name.
      resourceName: `${this.secretNamePrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const functionsByName: Record<string, DutyBridgeFunction> = {};
    for (const definition of functionDefinitions) {
      const dutyBridgeFunction = new DutyBridgeFunction(this, constructIdFor(definition.name), {
        definition,
        environment: resourceEnvironment,
        logLevel: props.logLevel,
        logRetention: props.logRetention,
        tracing: props.tracing,
        codeOverrideForTests: props.codeOverrideForTests,
      });
      this.grantDataAccess(dutyBridgeFunction, tableBindings, queueBindings, secretsArnPattern);
      if (definition.queue !== undefined) this.subscribeToQueue(dutyBridgeFunction, definition, props.queues);
      if (definition.everyMinutes !== undefined) {
        new events.Rule(this, `${constructIdFor(definition.name)}Schedule`, {
          description: `Runs ${definition.name} every ${definition.everyMinutes} minute(s)`,
          schedule: events.Schedule.rate(Duration.minutes(definition.everyMinutes)),
          targets: [new eventsTargets.LambdaFunction(dutyBridgeFunction.function, { retryAttempts: 0 })],
        });
      }
      functionsByName[definition.name] = dutyBridgeFunction;
    }
    this.functions = functionsByName;

    const { httpApi, defaultStage } = this.createHttpApi(props);
    this.httpApi = httpApi;
    this.defaultStage = defaultStage;

    new CfnOutput(this, API_URL_OUTPUT_KEY, {
      description: 'Base URL of the dutybridge HTTP API',
      value: defaultStage.url,
    });
    for (const { outputKey, functionName } of CALLBACK_URL_TEMPLATE_OUTPUTS) {
      new CfnOutput(this, outputKey, {
        description: `Callback URL of ${functionName}; replace {integrationId}`,
        value: `${defaultStage.url}${callbackRoutePath(functionName)}`,
      });
    }
    for (const [envKey, value] of Object.entries(resourceEnvironment)) {
      new CfnOutput(this, outputKeyForEnv(envKey), { description: `Value of ${envKey}`, value });
    }
  }

  private grantDataAccess(
    dutyBridgeFunction: DutyBridgeFunction,
    tableBindings: readonly { definition: TableDefinition; table: dynamodb.ITable }[],
    queueBindings: readonly { queue: sqs.IQueue; deadLetterQueue: sqs.IQueue }[],
    secretsArnPattern: string,
  ): void {
    const principal = dutyBridgeFunction.grantPrincipal;
    for (const { definition, table } of tableBindings) {
      // Spelled out instead of table.grantReadWriteData(), which grants "<table>/index/*": the
      // indexes are known from the definition, so each is named and no wildcard is needed.
      dutyBridgeFunction.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: TABLE_READ_WRITE_ACTIONS,
          resources: [
            table.tableArn,
            ...definition.globalSecondaryIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`),
          ],
        }),
      );
      // DynamoDB encrypts and decrypts with the table's customer-managed key on the caller's behalf.
      table.encryptionKey?.grant(principal, ...TABLE_KEY_ACTIONS);
    }
    // Queue grants include kms:GenerateDataKey*/Decrypt on the queue's customer-managed key.
    for (const { queue, deadLetterQueue } of queueBindings) {
      queue.grantSendMessages(principal);
      // Handlers dead-letter a poison message themselves, with the reason attached.
      deadLetterQueue.grantSendMessages(principal);
    }
    dutyBridgeFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretsArnPattern] }),
    );

    // cdk-nag reports one finding per wildcard; each acknowledgement names exactly one of them and
    // applies to this function's role (and its default policy) only.
    Validations.of(dutyBridgeFunction.role).acknowledge(
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${this.secretNamePrefix}*]`,
        reason:
          'Read access is limited to this deployment\'s secret prefix; Secrets Manager appends a random suffix to ' +
          'every secret ARN and integrations are added at runtime, so individual ARNs are unknown at deploy time.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Data-key generation is needed to write encrypted items and messages; the statement is limited to the ' +
          'single customer-managed key ARN.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason:
          'DynamoDB re-encrypts table data keys with the customer-managed key on the caller\'s behalf; the ' +
          'statement is limited to that key ARN.',
      },
    );
  }

  private subscribeToQueue(
    dutyBridgeFunction: DutyBridgeFunction,
    definition: FunctionDefinition,
    queuesById: Readonly<Record<string, sqs.IQueue>>,
  ): void {
    const queueDefinition = definition.queue as QueueDefinition;
    if (queueDefinition.visibilityTimeoutSeconds < definition.timeoutSeconds) {
      throw new QueueVisibilityTimeoutTooShortError(queueDefinition, definition);
    }
    dutyBridgeFunction.function.addEventSource(
      new SqsEventSource(required(queuesById, 'queue', queueDefinition.id), {
        batchSize: queueDefinition.batchSize,
        // Handlers return batchItemFailures so one bad message does not redeliver the batch.
        reportBatchItemFailures: true,
      }),
    );
  }

  private createHttpApi(props: StatelessStackProps): {
    httpApi: apigatewayv2.HttpApi;
    defaultStage: apigatewayv2.HttpStage;
  } {
    const httpApi = new apigatewayv2.HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'dutybridge: WeCom and DingTalk callbacks, health probe',
      createDefaultStage: false,
    });
    const accessLogGroup = new logs.LogGroup(this, 'ApiAccessLogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    const defaultStage = httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle?.rateLimit ?? 100, burstLimit: props.throttle?.burstLimit ?? 200 },
      accessLogSettings: { destination: new apigatewayv2.LogGroupLogDestination(accessLogGroup) },
    });

    for (const definition of functionDefinitions) {
      if (definition.routes === undefined || definition.routes.length === 0) continue;
      const integration = new HttpLambdaIntegration(
        `${constructIdFor(definition.name)}Integration`,
        this.functions[definition.name].function,
      );
      for (const route of definition.routes) {
        const [httpRoute] = httpApi.addRoutes({
          path: route.path,
          methods: [apigatewayv2.HttpMethod[route.method]],
          integration,
        });
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason:
            'WeCom and DingTalk call these URLs without any API Gateway credentials; each request is ' +
            'authenticated inside the handler by the platform signature (WeCom msg_signature, DingTalk ' +
            'timestamp+sign) and the health probe exposes nothing.',
        });
      }
    }
    return { httpApi, defaultStage };
  }
}
