import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CALLBACK_DEADLINES, MissingCallbackRouteError, OperationsDashboard, type OperationsDashboardProps } from '../../lib/constructs/operations-dashboard';
import { CALLBACK_URL_TEMPLATE_OUTPUTS } from '../../lib/outputs';
import { PLACEHOLDER_CODE, cdkJsonContext } from './support/synth';

interface Fixture {
  readonly stack: Stack;
  readonly props: OperationsDashboardProps;
}

/** A bare stack with two callback functions, a queue worker, two queues with DLQs, an API and a topic. */
function fixture(): Fixture {
  const stack = new Stack(new App({ context: cdkJsonContext() }), 'Ops');
  const fn = (name: string) => new lambda.Function(stack, name, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: PLACEHOLDER_CODE });
  const queue = (id: string) => new sqs.Queue(stack, id);
  return {
    stack,
    props: {
      functions: { 'wecom-callback': fn('WeComCallback'), 'dingtalk-cards': fn('DingTalkCards'), dispatch: fn('Dispatch') },
      httpApi: new apigatewayv2.HttpApi(stack, 'Api'),
      queues: { 'outgoing-im': queue('OutgoingIm'), 'incident-events': queue('IncidentEvents') },
      deadLetterQueues: { 'outgoing-im': queue('OutgoingImDlq'), 'incident-events': queue('IncidentEventsDlq') },
      alarmTopics: [new sns.Topic(stack, 'AlarmTopic')],
    },
  };
}

function synth(overrides: Partial<OperationsDashboardProps> = {}): Template {
  const { stack, props } = fixture();
  new OperationsDashboard(stack, 'Operations', { ...props, ...overrides });
  return Template.fromStack(stack);
}

/** The dashboard body as one string (CloudFormation joins it from literal parts and tokens). */
function dashboardBody(template: Template): string {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  return JSON.stringify(dashboards[0].Properties.DashboardBody);
}

