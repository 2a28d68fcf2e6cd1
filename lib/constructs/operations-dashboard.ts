import { Duration, Stack } from 'aws-cdk-lib';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/config/alarms';
import { functionDefinitions } from '../../shared/config/functions';
import { DELIVERIES_DROPPED_METRIC, DELIVERY_METRICS, PLATFORM_DIMENSION, QUOTA_USED_PERCENT_METRIC, WEBHOOK_QUOTA_USED_PERCENT_METRIC } from '../../shared/runtime/delivery-metrics';
import { constructIdFor } from '../naming';

/** How long a platform waits for a callback's answer, and what it does past that. */
export interface CallbackDeadline {
  readonly platform: 'WeCom' | 'DingTalk';
  readonly deadlineMs: number;
  /** The platform rule, cited in the alarm description. */
  readonly rule: string;
}

/** The platforms' answer deadlines by callback function (WeCom DOC-90930, DingTalk card callbacks answered within 2 s). */
export const CALLBACK_DEADLINES: Readonly<Record<string, CallbackDeadline>> = {
  'wecom-callback': { platform: 'WeCom', deadlineMs: 5000, rule: 'WeCom drops the connection after 5 s and retries up to 3 times, and may discard callbacks of a slow server (DOC-90930)' },
  'wecom-bot': { platform: 'WeCom', deadlineMs: 5000, rule: 'WeCom drops a smart bot callback after 5 s; template-card events are sent once and then lost (DOC-101027)' },
  'dingtalk-events': { platform: 'DingTalk', deadlineMs: 2500, rule: 'DingTalk expects HTTP-push events answered within 2.5 s and retries at +10 s and +30 s' },
  // Suite authorization events must be answered `success` within 1000 ms (DOC-100964).
  'wecom-suite-command': { platform: 'WeCom', deadlineMs: 1000, rule: 'WeCom wants the literal success within 1000 ms for suite authorization events, else it logs an error and retries (DOC-100964, DOC-90613)' },
  'wecom-suite-data': { platform: 'WeCom', deadlineMs: 5000, rule: 'A suite data callback is answered like the custom app’s: within 5 s, else WeCom retries up to 3 times (DOC-91116)' },
  'dingtalk-cards': { platform: 'DingTalk', deadlineMs: 2000, rule: 'DingTalk wants a card click answered within 2 s ("请在 2 秒内完成业务处理并响应"), or the clicker sees an error' },
};

/** Alarms fire at this share of a platform deadline, leaving room for what a measurement misses. */
const DEADLINE_ALARM_SHARE = 0.8;

export interface OperationsDashboardProps {
  /** Functions keyed by `FunctionDefinition.name` (StatelessStack.functions, each `.function`). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The HTTP API: its id names the route latency metrics when `callbackLatency` is 'route'. */
  readonly httpApi: apigatewayv2.IHttpApi;
  /**
   * Stage whose route metrics are read when `callbackLatency` is 'route'.
   * @default '$default'
   */
  readonly stageName?: string;
  /** Queues keyed by `QueueDefinition.id` (StatefulStack.queues): depth and oldest-message age. */
  readonly queues: Readonly<Record<string, sqs.IQueue>>;
  /** Dead-letter queues keyed by the id of the queue they serve (StatefulStack.deadLetterQueues): depth only, the stateful stack alarms on them. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /**
   * Topics every alarm of the dashboard notifies (StatefulStack.alarmTopics).
   * @default - alarms without actions
   */
  readonly alarmTopics?: readonly sns.ITopic[];
  /**
   * Namespace of the application metrics (the functions' POWERTOOLS_METRICS_NAMESPACE).
   * @default 'DutyBridge'
   */
  readonly metricsNamespace?: string;
  /**
   * Name of the CloudWatch dashboard.
   * @default '<stack name>-operations'
   */
  readonly dashboardName?: string;
  /**
   * Where callback latency is read. 'function': the callback function's Duration (free, always
   * published; misses API Gateway's few ms and a cold start's Init Duration). 'route': API
   * Gateway's Latency of each callback route, end to end, which API Gateway publishes only for
   * routes with DetailedMetricsEnabled (billed as custom metrics).
   * @default 'function'
   */
  readonly callbackLatency?: 'function' | 'route';
  /**
   * Callback deadlines by function name; functions absent from `functions` are skipped.
   * @default CALLBACK_DEADLINES
   */
  readonly callbackDeadlines?: Readonly<Record<string, CallbackDeadline>>;
}

