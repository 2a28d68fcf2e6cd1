import { OperationsDashboard } from './constructs/operations-dashboard';
import { ArnFormat, CfnOutput, Duration, Fn, RemovalPolicy, Stack, StackProps, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../shared/config/alarms';
import { FunctionDefinition, Platform, TableAction, functionDefinitions } from '../shared/config/functions';
import {
  QueueDefinition,
  SECRET_PREFIX_ENV,
  TableDefinition,
  integrationSecretsPath,
  alertSourceSecretsPath,
  suiteSecretsPath,
  queues,
  tables,
} from '../shared/config/resources';
import { PUBLIC_API_URL_ENV, readPublicApiUrl } from '../shared/config/runtime-config';
import { WECOM_VERIFY_FILE_ENV, WECOM_VERIFY_FILE_PATTERN } from '../shared/config/wecom-verify-file';
import { ApiCustomDomain, CustomDomainProps, validateCustomDomain } from './constructs/api-custom-domain';
import { DutyBridgeFunction } from './constructs/dutybridge-function';
import { FixedEgress, FixedEgressProps } from './constructs/fixed-egress';
import { constructIdFor } from './naming';
import {
  API_URL_OUTPUT_KEY,
  CALLBACK_URL_TEMPLATE_OUTPUTS,
  CUSTOM_DOMAIN_TARGET_OUTPUT_KEY,
  EGRESS_IPS_OUTPUT_KEY,
  SECRETS_KEY_ARN_OUTPUT_KEY,
  callbackRoutePath,
  outputKeyForEnv,
} from './outputs';

/** Request throttling of the API's default stage or of one route. */
export interface ApiThrottleProps {
  /**
   * Steady-state requests per second.
   * @default 100 on the stage; per route see `DEFAULT_ROUTE_THROTTLES`
   */
  readonly rateLimit?: number;
  /**
   * Burst capacity (token bucket size).
   * @default 200 on the stage; per route see `DEFAULT_ROUTE_THROTTLES`
   */
  readonly burstLimit?: number;
}

/**
 * Per-route throttles, keyed by route key ("POST /dingtalk/{integrationId}/cards"), so a flood on
 * one platform's callbacks (or on the health probe) cannot use up the stage's whole budget.
 */
export const DEFAULT_ROUTE_THROTTLES: Readonly<Record<string, Required<ApiThrottleProps>>> = {
  'GET /healthz': { rateLimit: 5, burstLimit: 10 },
  'GET /wecom/{integrationId}/callback': { rateLimit: 5, burstLimit: 10 },
  'POST /wecom/{integrationId}/callback': { rateLimit: 50, burstLimit: 100 },
  'POST /dingtalk/{integrationId}/events': { rateLimit: 50, burstLimit: 100 },
  'POST /dingtalk/{integrationId}/cards': { rateLimit: 50, burstLimit: 100 },
  // Smart bot (issue 15): messages plus WeCom's stream refresh polls (about one a second per open
  // stream, and a person has at most 3 in flight per bot, DOC-100719).
  'GET /wecom/{integrationId}/bot': { rateLimit: 5, burstLimit: 10 },
  'POST /wecom/{integrationId}/bot': { rateLimit: 50, burstLimit: 100 },
  // WeCom suite (issue 16): tickets every 10 minutes and authorization events are rare; the data
  // callback carries every authorized corp's clicks, so it gets the custom callback's room.
  'GET /wecom-suite/{suiteId}/command': { rateLimit: 5, burstLimit: 10 },
  'POST /wecom-suite/{suiteId}/command': { rateLimit: 20, burstLimit: 50 },
  'GET /wecom-suite/{suiteId}/data': { rateLimit: 5, burstLimit: 10 },
  'POST /wecom-suite/{suiteId}/data': { rateLimit: 50, burstLimit: 100 },
  'GET /wecom-suite/{suiteId}/install': { rateLimit: 5, burstLimit: 10 },
  'GET /wecom-suite/{suiteId}/installed': { rateLimit: 5, burstLimit: 10 },
  // Alert webhooks (issue 18): Alertmanager sends one request per group and interval (a burst of
  // alerts is one large request, not many); events from an incident system may come faster.
  'POST /ingest/alertmanager/{sourceId}': { rateLimit: 20, burstLimit: 50 },
  'POST /ingest/grafana/{sourceId}': { rateLimit: 20, burstLimit: 50 },
  'POST /ingest/events/{sourceId}': { rateLimit: 50, burstLimit: 100 },
  // Account-linking pages: people, not platforms, open them (a few per person, once).
  'GET /link/wecom/{integrationId}': { rateLimit: 10, burstLimit: 20 },
  'GET /link/dingtalk/{integrationId}': { rateLimit: 10, burstLimit: 20 },
  'GET /link/{platform}/{integrationId}/callback': { rateLimit: 10, burstLimit: 20 },
  'POST /link/{platform}/{integrationId}/callback': { rateLimit: 10, burstLimit: 20 },
  'GET /link/{platform}/{integrationId}/oidc': { rateLimit: 5, burstLimit: 10 },
  'GET /link/{platform}/{integrationId}/oidc/callback': { rateLimit: 5, burstLimit: 10 },
  'POST /link/{platform}/{integrationId}/code': { rateLimit: 5, burstLimit: 10 },
};

/**
 * Behaviour settings every function reads from its environment (shared/config/runtime-config.ts,
 * shared/composition.ts, shared/runtime/observability.ts). Unset means the function's own default.
 */
export interface RuntimeSettingsProps {
  /**
   * Days a closed incident and its card records are kept (CLOSED_INCIDENT_RETENTION_DAYS).
   * @default 30
   */
  readonly closedIncidentRetentionDays?: number;
  /**
   * Days a member (email, name, mobile) is kept after its last member.upserted (MEMBER_RETENTION_DAYS).
   * @default 180
   */
  readonly memberRetentionDays?: number;
  /**
   * How old (or early) a DingTalk card click's signed timestamp may be (DINGTALK_CARD_CALLBACK_WINDOW_SECONDS).
   * @default 300
   */
  readonly cardCallbackWindowSeconds?: number;
  /**
   * Card clicks per user per minute before "slow down" (CARD_CLICKS_PER_USER_PER_MINUTE).
   * @default 10
   */
  readonly cardClicksPerUserPerMinute?: number;
  /**
   * Card clicks per incident per minute before "slow down" (CARD_CLICKS_PER_INCIDENT_PER_MINUTE).
   * @default 30
   */
  readonly cardClicksPerIncidentPerMinute?: number;
  /**
   * Salt of the email hashes in logs (LOG_EMAIL_HASH_SALT): with it, a hash in the logs cannot be
   * matched against a list of known addresses by someone who reads only the logs.
   * @default - no salt (hashes are plain SHA-256 prefixes)
   */
  readonly logEmailHashSalt?: string;
}

/** A RuntimeSettingsProps value that is not a positive number. */
export class InvalidRuntimeSettingError extends Error {
  override readonly name = 'InvalidRuntimeSettingError';
}

/** The environment variables of RuntimeSettingsProps; a bad number fails synthesis, not the first invocation. */
export function runtimeSettingsEnvironment(settings: RuntimeSettingsProps = {}): Record<string, string> {
  const numbers: [keyof RuntimeSettingsProps, string][] = [
    ['closedIncidentRetentionDays', 'CLOSED_INCIDENT_RETENTION_DAYS'],
    ['memberRetentionDays', 'MEMBER_RETENTION_DAYS'],
    ['cardCallbackWindowSeconds', 'DINGTALK_CARD_CALLBACK_WINDOW_SECONDS'],
    ['cardClicksPerUserPerMinute', 'CARD_CLICKS_PER_USER_PER_MINUTE'],
    ['cardClicksPerIncidentPerMinute', 'CARD_CLICKS_PER_INCIDENT_PER_MINUTE'],
  ];
  const env: Record<string, string> = {};
  for (const [prop, key] of numbers) {
    const value = settings[prop];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new InvalidRuntimeSettingError(`${prop} must be a positive number, got ${String(value)}`);
    env[key] = String(value);
  }
  if (settings.logEmailHashSalt) env.LOG_EMAIL_HASH_SALT = settings.logEmailHashSalt;
  return env;
}

/** Reserved concurrency of each callback function (the functions behind the platform routes). */
export const DEFAULT_CALLBACK_RESERVED_CONCURRENCY = 20;

/**
 * Most concurrent invocations each queue consumer's event source may start. Dispatch and
 * refresh-card call rate-limited platform APIs, so more instances would only wait.
 */
export const DEFAULT_QUEUE_MAX_CONCURRENCY: Readonly<Record<string, number>> = {
  'process-inbound': 10,
  notify: 10,
  'refresh-card': 5,
  dispatch: 5,
  // One-time code mails: a handful at a time is plenty, and it spares the SMTP server.
  'send-link-code': 2,
  // War Rooms: rooms open at human pace, and their DingTalk calls share dispatch's QPS slots.
  'war-room': 2,
  // Model answers are slow; a burst of questions must not take the account's concurrency.
  'bot-replies': 4,
  // Alert groups: a storm of alerts must not take the card workers' concurrency.
  'alert-incidents': 4,
  'alert-silences': 2,
  // Authorizations are rare (installs, changes, removals); two at a time keeps WeCom's token calls calm.
  'wecom-suite-auth': 2,
};

/** AWS's advice for a Lambda event source: visibility at least six times the function timeout. */
export const VISIBILITY_TO_TIMEOUT_RATIO = 6;

/** Function names that serve the platform callback routes. */
export const CALLBACK_FUNCTION_NAMES: readonly string[] = CALLBACK_URL_TEMPLATE_OUTPUTS.map((output) => output.functionName);

/** Metric the API access log's 429 answers are counted into (metric filter). */
export const API_THROTTLED_METRIC = 'ApiThrottledRequests';

export interface StatelessStackProps extends StackProps {
  /** Tables from the stateful stack, keyed by `TableDefinition.id` (StatefulStack.tables). */
  readonly tables: Readonly<Record<string, dynamodb.ITable>>;
  /** Queues keyed by `QueueDefinition.id` (StatefulStack.queues). */
  readonly queues: Readonly<Record<string, sqs.IQueue>>;
  /** Dead-letter queues keyed by the id of the queue they serve (StatefulStack.deadLetterQueues). */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /**
   * Dead-letter queues for the failed runs of scheduled functions, keyed by function name
   * (StatefulStack.scheduleDeadLetterQueues).
   * @default - scheduled functions have no dead-letter queue
   */
  readonly scheduleDeadLetterQueues?: Readonly<Record<string, sqs.IQueue>>;
  /**
   * Customer-managed key of the integration secrets (StatefulStack.secretsKey). Function roles
   * may decrypt with it only through Secrets Manager.
   * @default - secrets use the AWS managed key; no KMS grant is made
   */
  readonly secretsKey?: kms.IKey;
  /**
   * Topics every alarm of this stack notifies (StatefulStack.alarmTopics).
   * @default - alarms are created without actions
   */
  readonly alarmTopics?: readonly sns.ITopic[];
  /**
   * Let functions also read secrets named `<prefix>integrations/<id>`, the layout before the
   * platform segment. Such a secret cannot be told apart by platform, so each function that reads
   * either platform's secrets may read all of them (the other platform's new-layout secrets stay
   * denied). Turn off once every integration was re-added (`integrations add … --replace`).
   * @default true
   */
  readonly readLegacySecretNames?: boolean;
  /**
   * Public base URL of the HTTP API (e.g. a custom domain, `https://oncall.example.com`), given to
   * every function as PUBLIC_API_URL for the links it builds (the account-linking prompt).
   * @default - `https://<customDomain.domainName>` with a custom domain, else the HTTP API's own
   *   endpoint, `https://<api id>.execute-api.<region>.<url suffix>`
   */
  readonly publicApiUrl?: string;
  /**
   * Fixed outbound IPs: a VPC with NAT gateways on Elastic IPs, and the functions that call WeCom,
   * DingTalk, the model, SMTP or Alertmanager (`FunctionDefinition.egress`) in its private
   * subnets. Webhook receivers stay outside. Adds the EgressIps output (the IPs to allow-list).
   * Costs about $36.5 a month per NAT gateway and IP at global list prices, plus per-GB processing.
   * @default - no VPC: functions call out from Lambda's shared, changing addresses
   */
  readonly fixedEgress?: FixedEgressProps;
  /**
   * Serve the HTTP API at the root of your own domain (REGIONAL endpoint, ACM certificate) and
   * switch the `execute-api` endpoint off: in China, callbacks reach API Gateway only through an
   * ICP-filed custom domain, and WeCom wants the callback and trusted domain to be the verified
   * company's; the default endpoint would offer a way around both. The ApiUrl and callback URL
   * outputs then use `https://<domainName>/`; CustomDomainTarget is the name to CNAME to.
   * @default - the API is reached at its `execute-api` endpoint only
   */
  readonly customDomain?: CustomDomainProps;
  /**
   * The WeCom trusted-domain verification file the admin console hands out, e.g.
   * `WW_verify_AbCdEf123.txt`: served by the healthz function at `https://<domainName>/<file>`
   * with the code as its content. Needs `customDomain`, since WeCom checks the domain's root.
   * @default - no verification route
   */
  readonly wecomVerifyFile?: string;
  /**
   * SES identities (verified domains or addresses) the mail worker may send one-time codes from,
   * when an integration mails them through Amazon SES (`linking.emailCode.ses`). Name them to narrow
   * `ses:SendEmail` to those identities.
   * @default - any identity of the account in the stack's region (`identity/*`)
   */
  readonly sesIdentities?: readonly string[];
  /**
   * Powertools LOG_LEVEL of every function.
   * @default 'INFO'
   */
  readonly logLevel?: string;
  /**
   * Retention of the function and API access log groups (which are retained when the stack is
   * deleted).
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
   * Per-route throttling, keyed by route key; merged over `DEFAULT_ROUTE_THROTTLES`.
   * @default DEFAULT_ROUTE_THROTTLES
   */
  readonly routeThrottles?: Readonly<Record<string, ApiThrottleProps>>;
  /**
   * Reserved concurrency of each callback function: guarantees it capacity when queue consumers
   * are busy and caps it when a platform floods it. The account needs at least 100 unreserved
   * concurrent executions left over, so a new account with a low concurrency quota must ask for
   * more (or pass a smaller number).
   * @default DEFAULT_CALLBACK_RESERVED_CONCURRENCY (20)
   */
  readonly callbackReservedConcurrency?: number;
  /**
   * Most concurrent invocations per queue consumer (SQS event source `maxConcurrency`, 2–1000),
   * keyed by function name; merged over `DEFAULT_QUEUE_MAX_CONCURRENCY`.
   * @default DEFAULT_QUEUE_MAX_CONCURRENCY
   */
  readonly queueMaxConcurrency?: Readonly<Record<string, number>>;
  /**
   * Retention, card-click window and limits, log salt: see RuntimeSettingsProps.
   * @default - each function's own defaults
   */
  readonly runtimeSettings?: RuntimeSettingsProps;
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
 * Thrown when a queue's visibility timeout is shorter than six times its consumer's timeout
 * (AWS's advice: a message must not reappear while batches that hold it are still retried).
 */
export class QueueVisibilityTimeoutTooShortError extends Error {
  constructor(queue: QueueDefinition, consumer: FunctionDefinition) {
    super(
      `queue "${queue.id}" visibility timeout ${queue.visibilityTimeoutSeconds}s is shorter than ` +
        `${VISIBILITY_TO_TIMEOUT_RATIO} × function "${consumer.name}" timeout ${consumer.timeoutSeconds}s`,
    );
    this.name = 'QueueVisibilityTimeoutTooShortError';
  }
}

/** Thrown when an isolation setting names a route or function that does not exist, or is out of range. */
export class InvalidIsolationSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidIsolationSettingError';
  }
}

/** Thrown at synthesis when `wecomVerifyFile` is malformed or given without `customDomain`. */
export class InvalidWeComVerifyFileError extends Error {
  override readonly name = 'InvalidWeComVerifyFileError';
}

/** Throttle of the WeCom verification route: the console fetches the file once per check. */
export const WECOM_VERIFY_ROUTE_THROTTLE: Required<ApiThrottleProps> = { rateLimit: 1, burstLimit: 5 };

/** Key operations DynamoDB performs with a customer-managed table key on the caller's behalf. */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

function required<T>(map: Readonly<Record<string, T>>, kind: string, definitionId: string): T {
  const value = map[definitionId];
  if (value === undefined) throw new MissingStatefulResourceError(kind, definitionId);
  return value;
}

interface QueueBinding {
  readonly definition: QueueDefinition;
  /** The stateful stack's queue (its URL and ARN). */
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * Functions, HTTP API, permissions and the alarms on them. Holds no data, so it can be destroyed
 * and redeployed freely; the resources it uses come from the stateful stack.
 */
export class StatelessStack extends Stack {
  public readonly httpApi: apigatewayv2.HttpApi;
  public readonly defaultStage: apigatewayv2.HttpStage;
  /** Functions keyed by `FunctionDefinition.name`. */
  public readonly functions: Readonly<Record<string, DutyBridgeFunction>>;
  /** Secrets Manager name prefix of this deployment's integration secrets. */
  public readonly secretNamePrefix: string;
  /** IAM path of every function role (key policies admit the roles by this path). */
  public readonly functionRolePath: string;
  /** Every alarm of this stack, by construct id. */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  private readonly alarmsById: Record<string, cloudwatch.Alarm> = {};
  private readonly alarmTopics: readonly sns.ITopic[];

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.secretNamePrefix = `dutybridge/${this.stackName}/`;
    this.functionRolePath = functionRolePath(this.stackName);
    this.alarmTopics = props.alarmTopics ?? [];
    this.alarms = this.alarmsById;
    if (props.customDomain !== undefined) validateCustomDomain(props.customDomain, this.region);
    if (props.wecomVerifyFile !== undefined) {
      if (!WECOM_VERIFY_FILE_PATTERN.test(props.wecomVerifyFile)) {
        throw new InvalidWeComVerifyFileError(
          `wecomVerifyFile must be the file name the WeCom console gives, WW_verify_<letters and digits>.txt; got ${JSON.stringify(props.wecomVerifyFile)}`,
        );
      }
      if (props.customDomain === undefined) {
        throw new InvalidWeComVerifyFileError(
          'wecomVerifyFile needs customDomain: WeCom fetches the file from the root of the trusted domain, which the execute-api endpoint is not',
        );
      }
    }
    const fixedEgress = props.fixedEgress === undefined ? undefined : new FixedEgress(this, 'FixedEgress', props.fixedEgress);

    const tableBindings = tables.map((definition) => ({
      definition,
      table: required(props.tables, 'table', definition.id),
    }));
    const queueBindings: QueueBinding[] = queues.map((definition) => ({
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

    const settingsEnvironment = runtimeSettingsEnvironment(props.runtimeSettings);
    const reservedConcurrency = props.callbackReservedConcurrency ?? DEFAULT_CALLBACK_RESERVED_CONCURRENCY;
    if (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1) {
      throw new InvalidIsolationSettingError(`callbackReservedConcurrency must be a positive integer, got ${reservedConcurrency}`);
    }
    const maxConcurrency = { ...DEFAULT_QUEUE_MAX_CONCURRENCY, ...props.queueMaxConcurrency };
    for (const [name, value] of Object.entries(maxConcurrency)) {
      if (!functionDefinitions.some((definition) => definition.name === name && definition.queue !== undefined)) {
        throw new InvalidIsolationSettingError(`queueMaxConcurrency names "${name}", which consumes no queue`);
      }
      if (!Number.isInteger(value) || value < 2 || value > 1000) {
        throw new InvalidIsolationSettingError(`queueMaxConcurrency of "${name}" must be 2–1000, got ${value}`);
      }
    }

    const functionsByName: Record<string, DutyBridgeFunction> = {};
    for (const definition of functionDefinitions) {
      const scheduleDeadLetterQueue =
        definition.everyMinutes === undefined ? undefined : props.scheduleDeadLetterQueues?.[definition.name];
      const dutyBridgeFunction = new DutyBridgeFunction(this, constructIdFor(definition.name), {
        definition,
        environment: { ...settingsEnvironment, ...resourceEnvironment },
        logLevel: props.logLevel,
        logRetention: props.logRetention,
        tracing: props.tracing,
        rolePath: this.functionRolePath,
        reservedConcurrentExecutions: CALLBACK_FUNCTION_NAMES.includes(definition.name) ? reservedConcurrency : undefined,
        deadLetterQueue: scheduleDeadLetterQueue === undefined ? undefined : this.reference(scheduleDeadLetterQueue, `${constructIdFor(definition.name)}ScheduleDeadLetterQueue`),
        // A failed run is not retried: the schedule runs it again a minute later, and the failure
        // goes to the dead-letter queue (alarmed) instead of overlapping the next run.
        retryAttempts: definition.everyMinutes === undefined ? undefined : 0,
        vpcPlacement: definition.egress === true ? fixedEgress?.placement : undefined,
        codeOverrideForTests: props.codeOverrideForTests,
      });
      if (definition.egress === true) fixedEgress?.grantNetworkInterfaces(dutyBridgeFunction.role);
      this.grantAccess(dutyBridgeFunction, definition, tableBindings, queueBindings, props, scheduleDeadLetterQueue);
      if (definition.queue !== undefined) {
        this.subscribeToQueue(dutyBridgeFunction, definition, queueBindings, maxConcurrency[definition.name]);
      }
      if (definition.everyMinutes !== undefined) {
        new events.Rule(this, `${constructIdFor(definition.name)}Schedule`, {
          description: `Runs ${definition.name} every ${definition.everyMinutes} minute(s)`,
          schedule: events.Schedule.rate(Duration.minutes(definition.everyMinutes)),
          targets: [new eventsTargets.LambdaFunction(dutyBridgeFunction.function, { retryAttempts: 0 })],
        });
      }
      this.createFunctionAlarms(dutyBridgeFunction, definition);
      functionsByName[definition.name] = dutyBridgeFunction;
    }
    this.functions = functionsByName;

    const { httpApi, defaultStage } = this.createHttpApi(props);
    this.httpApi = httpApi;
    // One dashboard and the alarms that go with it, beside the resources they watch (issue 17).
    new OperationsDashboard(this, 'OperationsDashboard', {
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, fn]) => [name, fn.function])),
      httpApi,
      queues: props.queues,
      deadLetterQueues: props.deadLetterQueues,
      alarmTopics: this.alarmTopics,
    });
    this.defaultStage = defaultStage;
    const customDomain =
      props.customDomain === undefined
        ? undefined
        : new ApiCustomDomain(this, 'CustomDomain', { ...props.customDomain, api: httpApi, stage: defaultStage });
    const apiUrl = customDomain?.url ?? defaultStage.url;
    // Every function may build a link to the API (the account-linking prompt). The API resource
    // itself does not depend on the functions (only its routes and integrations do), so its
    // endpoint in their environment makes no dependency cycle.
    // A bad custom URL fails synthesis (ConfigurationError), not every function's first invocation.
    // With a custom domain the execute-api endpoint is switched off, so links must use the domain.
    const defaultPublicApiUrl = props.customDomain === undefined ? httpApi.apiEndpoint : `https://${props.customDomain.domainName}`;
    const publicApiUrl = props.publicApiUrl === undefined ? defaultPublicApiUrl : readPublicApiUrl({ [PUBLIC_API_URL_ENV]: props.publicApiUrl }) ?? defaultPublicApiUrl;
    for (const fn of Object.values(functionsByName)) fn.function.addEnvironment(PUBLIC_API_URL_ENV, publicApiUrl);

    new CfnOutput(this, API_URL_OUTPUT_KEY, {
      description: 'Base URL of the dutybridge HTTP API',
      value: apiUrl,
    });
    for (const { outputKey, functionName } of CALLBACK_URL_TEMPLATE_OUTPUTS) {
      new CfnOutput(this, outputKey, {
        description: `Callback URL of ${functionName}; replace {integrationId}`,
        value: `${apiUrl}${callbackRoutePath(functionName)}`,
      });
    }
    if (customDomain !== undefined) {
      new CfnOutput(this, CUSTOM_DOMAIN_TARGET_OUTPUT_KEY, {
        description: `Regional API Gateway name ${props.customDomain?.domainName} must point to (CNAME) when its DNS is not in Route 53`,
        value: customDomain.domainName.regionalDomainName,
      });
    }
    if (fixedEgress !== undefined) {
      new CfnOutput(this, EGRESS_IPS_OUTPUT_KEY, { description: fixedEgress.egressIpsDescription, value: fixedEgress.egressIps });
    }
    for (const [envKey, value] of Object.entries(resourceEnvironment)) {
      new CfnOutput(this, outputKeyForEnv(envKey), { description: `Value of ${envKey}`, value });
    }
    if (props.secretsKey !== undefined) {
      new CfnOutput(this, SECRETS_KEY_ARN_OUTPUT_KEY, {
        description: 'KMS key the CLI encrypts new integration secrets with (CreateSecret KmsKeyId)',
        value: props.secretsKey.keyArn,
      });
    }
  }

  /**
   * Two zones from `Fn::GetAZs`, also when the stack has a concrete env: the fixedEgress VPC would
   * otherwise need the `availability-zones` context, which synthesis looks up with AWS credentials
   * and `cdk synth -c` cannot pass (strings only). The template stays valid in every region.
   */
  public override get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }

  /**
   * A reference to a stateful queue that carries no KMS key: CDK's queue grants would otherwise
   * add the key's operations without a `kms:ViaService` condition. The key grants are made
   * explicitly, through SQS only.
   */
  private reference(queue: sqs.IQueue, id: string): sqs.IQueue {
    return sqs.Queue.fromQueueAttributes(this, `${id}Ref`, { queueArn: queue.queueArn, queueUrl: queue.queueUrl });
  }

  /**
   * How cdk-nag writes this stack's region and account in a finding's ARN: the placeholders for an
   * environment-agnostic stack (bin/app.ts), the literals when the stack has a concrete env (the
   * China synth, `npm run synth`). An acknowledgement must name the finding exactly.
   */
  private nagRegionAccount(): string {
    const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
    const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
    return `${region}:${account}`;
  }

  private viaService(service: string): Record<string, Record<string, string>> {
    return { StringEquals: { 'kms:ViaService': `${service}.${this.region}.${this.urlSuffix}` } };
  }

  /** The function's whole data-plane policy, from `definition.access` (shared/config/functions.ts). */
  private grantAccess(
    dutyBridgeFunction: DutyBridgeFunction,
    definition: FunctionDefinition,
    tableBindings: readonly { definition: TableDefinition; table: dynamodb.ITable }[],
    queueBindings: readonly QueueBinding[],
    props: StatelessStackProps,
    scheduleDeadLetterQueue: sqs.IQueue | undefined,
  ): void {
    const { access } = definition;
    const role = dutyBridgeFunction.role;
    const acknowledgements: { id: string; reason: string }[] = [];

    // DynamoDB: one statement per set of partition-key patterns, with the actions allowed on it.
    if (access.state.length > 0) {
      const [{ definition: tableDefinition, table }] = tableBindings;
      const actionsByKeys = new Map<string, Set<TableAction>>();
      const actionsByIndex = new Map<string, Set<TableAction>>();
      for (const keySpace of access.state) {
        if (keySpace.index !== undefined) {
          if (!tableDefinition.globalSecondaryIndexes.some((index) => index.indexName === keySpace.index)) {
            throw new InvalidIsolationSettingError(`${definition.name} names index "${keySpace.index}", which the table lacks`);
          }
          const actions = actionsByIndex.get(keySpace.index) ?? new Set<TableAction>();
          keySpace.actions.forEach((action) => actions.add(action));
          actionsByIndex.set(keySpace.index, actions);
          continue;
        }
        for (const action of keySpace.actions) {
          for (const partitionKey of keySpace.partitionKeys) {
            const actions = actionsByKeys.get(partitionKey) ?? new Set<TableAction>();
            actions.add(action);
            actionsByKeys.set(partitionKey, actions);
          }
        }
      }
      // Regroup: partition keys that share exactly the same actions go into one statement.
      const keysByActions = new Map<string, string[]>();
      for (const [partitionKey, actions] of actionsByKeys) {
        const signature = [...actions].sort().join(',');
        keysByActions.set(signature, [...(keysByActions.get(signature) ?? []), partitionKey]);
      }
      for (const [signature, partitionKeys] of [...keysByActions].sort(([a], [b]) => a.localeCompare(b))) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: signature.split(',').map((action) => `dynamodb:${action}`),
            resources: [table.tableArn],
            // ForAllValues: every key the request touches must match one of the patterns.
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitionKeys.sort() } },
          }),
        );
      }
      for (const [indexName, actions] of actionsByIndex) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: [...actions].sort().map((action) => `dynamodb:${action}`),
            resources: [`${table.tableArn}/index/${indexName}`],
          }),
        );
      }
      if (table.encryptionKey !== undefined) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: TABLE_KEY_ACTIONS,
            resources: [table.encryptionKey.keyArn],
            conditions: this.viaService('dynamodb'),
          }),
        );
        acknowledgements.push(
          {
            id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
            reason:
              `${definition.name} writes items DynamoDB encrypts with the data key; the statement names that one key ` +
              'and holds only through DynamoDB (kms:ViaService).',
          },
          {
            id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
            reason:
              `DynamoDB re-encrypts table data keys with the customer-managed key on ${definition.name}'s behalf; ` +
              'the statement names that one key and holds only through DynamoDB (kms:ViaService).',
          },
        );
      }
    }

    // SQS: send to the declared queues and dead-letter queues; the event source adds consumption.
    const bindingOf = (queue: QueueDefinition): QueueBinding => {
      const binding = queueBindings.find((candidate) => candidate.definition.id === queue.id);
      if (binding === undefined) throw new MissingStatefulResourceError('queue', queue.id);
      return binding;
    };
    const sendTargets = [
      ...access.sendsTo.map((queue) => bindingOf(queue).queue),
      ...access.deadLettersFor.map((queue) => bindingOf(queue).deadLetterQueue),
    ];
    if (sendTargets.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: sendTargets.map((queue) => queue.queueArn) }),
      );
    }
    const usedQueues = [...sendTargets];
    if (definition.queue !== undefined) usedQueues.push(bindingOf(definition.queue).queue);
    if (scheduleDeadLetterQueue !== undefined) usedQueues.push(scheduleDeadLetterQueue);
    const queueKeyArns = [
      ...new Set(
        usedQueues.flatMap((queue) => (queue.encryptionMasterKey === undefined ? [] : [queue.encryptionMasterKey.keyArn])),
      ),
    ];
    if (queueKeyArns.length > 0) {
      const sends = sendTargets.length > 0 || scheduleDeadLetterQueue !== undefined;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: sends ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
          resources: queueKeyArns,
          conditions: this.viaService('sqs'),
        }),
      );
    }

    // Secrets Manager: the secrets of the platforms the function serves, nothing else.
    if (access.secretsOf.length > 0) {
      const secretArn = (path: string) =>
        this.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          // Secrets Manager appends a random "-xxxxxx" suffix to every secret ARN, so even a
          // known name needs a trailing wildcard.
          resourceName: `${this.secretNamePrefix}${path}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        });
      const readLegacy = props.readLegacySecretNames ?? true;
      const paths = access.secretsOf.map((platform) => `${integrationSecretsPath(platform)}`);
      if (readLegacy) paths.push(integrationSecretsPath());
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: paths.map(secretArn) }),
      );
      const otherPlatforms = (['wecom', 'dingtalk'] as const).filter((platform) => !access.secretsOf.includes(platform));
      if (readLegacy && otherPlatforms.length > 0) {
        // The legacy pattern also matches the other platform's new-layout secrets: deny those.
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            effect: iam.Effect.DENY,
            actions: ['secretsmanager:GetSecretValue'],
            resources: otherPlatforms.map((platform) => secretArn(integrationSecretsPath(platform))),
          }),
        );
      }
      for (const path of paths) {
        acknowledgements.push({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${this.nagRegionAccount()}:secret:${this.secretNamePrefix}${path}*]`,
          reason: secretReason(definition.name, path, access.secretsOf),
        });
      }
      if (props.secretsKey !== undefined) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [props.secretsKey.keyArn],
            conditions: this.viaService('secretsmanager'),
          }),
        );
      }
    }

    // Alert sources' secrets (issue 18): only the functions that authenticate webhooks or call a
    // source's Alertmanager read `sources/*`.
    if (access.sourceSecrets === true) {
      const path = alertSourceSecretsPath();
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [
            this.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${this.secretNamePrefix}${path}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          ],
        }),
      );
      acknowledgements.push({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${this.nagRegionAccount()}:secret:${this.secretNamePrefix}${path}*]`,
        reason: `${definition.name} reads the secret of the alert source named in the request (sources/<id>, suffixed by Secrets Manager); sources are added at run time, so the names are not known at deploy time`,
      });
      if (props.secretsKey !== undefined) {
        role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.secretsKey.keyArn], conditions: this.viaService('secretsmanager') }));
      }
    }

    // WeCom suites' secrets (issue 16): read for suite tokens and callback decryption; the
    // functions that apply authorizations also write the per-corp permanent codes.
    if (access.suiteSecrets !== undefined) {
      const path = suiteSecretsPath();
      const suiteArn = (resourceName: string) =>
        this.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [suiteArn(`${this.secretNamePrefix}${path}*`)] }));
      acknowledgements.push({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${this.nagRegionAccount()}:secret:${this.secretNamePrefix}${path}*]`,
        reason: `${definition.name} reads the secret of the WeCom suite named in the request or integration (suites/<suiteId>, and its corps' permanent codes); suites and corps are added at run time`,
      });
      if (access.suiteSecrets === 'write') {
        const corpPattern = `${this.secretNamePrefix}${path}*/corps/*`;
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:RestoreSecret'], resources: [suiteArn(corpPattern)] }),
        );
        acknowledgements.push({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${this.nagRegionAccount()}:secret:${corpPattern}]`,
          reason: `${definition.name} stores the permanent code of a corp that authorized the suite (suites/<suiteId>/corps/<corpId>); corps authorize at run time`,
        });
      }
      // kms:Decrypt through Secrets Manager comes with the integration secrets when the function has
      // them; writing a new corp secret also needs a data key.
      const readsIntegrationSecrets = access.secretsOf.length > 0 || access.sourceSecrets === true;
      if (props.secretsKey !== undefined && (access.suiteSecrets === 'write' || !readsIntegrationSecrets)) {
        const actions = access.suiteSecrets === 'write' ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'];
        role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [props.secretsKey.keyArn], conditions: this.viaService('secretsmanager') }));
      }
    }

    // Amazon SES: only functions declaring `sesSend` (the mail worker), only SendEmail, only on the
    // identities named by `sesIdentities` (the From addresses are integration settings, unknown here).
    if (access.sesSend === true) {
      const identities = props.sesIdentities?.length ? props.sesIdentities : ['*'];
      const identityArns = identities.map((identity) =>
        this.formatArn({ service: 'ses', resource: 'identity', resourceName: identity, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      );
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: identityArns }));
      if (identities.includes('*')) {
        acknowledgements.push({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:${this.nagRegionAccount()}:identity/*]`,
          reason:
            `${definition.name} mails one-time codes From addresses that are integration settings, so the identity is ` +
            'not known at deploy time; only ses:SendEmail, in this account and region (narrow it with sesIdentities).',
        });
      }
    }

    // cdk-nag reports one finding per wildcard; each acknowledgement names exactly one of them,
    // says why for this function, and applies to this function's role (and its policy) only.
    if (acknowledgements.length > 0) Validations.of(role).acknowledge(...acknowledgements);
  }

  private subscribeToQueue(
    dutyBridgeFunction: DutyBridgeFunction,
    definition: FunctionDefinition,
    queueBindings: readonly QueueBinding[],
    maxConcurrency: number | undefined,
  ): void {
    const queueDefinition = definition.queue as QueueDefinition;
    if (queueDefinition.visibilityTimeoutSeconds < VISIBILITY_TO_TIMEOUT_RATIO * definition.timeoutSeconds) {
      throw new QueueVisibilityTimeoutTooShortError(queueDefinition, definition);
    }
    if (maxConcurrency === undefined) {
      throw new InvalidIsolationSettingError(`no queueMaxConcurrency for queue consumer "${definition.name}"`);
    }
    const binding = queueBindings.find((candidate) => candidate.definition.id === queueDefinition.id);
    if (binding === undefined) throw new MissingStatefulResourceError('queue', queueDefinition.id);
    dutyBridgeFunction.function.addEventSource(
      new SqsEventSource(this.reference(binding.queue, `${constructIdFor(queueDefinition.id)}Queue`), {
        batchSize: queueDefinition.batchSize,
        maxConcurrency,
        // Handlers return batchItemFailures so one bad message does not redeliver the batch.
        reportBatchItemFailures: true,
      }),
    );
  }

  private addAlarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, props);
    for (const topic of this.alarmTopics) alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
    this.alarmsById[id] = alarm;
    return alarm;
  }

  /** Errors and throttles of one function, each alarmed on any occurrence within 5 minutes. */
  private createFunctionAlarms(dutyBridgeFunction: DutyBridgeFunction, definition: FunctionDefinition): void {
    const fn = dutyBridgeFunction.function;
    const common = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    this.addAlarm(`${constructIdFor(definition.name)}ErrorsAlarm`, {
      ...common,
      alarmDescription: `${definition.name} failed (uncaught error or timeout)`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    });
    this.addAlarm(`${constructIdFor(definition.name)}ThrottlesAlarm`, {
      ...common,
      alarmDescription: `${definition.name} was throttled (reserved or account concurrency exhausted)`,
      metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    });
  }

  private createHttpApi(props: StatelessStackProps): {
    httpApi: apigatewayv2.HttpApi;
    defaultStage: apigatewayv2.HttpStage;
  } {
    const httpApi = new apigatewayv2.HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'dutybridge: WeCom and DingTalk callbacks, health probe',
      createDefaultStage: false,
      // With a custom domain, only the domain may reach the API (ICP in China, WeCom's verified
      // domain): the execute-api URL would bypass it. Left unset otherwise (template unchanged).
      disableExecuteApiEndpoint: props.customDomain === undefined ? undefined : true,
    });
    const accessLogGroup = new logs.LogGroup(this, 'ApiAccessLogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const defaultStage = httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle?.rateLimit ?? 100, burstLimit: props.throttle?.burstLimit ?? 200 },
      accessLogSettings: {
        destination: new apigatewayv2.LogGroupLogDestination(accessLogGroup),
        // JSON with a numeric status, so a metric filter can count the 429s (HTTP APIs publish no
        // throttle metric of their own).
        format: apigateway.AccessLogFormat.custom(
          '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime",' +
            '"routeKey":"$context.routeKey","status":$context.status,"responseLength":"$context.responseLength",' +
            '"integrationError":"$context.integrationErrorMessage"}',
        ),
      },
    });

    const routeThrottles: Record<string, ApiThrottleProps> = { ...DEFAULT_ROUTE_THROTTLES };
    for (const [routeKey, throttle] of Object.entries(props.routeThrottles ?? {})) {
      routeThrottles[routeKey] = { ...routeThrottles[routeKey], ...throttle };
    }
    const routeKeys = functionDefinitions.flatMap((definition) =>
      (definition.routes ?? []).map((route) => `${route.method} ${route.path}`),
    );
    for (const routeKey of Object.keys(routeThrottles)) {
      if (!routeKeys.includes(routeKey)) throw new InvalidIsolationSettingError(`routeThrottles names unknown route "${routeKey}"`);
    }

    const cfnStage = defaultStage.node.defaultChild as apigatewayv2.CfnStage;
    const routeSettings: Record<string, { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }> = {};
    const integrations: Record<string, HttpLambdaIntegration> = {};
    for (const definition of functionDefinitions) {
      if (definition.routes === undefined || definition.routes.length === 0) continue;
      const integration = new HttpLambdaIntegration(
        `${constructIdFor(definition.name)}Integration`,
        this.functions[definition.name].function,
      );
      integrations[definition.name] = integration;
      for (const route of definition.routes) {
        const [httpRoute] = httpApi.addRoutes({
          path: route.path,
          methods: [apigatewayv2.HttpMethod[route.method]],
          integration,
        });
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason: route.path.startsWith('/ingest/')
            ? 'Alertmanager, Grafana and incident systems post here with the source’s own credential ' +
              '(Authorization: Bearer, or an HMAC-SHA256 signature with a timestamp), checked inside the ' +
              'handler against the source’s secret; API Gateway authorizers cannot read per-source secrets.'
            : 'WeCom and DingTalk call these URLs without any API Gateway credentials; each request is ' +
              'authenticated inside the handler by the platform signature (WeCom msg_signature, DingTalk ' +
              'timestamp+sign) and the health probe exposes nothing.',
        });
        const throttle = routeThrottles[`${route.method} ${route.path}`];
        if (throttle !== undefined) {
          routeSettings[`${route.method} ${route.path}`] = {
            ThrottlingRateLimit: throttle.rateLimit,
            ThrottlingBurstLimit: throttle.burstLimit,
          };
          // Route settings refer to the route by key: the stage must be updated after it exists.
          defaultStage.node.addDependency(httpRoute);
        }
      }
    }
    if (props.wecomVerifyFile !== undefined) {
      // A literal path: API Gateway path variables are whole segments, so `WW_verify_{code}.txt`
      // cannot be a pattern, and a catch-all `/{file}` would send every probe to a function.
      const routeKey = `GET /${props.wecomVerifyFile}`;
      const [verifyRoute] = httpApi.addRoutes({
        path: `/${props.wecomVerifyFile}`,
        methods: [apigatewayv2.HttpMethod.GET],
        integration: integrations.healthz,
      });
      Validations.of(verifyRoute).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'WeCom fetches its domain verification file anonymously; the route answers one fixed, public code ' +
          '(the one the WeCom console shows) and nothing else.',
      });
      this.functions.healthz.function.addEnvironment(WECOM_VERIFY_FILE_ENV, props.wecomVerifyFile);
      routeSettings[routeKey] = {
        ThrottlingRateLimit: WECOM_VERIFY_ROUTE_THROTTLE.rateLimit,
        ThrottlingBurstLimit: WECOM_VERIFY_ROUTE_THROTTLE.burstLimit,
      };
      defaultStage.node.addDependency(verifyRoute);
    }
    cfnStage.addPropertyOverride('RouteSettings', routeSettings);

    const common = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    this.addAlarm('Api5xxAlarm', {
      ...common,
      alarmDescription: 'The HTTP API answered 5xx: platform callbacks are failing (or 503 while a duplicate is in flight)',
      metric: defaultStage.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    });
    // Per-deployment namespace: metric filters cannot add a constant dimension.
    const throttled = new logs.MetricFilter(this, 'ApiThrottledFilter', {
      logGroup: accessLogGroup,
      filterPattern: logs.FilterPattern.numberValue('$.status', '=', 429),
      metricNamespace: apiMetricsNamespace(this.stackName),
      metricName: API_THROTTLED_METRIC,
      metricValue: '1',
    });
    this.addAlarm('Api429Alarm', {
      ...common,
      alarmDescription: 'The HTTP API throttled requests (429): a route or the stage hit its rate limit',
      metric: throttled.metric({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    });
    return { httpApi, defaultStage };
  }
}

/** Namespace of the metrics counted from a deployment's API access log. */
export function apiMetricsNamespace(stackName: string): string {
  return `${METRICS_NAMESPACE}/Api/${stackName}`;
}

/** IAM path of a deployment's function roles: `/dutybridge/<stack name>/`. */
export function functionRolePath(stackName: string): string {
  return `/dutybridge/${stackName}/`;
}

function secretReason(functionName: string, path: string, platforms: readonly Platform[]): string {
  const platformOf = (['wecom', 'dingtalk'] as const).find((platform) => path === integrationSecretsPath(platform));
  if (platformOf !== undefined) {
    return (
      `${functionName} reads the secrets of ${platformOf === 'wecom' ? 'WeCom' : 'DingTalk'} integrations, which are ` +
      'added at runtime under this name prefix; Secrets Manager appends a random suffix to every secret ARN, so ' +
      'individual ARNs are unknown at deploy time.'
    );
  }
  return (
    `${functionName} reads secrets named before the platform segment existed (<prefix>integrations/<id>); the ` +
    `pattern also matches new-layout secrets, so those of platforms other than ${platforms.join(' and ')} are ` +
    'denied in the same policy. Switched off by readLegacySecretNames: false.'
  );
}