describe('OperationsDashboard', () => {
  const template = synth();
  const body = dashboardBody(template);
  const alarms = template.findResources('AWS::CloudWatch::Alarm');

  it('graphs every metric family the issue names, from where it is emitted', () => {
    for (const metric of ['DeliveriesSent', 'DeliveriesFailed', 'DeliveriesThrottled', 'CardsStale', 'DeliveriesDropped', 'DingTalkQuotaUsedPercent', 'DingTalkWebhookQuotaUsedPercent']) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    expect(body).toContain('\\"platform\\",\\"wecom\\"');
    expect(body).toContain('\\"platform\\",\\"dingtalk\\"');
    expect(body).toContain('\\"DutyBridge\\"');
    // Callback latency: the callback functions' p99 against their deadlines, no other function.
    expect(body).toMatch(/Duration.*\\"stat\\":\\"p99\\"/);
    expect(body).toContain('wecom-callback p99');
    expect(body).toContain('dingtalk-cards p99');
    expect(body).not.toContain('dispatch p99');
    expect(body).toContain('\\"value\\":5000');
    expect(body).toContain('\\"value\\":2000');
    // Queues, dead letters and functions.
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    expect(body).toContain('ApproximateAgeOfOldestMessage');
    expect(body).toContain('Dead-letter queue depth');
    for (const metric of ['Errors', 'Throttles']) expect(body).toContain(`\\"AWS/Lambda\\",\\"${metric}\\"`);
  });

  it('reads only metrics every partition publishes (aws-cn: no AsyncEvent*, no X-Ray)', () => {
    expect(body).not.toMatch(/AsyncEvent/);
    expect(body).not.toMatch(/X-Ray|AWS\/XRay/i);
    expect(JSON.stringify(alarms)).not.toMatch(/AsyncEvent|X-Ray/);
  });

  it('adds five alarms: two latency, the quota, one failure rate per platform; none on DLQs or Lambda errors', () => {
    const ids = Object.keys(alarms).map((logicalId) => logicalId.replace(/^Operations/, '').replace(/[0-9A-F]{8}$/, ''));
    expect(ids.sort()).toEqual(['DingTalkDeliveryFailureRateAlarm', 'DingTalkQuota90Alarm', 'DingtalkCardsLatencyAlarm', 'WeComDeliveryFailureRateAlarm', 'WecomCallbackLatencyAlarm']);
    const text = JSON.stringify(alarms);
    expect(text).not.toContain('ApproximateNumberOfMessagesVisible');
    expect(text).not.toMatch(/"MetricName":"(Errors|Throttles)"/);
  });

  it('alarms on callback p99 above 80 % of the platform deadline for 3 of 5 minutes', () => {
    for (const [functionRef, threshold] of [['WeComCallback', 4000], ['DingTalkCards', 1600]] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Duration',
        Namespace: 'AWS/Lambda',
        ExtendedStatistic: 'p99',
        Period: 60,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(`^${functionRef}`) } }],
        Threshold: threshold,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp('deadline.*REPORT lines'),
      });
    }
  });

  it('alarms when a DingTalk quota reaches 90 %, holding the state while no calls are made', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 90,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'MAX([api, webhook])' }),
        Match.objectLike({ Id: 'api', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'DingTalkQuotaUsedPercent' }), Stat: 'Maximum' }) }),
      ]),
      AlarmDescription: Match.stringLikeRegexp('--monthly-quota'),
    });
  });

  it('alarms per platform when a quarter of 15 minutes of deliveries failed', () => {
    for (const platform of ['wecom', 'dingtalk']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 25,
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: Match.stringLikeRegexp('FILL\\(failed, 0\\)') }),
          Match.objectLike({
            Id: 'failed',
            MetricStat: Match.objectLike({
              Metric: { Namespace: 'DutyBridge', MetricName: 'DeliveriesFailed', Dimensions: Match.arrayWith([{ Name: 'platform', Value: platform }, { Name: 'service', Value: 'dutybridge' }]) },
              Period: 900,
            }),
          }),
        ]),
        AlarmDescription: Match.stringLikeRegexp('oplog --since 1h'),
      });
    }
  });

  it('sends every alarm to every alarm topic', () => {
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
    }
    const two = fixture();
    new OperationsDashboard(two.stack, 'Operations', { ...two.props, alarmTopics: [...(two.props.alarmTopics ?? []), new sns.Topic(two.stack, 'OnCall')] });
    for (const alarm of Object.values(Template.fromStack(two.stack).findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toHaveLength(2);
    }
  });

  it('reads route latency from API Gateway when asked, on the POST route of each callback', () => {
    const routed = synth({ callbackLatency: 'route' });
    routed.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: Match.arrayWith([{ Name: 'Route', Value: 'POST /dingtalk/{integrationId}/cards' }, { Name: 'Stage', Value: '$default' }]),
      Threshold: 1600,
    });
    expect(() => synth({ callbackLatency: 'route', callbackDeadlines: { dispatch: { platform: 'DingTalk', deadlineMs: 1000, rule: 'none' } } })).toThrow(MissingCallbackRouteError);
  });

  it('names the dashboard after the stack unless told', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Ops-operations' });
    synth({ dashboardName: 'oncall' }).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'oncall' });
  });

  it('has a deadline for every callback URL the stack publishes', () => {
    expect(Object.keys(CALLBACK_DEADLINES).sort()).toEqual(CALLBACK_URL_TEMPLATE_OUTPUTS.map((output) => output.functionName).sort());
  });

  it('reads queue names out of the ARNs, so another stack’s queues add no QueueName export', () => {
    const app = new App({ context: cdkJsonContext() });
    const state = new Stack(app, 'State');
    const other = new Stack(app, 'Stateless');
    const queues = { 'outgoing-im': new sqs.Queue(state, 'Q') };
    new OperationsDashboard(other, 'Operations', { functions: {}, httpApi: new apigatewayv2.HttpApi(other, 'Api'), queues, deadLetterQueues: {} });
    app.synth();
    const exported = JSON.stringify(Template.fromStack(state).findOutputs('*'));
    expect(exported).toContain('Arn');
    expect(exported).not.toContain('QueueName');
  });
});