/**
 * One CloudWatch dashboard of dutybridge's operations and the alarms that are not elsewhere:
 * callback latency against each platform deadline, DingTalk quota at 90 %, delivery failure rate
 * per platform. Lambda errors and throttles (StatelessStack) and DLQ depth and message age
 * (StatefulStack) are alarmed per resource already, so they are only graphed here. Only metrics
 * every partition publishes (no AsyncEvent* metrics, no X-Ray), so it works in aws-cn too.
 */
export class OperationsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** The alarms this construct adds, by construct id. */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  private readonly namespace: string;
  private readonly alarmsById: Record<string, cloudwatch.Alarm> = {};

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    this.namespace = props.metricsNamespace ?? METRICS_NAMESPACE;
    this.alarms = this.alarmsById;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(6),
    });
    const wide = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });

    // Deliveries: what reached people, per platform (one record per recipient or card update).
    const platforms = [['wecom', 'WeCom'], ['dingtalk', 'DingTalk']] as const;
    this.dashboard.addWidgets(
      ...platforms.map(([platform, label]) =>
        new cloudwatch.GraphWidget({
          title: `${label} deliveries (per recipient, 5 min)`,
          left: (['sent', 'failed', 'throttled'] as const).map((kind) => this.custom(DELIVERY_METRICS[kind], 'Sum', { [PLATFORM_DIMENSION]: platform }).with({ label: kind })),
          width: 8,
          height: 6,
        }),
      ),
      new cloudwatch.GraphWidget({
        title: 'Cards stale (WeCom: no response code left) and deliveries dropped',
        left: [this.custom(DELIVERY_METRICS.stale, 'Sum', { [PLATFORM_DIMENSION]: 'wecom' }), this.custom(DELIVERIES_DROPPED_METRIC, 'Sum')],
        width: 8,
        height: 6,
      }),
    );
    for (const [platform, label] of platforms) this.failureRateAlarm(platform, label, props.alarmTopics);

    // DingTalk quota: the gauge between the stateful stack's one-shot 80/95/100 % alarms.
    const quotaUsed = [QUOTA_USED_PERCENT_METRIC, WEBHOOK_QUOTA_USED_PERCENT_METRIC].map((name) => this.custom(name, 'Maximum'));
    this.dashboard.addWidgets(
      wide('DingTalk monthly quota used (%, busiest org)', quotaUsed, {
        leftYAxis: { min: 0, max: 100, showUnits: false },
        leftAnnotations: [{ value: 90, label: 'alarm' }, { value: 95, label: 'Critical only', color: cloudwatch.Color.ORANGE }, { value: 100, label: 'calls stop', color: cloudwatch.Color.RED }],
      }),
      new cloudwatch.TextWidget({
        width: 12,
        height: 6,
        markdown: [
          '### Reading this dashboard',
          '* Deliveries count one per recipient (or card update) from the operation log; `npx dutybridge oplog --since 1h` shows each with its reason and fix.',
          '* Quota: the busiest org after its last counted call; the stateful stack also alarms once a month at 80, 95 and 100 %.',
          '* Latency: p99 per callback against the platform deadline (red); the alarm line is 80 % of it.',
          '* Dead letters, message age, Lambda errors and throttles are alarmed per resource by the stacks; here they are only graphed.',
        ].join('\n'),
      }),
    );
    this.addAlarm('DingTalkQuota90Alarm', props.alarmTopics, {
      alarmDescription:
        'A DingTalk org used 90 % or more of a monthly quota (API calls, or the Webhook & Stream quota of group bots). At 95 % only ' +
        'Critical incidents are sent one by one and the rest go into digests; at 100 % calls stop until the next China-time month. ' +
        'Buy more calls or add-ons for the org and raise the integration’s limits (`integrations add dingtalk … --replace` with ' +
        '--edition, --development-add-ons or --monthly-quota / --monthly-webhook-quota), or cut what is sent to it. ' +
        'The alarm holds until the first call of the next month.',
      metric: new cloudwatch.MathExpression({ expression: 'MAX([api, webhook])', usingMetrics: { api: quotaUsed[0], webhook: quotaUsed[1] }, label: 'quota used %', period: Duration.minutes(5) }),
      threshold: 90,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Usage only moves when calls are made: silence keeps the last state instead of clearing it.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });

    // Callback latency against each platform's deadline.
    const latencyWidgets: cloudwatch.IWidget[] = [];
    for (const [name, deadline] of Object.entries(props.callbackDeadlines ?? CALLBACK_DEADLINES)) {
      const fn = props.functions[name];
      if (fn === undefined) continue;
      const latency = this.callbackLatency(name, fn, props);
      const threshold = Math.round(deadline.deadlineMs * DEADLINE_ALARM_SHARE);
      latencyWidgets.push(
        new cloudwatch.GraphWidget({
          title: `${name} p99 latency (ms)`,
          left: [latency.with({ label: `${name} p99` })],
          leftYAxis: { min: 0, showUnits: false },
          leftAnnotations: [{ value: threshold, label: 'alarm (80 %)', color: cloudwatch.Color.ORANGE }, { value: deadline.deadlineMs, label: `${deadline.platform} deadline`, color: cloudwatch.Color.RED }],
          width: 6,
          height: 6,
        }),
      );
      this.addAlarm(`${constructIdFor(name)}LatencyAlarm`, props.alarmTopics, {
        alarmDescription:
          `${name} answered ${deadline.platform} in more than ${threshold} ms (p99, 3 of 5 minutes): 80 % of the ${deadline.deadlineMs} ms deadline. ` +
          `${deadline.rule}. Read the slow invocations in the function’s log (REPORT lines, Init Duration for cold starts); raise its memory, ` +
          'or add provisioned concurrency when cold starts dominate, and check DynamoDB and Secrets Manager latency.',
        metric: latency,
        threshold,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    if (latencyWidgets.length > 0) this.dashboard.addWidgets(...latencyWidgets);

    // Queues: backlog and dead letters (alarmed per queue in the stateful stack).
    const queues = this.byArn(props.queues, 'Queue');
    const deadLetterQueues = this.byArn(props.deadLetterQueues, 'DeadLetterQueue');
    const perQueue = (byId: [string, sqs.IQueue][], metric: (queue: sqs.IQueue) => cloudwatch.Metric) =>
      byId.map(([queueId, queue]) => metric(queue).with({ label: queueId, period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Dead-letter queue depth (messages)', left: perQueue(deadLetterQueues, (q) => q.metricApproximateNumberOfMessagesVisible()), width: 8, height: 6 }),
      new cloudwatch.GraphWidget({ title: 'Queue depth (messages)', left: perQueue(queues, (q) => q.metricApproximateNumberOfMessagesVisible()), width: 8, height: 6 }),
      new cloudwatch.GraphWidget({ title: 'Oldest message age (s)', left: perQueue(queues, (q) => q.metricApproximateAgeOfOldestMessage()), width: 8, height: 6 }),
    );

    // Functions: errors and throttles (each alarmed on its own in the stateless stack).
    const perFunction = (metric: (fn: lambda.IFunction) => cloudwatch.Metric) =>
      Object.entries(props.functions).map(([name, fn]) => metric(fn).with({ label: name, period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }));
    this.dashboard.addWidgets(
      wide('Lambda errors (5 min)', perFunction((fn) => fn.metricErrors())),
      wide('Lambda throttles (5 min)', perFunction((fn) => fn.metricThrottles())),
    );
  }

  /** A dutybridge application metric: Powertools adds the `service` dimension to every one. */
  private custom(metricName: string, statistic: 'Sum' | 'Maximum', dimensions: Record<string, string> = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { service: SERVICE_NAME, ...dimensions },
      statistic: statistic === 'Sum' ? cloudwatch.Stats.SUM : cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(5),
    });
  }

  private callbackLatency(name: string, fn: lambda.IFunction, props: OperationsDashboardProps): cloudwatch.Metric {
    // No label: a labelled metric would turn the alarm into a metric-math query.
    const common = { statistic: cloudwatch.Stats.p(99), period: Duration.minutes(1) };
    if ((props.callbackLatency ?? 'function') === 'function') return fn.metricDuration(common);
    // The POST route is the one the platform times (GET is WeCom's one-off URL check).
    const route = functionDefinitions.find((definition) => definition.name === name)?.routes?.find((candidate) => candidate.method === 'POST');
    if (route === undefined) throw new MissingCallbackRouteError(name);
    return new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName: 'Latency',
      dimensionsMap: { ApiId: props.httpApi.apiId, Stage: props.stageName ?? '$default', Route: `POST ${route.path}` },
      ...common,
    });
  }

  /**
   * The queues as seen from their ARNs: each name (for the metrics) is read out of the ARN the
   * stateless stack already imports, instead of a new cross-stack export of every queue name.
   */
  private byArn(queues: Readonly<Record<string, sqs.IQueue>>, kind: string): [string, sqs.IQueue][] {
    return Object.entries(queues).map(([queueId, queue]) => [queueId, sqs.Queue.fromQueueArn(this, `${constructIdFor(queueId)}${kind}Ref`, queue.queueArn)]);
  }

  private failureRateAlarm(platform: string, label: string, topics: readonly sns.ITopic[] | undefined): void {
    const sum = (name: string) => this.custom(name, 'Sum', { [PLATFORM_DIMENSION]: platform }).with({ period: Duration.minutes(15) });
    this.addAlarm(`${label}DeliveryFailureRateAlarm`, topics, {
      alarmDescription:
        `A quarter or more of the ${label} deliveries of the last 15 minutes (at least 5) were refused by ${label}. ` +
        `Run \`npx dutybridge oplog --since 1h\`: each failed record names its reason and fix (app permission or visible range, ` +
        'trusted IP, unlinked or unlicensed users, a removed robot).',
      metric: new cloudwatch.MathExpression({
        // FILL: a period with failures and no successes has no DeliveriesSent point, and must still count.
        expression: 'IF(FILL(sent, 0) + FILL(failed, 0) >= 5, 100 * FILL(failed, 0) / (FILL(sent, 0) + FILL(failed, 0)), 0)',
        usingMetrics: { sent: sum(DELIVERY_METRICS.sent), failed: sum(DELIVERY_METRICS.failed) },
        label: `${label} failed %`,
        period: Duration.minutes(15),
      }),
      threshold: 25,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private addAlarm(id: string, topics: readonly sns.ITopic[] | undefined, props: cloudwatch.AlarmProps): void {
    const alarm = new cloudwatch.Alarm(this, id, props);
    for (const topic of topics ?? []) alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
    this.alarmsById[id] = alarm;
  }
}

/** `callbackLatency: 'route'` for a callback function without a POST route in shared/config/functions.ts. */
export class MissingCallbackRouteError extends Error {
  override readonly name = 'MissingCallbackRouteError';
  constructor(functionName: string) {
    super(`callback function "${functionName}" has no POST route to read the latency of`);
  }
}
