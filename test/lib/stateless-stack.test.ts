import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { functionDefinitions } from '../../shared/config/functions';
import { SECRET_PREFIX_ENV, queues, tables } from '../../shared/config/resources';
import { PUBLIC_API_URL_ENV } from '../../shared/config/runtime-config';
import { CALLBACK_URL_TEMPLATE_OUTPUTS, outputKeyForEnv, resourceEnvironmentKeys } from '../../lib/outputs';
import { StatefulStack } from '../../lib/stateful-stack';
import {
  DEFAULT_CALLBACK_RESERVED_CONCURRENCY,
  DEFAULT_QUEUE_MAX_CONCURRENCY,
  DEFAULT_ROUTE_THROTTLES,
  InvalidIsolationSettingError,
  MissingStatefulResourceError,
  QueueVisibilityTimeoutTooShortError,
  StatelessStack,
} from '../../lib/stateless-stack';
import { PLACEHOLDER_CODE, SynthesizedApp, buildApp, cdkJsonContext, removeOutdir, synthApp } from './support/synth';

type Resource = { Properties: Record<string, any>; DeletionPolicy?: string };

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

const routes = functionDefinitions.flatMap((definition) =>
  (definition.routes ?? []).map((route) => ({ functionName: definition.name, ...route })),
);
const queueConsumers = functionDefinitions.filter((definition) => definition.queue !== undefined);

describe('StatelessStack (defaults, as deployed by bin/app.ts)', () => {
  let synthesized: SynthesizedApp;
  let template: Template;
  let stack: StatelessStack;
  let lambdaFunctions: Record<string, Resource>;

  beforeAll(() => {
    synthesized = synthApp();
    template = synthesized.statelessTemplate;
    stack = synthesized.stateless;
    lambdaFunctions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  });
  afterAll(() => removeOutdir(synthesized));

  function functionResource(name: string): Resource {
    const resource = lambdaFunctions[logicalId(stack.functions[name].function)];
    expect(resource).toBeDefined();
    return resource;
  }

  it('is named DutyBridge and creates one function per definition', () => {
    expect(stack.stackName).toBe('DutyBridge');
    expect(Object.keys(lambdaFunctions)).toHaveLength(functionDefinitions.length);
    expect(Object.keys(stack.functions).sort()).toEqual(functionDefinitions.map((definition) => definition.name).sort());
  });

  describe.each(functionDefinitions.map((definition) => [definition.name, definition] as const))(
    'function %s',
    (name, definition) => {
      it('runs Node.js 22 on arm64 with the definition’s timeout and memory, tracing off', () => {
        expect(functionResource(name).Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Timeout: definition.timeoutSeconds,
          MemorySize: definition.memoryMb,
          Description: definition.description,
        });
        expect(functionResource(name).Properties.TracingConfig).toBeUndefined();
      });

      it('receives the Powertools settings and every resource variable', () => {
        const variables = functionResource(name).Properties.Environment.Variables as Record<string, unknown>;
        expect(variables).toMatchObject({
          POWERTOOLS_SERVICE_NAME: 'dutybridge',
          POWERTOOLS_METRICS_NAMESPACE: 'DutyBridge',
          LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
          [SECRET_PREFIX_ENV]: 'dutybridge/DutyBridge/',
        });
        for (const envKey of resourceEnvironmentKeys()) expect(variables[envKey]).toBeDefined();
      });

      it('receives PUBLIC_API_URL: the HTTP API endpoint, for the links it builds', () => {
        const variables = functionResource(name).Properties.Environment.Variables as Record<string, unknown>;
        const api = logicalId(stack.httpApi);
        expect(variables[PUBLIC_API_URL_ENV]).toEqual({ 'Fn::GetAtt': [api, 'ApiEndpoint'] });
      });

      it('logs to its own log group kept for one month', () => {
        const dutyBridgeFunction = stack.functions[name];
        expect(functionResource(name).Properties.LoggingConfig).toEqual({
          LogGroup: { Ref: logicalId(dutyBridgeFunction.logGroup) },
        });
        const logGroups = template.findResources('AWS::Logs::LogGroup');
        expect(logGroups[logicalId(dutyBridgeFunction.logGroup)].Properties.RetentionInDays).toBe(30);
      });

      it('runs with its own role, without managed policies', () => {
        const roles = template.findResources('AWS::IAM::Role');
        const role = roles[logicalId(stack.functions[name].role)];
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        expect(functionResource(name).Properties.Role).toEqual({
          'Fn::GetAtt': [logicalId(stack.functions[name].role), 'Arn'],
        });
      });
    },
  );

  it('passes the stateful resources’ names and URLs in the right variables', () => {
    const variables = functionResource('notify').Properties.Environment.Variables as Record<string, unknown>;
    const stateful = synthesized.stateful;
    const exportOf = (construct: IConstruct, attribute: 'Ref' | string) =>
      attribute === 'Ref'
        ? `DutyBridgeState:ExportsOutputRef${logicalId(construct)}`
        : `DutyBridgeState:ExportsOutputFnGetAtt${logicalId(construct)}${attribute}`;
    for (const table of tables) {
      expect((variables[table.envKey] as { 'Fn::ImportValue': string })['Fn::ImportValue']).toMatch(
        new RegExp(`^${exportOf(stateful.tables[table.id], 'Ref')}`),
      );
    }
    for (const queue of queues) {
      expect((variables[queue.envKey] as { 'Fn::ImportValue': string })['Fn::ImportValue']).toMatch(
        new RegExp(`^${exportOf(stateful.queues[queue.id], 'Ref')}`),
      );
      expect((variables[queue.dlqEnvKey] as { 'Fn::ImportValue': string })['Fn::ImportValue']).toMatch(
        new RegExp(`^${exportOf(stateful.deadLetterQueues[queue.id], 'Ref')}`),
      );
    }
  });

  it('creates exactly the routes of functions.ts', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey,
    );
    expect(routeKeys.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    'routes %s to its function through a Lambda proxy integration',
    (routeKey, route) => {
      const [routeResource] = Object.values(
        template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }),
      );
      const integrationId = routeResource.Properties.Target['Fn::Join'][1][1].Ref as string;
      const integration = template.findResources('AWS::ApiGatewayV2::Integration')[integrationId];
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.functions[route.functionName].function), 'Arn'] },
      });
      expect(routeResource.Properties.AuthorizationType).toBe('NONE');
    },
  );

  it('serves a $default stage with access logging and throttling', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] }, Format: Match.anyValue() },
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
  });

  it('subscribes each queue consumer with its batch size and partial batch failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', queueConsumers.length);
    for (const consumer of queueConsumers) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack.functions[consumer.name].function) },
        BatchSize: consumer.queue?.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        EventSourceArn: {
          'Fn::ImportValue': Match.stringLikeRegexp(
            `^DutyBridgeState:ExportsOutputFnGetAtt${logicalId(synthesized.stateful.queues[consumer.queue!.id])}Arn`,
          ),
        },
      });
    }
  });

  describe('permissions (one role per function, only what its path needs)', () => {
    let statementsByFunction: Record<string, any[]>;
    let labels: Map<string, string>;
    beforeAll(() => {
      const policies = template.findResources('AWS::IAM::Policy');
      statementsByFunction = Object.fromEntries(
        functionDefinitions.map((definition) => {
          const attached = Object.values(policies).filter((candidate) =>
            (candidate.Properties.Roles as { Ref: string }[]).some(
              (role) => role.Ref === logicalId(stack.functions[definition.name].role),
            ),
          );
          return [definition.name, attached.flatMap((policy) => policy.Properties.PolicyDocument.Statement as any[])];
        }),
      );
      const stateful = synthesized.stateful;
      labels = new Map<string, string>([
        [logicalId(stateful.tables.state), 'table'],
        [logicalId(stateful.encryptionKey), 'data-key'],
        [logicalId(stateful.secretsKey), 'secrets-key'],
        ...queues.map((queue) => [logicalId(stateful.queues[queue.id]), queue.id] as [string, string]),
        ...queues.map((queue) => [logicalId(stateful.deadLetterQueues[queue.id]), `dlq:${queue.id}`] as [string, string]),
        ...Object.entries(stateful.scheduleDeadLetterQueues).map(
          ([name, queue]) => [logicalId(queue), `schedule-dlq:${name}`] as [string, string],
        ),
      ]);
    });

    /** A readable name for a policy resource: a stateful resource's label, or the ARN with tokens elided. */
    function label(resource: unknown): string {
      if (typeof resource === 'string') return resource;
      const record = resource as Record<string, any>;
      if (record['Fn::ImportValue'] !== undefined) {
        const match = /^DutyBridgeState:ExportsOutputFnGetAtt(.+)Arn[0-9A-F]{8}$/.exec(record['Fn::ImportValue']);
        const found = match === null ? undefined : [...labels].find(([id]) => id === match[1]);
        return found === undefined ? `<unknown ${record['Fn::ImportValue']}>` : found[1];
      }
      if (record['Fn::Join'] !== undefined) return (record['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : label(part).startsWith('<') ? '' : label(part))).join('');
      return JSON.stringify(resource);
    }
    const resourcesOf = (statement: any): string[] => [statement.Resource].flat().map(label).sort();
    const actionsOf = (statement: any): string[] => [statement.Action].flat();
    const secretPath = (arn: string) => arn.replace(/^arn:.*:secret:dutybridge\/DutyBridge\//, '');

    interface Expected {
      /** DynamoDB action → partition-key patterns (dynamodb:LeadingKeys) it is allowed on. */
      table: Record<string, string[]>;
      /** Actions on gsi1 (no key condition). */
      index: string[];
      /** Queues (and `dlq:<queue>`, `schedule-dlq:<fn>`) it may send to. */
      sends: string[];
      /** The queue its event source consumes. */
      consumes?: string;
      /** Secret paths below the prefix it may read, and those denied. */
      secrets: string[];
      deniedSecrets: string[];
    }
    // Both card paths read the integration's notification templates (TEMPLATE#, issue 13).
    // …and suite integrations' corp tokens come from the suite and its ticket (SUITE#, issue 16).
    const WECOM_CARD_GET = ['CARD#wecom#*', 'CODES#*', 'INCIDENT#*', 'LINK#*', 'SUITE#*', 'TASK#wecom#*', 'TEMPLATE#*', 'TOKEN#wecom:*'];
    const DINGTALK_CARD_GET = ['CARD#dingtalk#*', 'DTMOBILE#*', 'INCIDENT#*', 'LINK#*', 'MEMBER#*', 'OUTTRACK#*', 'TEMPLATE#*', 'TOKEN#dingtalk:*'];
    const union = (...lists: string[][]) => [...new Set(lists.flat())].sort();
    const expected: Record<string, Expected> = {
      healthz: { table: {}, index: [], sends: [], secrets: [], deniedSecrets: [] },
      'wecom-callback': {
        table: {
          GetItem: ['DEDUPE#wecom:*', 'INTEGRATION#*'],
          PutItem: ['DEDUPE#wecom:*'],
          DeleteItem: ['DEDUPE#wecom:*'],
        },
        index: [],
        sends: ['inbound-callbacks'],
        secrets: ['integrations/*', 'integrations/wecom/*'],
        deniedSecrets: ['integrations/dingtalk/*'],
      },
      // WeCom suite (issue 16): the command callback stores tickets and claims auth codes, queues the rest.
      'wecom-suite-command': {
        table: { GetItem: ['SUITE#*', 'SUITECODE#*'], PutItem: ['OPLOG#*', 'SUITE#*', 'SUITECODE#*'], Query: ['SUITE#*'], DeleteItem: ['SUITECODE#*'] },
        index: [],
        sends: ['wecom-suite-auth'],
        secrets: ['suites/*'],
        deniedSecrets: [],
      },
      'wecom-suite-data': {
        table: {
          GetItem: ['DEDUPE#wecom:*', 'INTEGRATION#*', 'SUITE#*'],
          PutItem: ['DEDUPE#wecom:*', 'OPLOG#*'],
          DeleteItem: ['DEDUPE#wecom:*'],
        },
        index: [],
        sends: ['inbound-callbacks'],
        secrets: ['suites/*'],
        deniedSecrets: [],
      },
      'wecom-suite-install': {
        table: {
          GetItem: ['INTEGRATION#*', 'SUITE#*', 'SUITECODE#*', 'TOKEN#wecom:*'],
          PutItem: ['INTEGRATION#*', 'OPLOG#*', 'SUITE#*', 'SUITECODE#*'],
          UpdateItem: ['TOKEN#wecom:*'],
          Query: ['SUITE#*'],
          DeleteItem: ['SUITECODE#*'],
        },
        index: [],
        sends: [],
        secrets: ['suites/*'],
        deniedSecrets: [],
      },
      'wecom-suite-auth': {
        table: {
          GetItem: ['INTEGRATION#*', 'SUITE#*', 'SUITECODE#*', 'TOKEN#wecom:*'],
          PutItem: ['INTEGRATION#*', 'OPLOG#*', 'SUITE#*', 'SUITECODE#*'],
          UpdateItem: ['TOKEN#wecom:*'],
          Query: ['SUITE#*'],
          DeleteItem: ['SUITECODE#*'],
        },
        index: [],
        sends: ['dlq:wecom-suite-auth', 'wecom-suite-auth'],
        consumes: 'wecom-suite-auth',
        secrets: ['suites/*'],
        deniedSecrets: [],
      },
      'wecom-licenses': {
        table: { GetItem: ['SUITE#*', 'TOKEN#wecom:*'], PutItem: ['OPLOG#*'], UpdateItem: ['TOKEN#wecom:*'] },
        index: ['dynamodb:Query'],
        sends: ['schedule-dlq:wecom-licenses'],
        secrets: ['suites/*'],
        deniedSecrets: [],
      },
      'dingtalk-events': {
        table: {
          GetItem: ['DEDUPE#dingtalk:*', 'INTEGRATION#*'],
          PutItem: ['DEDUPE#dingtalk:*'],
          DeleteItem: ['DEDUPE#dingtalk:*'],
        },
        index: [],
        sends: ['inbound-callbacks'],
        secrets: ['integrations/*', 'integrations/dingtalk/*'],
        deniedSecrets: ['integrations/wecom/*'],
      },
      'dingtalk-cards': {
        table: {
          GetItem: union(DINGTALK_CARD_GET, ['DEDUPE#dingtalk:*', 'INTEGRATION#*']),
          PutItem: ['CARD#dingtalk#*', 'DEDUPE#dingtalk:*', 'DTMOBILE#*', 'INCIDENT#*', 'OPLOG#*', 'OUTTRACK#*'],
          UpdateItem: ['CARD#dingtalk#*', 'INCIDENT#*', 'OUTTRACK#*', 'RATE#click:*', 'TOKEN#dingtalk:*'],
          DeleteItem: ['DEDUPE#dingtalk:*'],
          Query: ['INTEGRATION#*', 'LINK#*'],
          BatchGetItem: ['LINK#*'],
        },
        index: [],
        sends: ['alert-silences', 'card-refresh', 'incident-actions.fifo', 'outgoing-im', 'war-room'],
        secrets: ['integrations/*', 'integrations/dingtalk/*'],
        deniedSecrets: ['integrations/wecom/*'],
      },
      'process-inbound': {
        table: {
          GetItem: union(WECOM_CARD_GET, ['INTEGRATION#*', 'MEMBER#*']),
          PutItem: ['CARD#wecom#*', 'CODES#*', 'INCIDENT#*', 'INTEGRATION#*', 'OPLOG#*', 'TASK#wecom#*'],
          UpdateItem: ['CARD#wecom#*', 'CODES#*', 'INCIDENT#*', 'INTEGRATION#*', 'RATE#click:*', 'TASK#wecom#*', 'TOKEN#wecom:*'],
          Query: ['CARD#wecom#*', 'CODES#*', 'INCIDENT#*', 'LINK#*', 'TASK#wecom#*'],
          BatchGetItem: ['LINK#*'],
        },
        index: [],
        sends: ['alert-silences', 'card-refresh', 'dlq:inbound-callbacks', 'incident-actions.fifo', 'war-room'],
        consumes: 'inbound-callbacks',
        secrets: ['integrations/*', 'integrations/wecom/*', 'suites/*'],
        deniedSecrets: ['integrations/dingtalk/*'],
      },
      notify: {
        table: {
          // Group bots: BOT#, BOTDIGEST#, RATE#robot:, MAPPING# (mentions), OUTCALL# (post once per version).
          GetItem: union(WECOM_CARD_GET, DINGTALK_CARD_GET, ['INTEGRATION#*', 'BOT#*', 'MAPPING#*', 'OUTCALL#*', 'RATE#robot:*']),
          PutItem: union(['CARD#dingtalk#*', 'CARD#wecom#*', 'CODES#*', 'DTMOBILE#*', 'INCIDENT#*', 'MEMBER#*', 'MEMBERMOBILE#*', 'OPLOG#*', 'OUTTRACK#*', 'TASK#wecom#*'], ['BOTDIGEST#*', 'OUTCALL#*']),
          UpdateItem: union(['CARD#dingtalk#*', 'CARD#wecom#*', 'CODES#*', 'INCIDENT#*', 'OUTTRACK#*', 'TASK#wecom#*', 'TOKEN#dingtalk:*', 'TOKEN#wecom:*'], ['OUTCALL#*', 'RATE#robot:*']),
          DeleteItem: union(['MEMBER#*', 'MEMBERMOBILE#*'], ['BOTDIGEST#*']),
          // War Rooms (WARROOM#): whether an incident has rooms to keep in step.
          Query: union(['CARD#wecom#*', 'CODES#*', 'INCIDENT#*', 'INTEGRATION#*', 'LINK#*', 'TASK#wecom#*'], ['BOT#*', 'BOTDIGEST#*', 'WARROOM#*']),
          BatchGetItem: ['LINK#*', 'MAPPING#*'],
        },
        index: [],
        sends: ['alert-silences', 'card-refresh', 'dlq:incident-events', 'incident-actions.fifo', 'outgoing-im', 'war-room'],
        consumes: 'incident-events',
        secrets: ['integrations/*', 'integrations/dingtalk/*', 'integrations/wecom/*', 'suites/*'],
        deniedSecrets: [],
      },
      'refresh-card': {
        table: {
          GetItem: union(WECOM_CARD_GET, DINGTALK_CARD_GET, ['INTEGRATION#*']),
          PutItem: ['CARD#dingtalk#*', 'CARD#wecom#*', 'CODES#*', 'DTMOBILE#*', 'INCIDENT#*', 'OPLOG#*', 'OUTTRACK#*', 'TASK#wecom#*'],
          UpdateItem: ['CARD#dingtalk#*', 'CARD#wecom#*', 'CODES#*', 'INCIDENT#*', 'OUTTRACK#*', 'TASK#wecom#*', 'TOKEN#dingtalk:*', 'TOKEN#wecom:*'],
          Query: ['CARD#wecom#*', 'CODES#*', 'INCIDENT#*', 'INTEGRATION#*', 'LINK#*', 'TASK#wecom#*'],
          BatchGetItem: ['LINK#*'],
        },
        index: [],
        sends: ['alert-silences', 'card-refresh', 'dlq:card-refresh', 'incident-actions.fifo', 'outgoing-im'],
        consumes: 'card-refresh',
        secrets: ['integrations/*', 'integrations/dingtalk/*', 'integrations/wecom/*', 'suites/*'],
        deniedSecrets: [],
      },
      'war-room': {
        // War Rooms (issue 14): the rooms (WARROOM#), the incident read only, links, members and the
        // getbymobile cache, both tokens, dispatch's path in process; lists integrations (gsi1).
        table: {
          GetItem: ['BOT#*', 'DTMOBILE#*', 'INCIDENT#*', 'INTEGRATION#*', 'LINK#*', 'MEMBER#*', 'OUTCALL#*', 'QUOTA#*', 'SUITE#*', 'TOKEN#dingtalk:*', 'TOKEN#wecom:*', 'WARROOM#*'],
          // The War Room chat index (WARROOMCHAT#) the smart bot reads (issue 15).
          PutItem: ['BOTDIGEST#*', 'DIGEST#*', 'DTMOBILE#*', 'OPLOG#*', 'OUTCALL#*', 'WARROOM#*', 'WARROOMCHAT#*'],
          UpdateItem: ['OUTCALL#*', 'QPS#*', 'QUOTA#*', 'TOKEN#dingtalk:*', 'TOKEN#wecom:*'],
          DeleteItem: ['BOTDIGEST#*', 'DIGEST#*'],
          Query: ['BOT#*', 'BOTDIGEST#*', 'DIGEST#*', 'LINK#*', 'WARROOM#*'],
          BatchGetItem: ['LINK#*'],
        },
        index: ['dynamodb:Query'],
        sends: ['card-refresh', 'dlq:outgoing-im', 'dlq:war-room', 'incident-actions.fifo', 'war-room'],
        consumes: 'war-room',
        secrets: ['integrations/*', 'integrations/dingtalk/*', 'integrations/wecom/*', 'suites/*'],
        deniedSecrets: [],
      },
      'wecom-bot': {
        // Smart bot callback (issue 15): the integration, its streams (BOTSTREAM#); queues the reply.
        table: {
          GetItem: ['BOTSTREAM#*', 'INTEGRATION#*'],
          PutItem: ['BOTSTREAM#*'],
          UpdateItem: ['BOTSTREAM#*'],
        },
        index: [],
        sends: ['bot-replies'],
        secrets: ['integrations/*', 'integrations/wecom/*'],
        deniedSecrets: ['integrations/dingtalk/*'],
      },
      'bot-replies': {
        // Smart bot replies (issue 15): streams, who asks, the War Room chat index, the incident
        // (CAS through IncidentClicks), the rooms and the incident's log for the post-mortem draft.
        table: {
          GetItem: ['BOTSTREAM#*', 'INCIDENT#*', 'INTEGRATION#*', 'LINK#*', 'MEMBER#*', 'WARROOMCHAT#*'],
          PutItem: ['BOTSTREAM#*', 'INCIDENT#*', 'OPLOG#*'],
          UpdateItem: ['BOTSTREAM#*', 'INCIDENT#*'],
          Query: ['LINK#*', 'OPLOG#incident#*', 'WARROOM#*'],
          BatchGetItem: ['LINK#*'],
        },
        index: [],
        sends: ['alert-silences', 'card-refresh', 'dlq:bot-replies', 'incident-actions.fifo'],
        consumes: 'bot-replies',
        secrets: ['integrations/*', 'integrations/wecom/*'],
        deniedSecrets: ['integrations/dingtalk/*'],
      },
      ingest: {
        // Alert webhooks (issue 18): the source and its secret (sources/), alert groups to the
        // worker, events of an `events` source to notify.
        table: { GetItem: ['ALERTSOURCE#*'] },
        index: [],
        sends: ['alert-ingest', 'incident-events'],
        secrets: ['sources/*'],
        deniedSecrets: [],
      },
      'alert-incidents': {
        // Alert groups → incident events: the source, the alert state (CAS), the log.
        table: { GetItem: ['ALERTSOURCE#*', 'ALERTSTATE#*'], PutItem: ['ALERTSTATE#*', 'OPLOG#*'] },
        index: [],
        sends: ['dlq:alert-ingest', 'incident-events'],
        consumes: 'alert-ingest',
        secrets: [],
        deniedSecrets: [],
      },
      'alert-silences': {
        // Snooze / Close → Alertmanager silences: the source (URL, token in sources/), the state, the log.
        table: { GetItem: ['ALERTSOURCE#*', 'ALERTSTATE#*'], PutItem: ['ALERTSTATE#*', 'OPLOG#*'] },
        index: [],
        sends: ['dlq:alert-silences', 'incident-events'],
        consumes: 'alert-silences',
        secrets: ['sources/*'],
        deniedSecrets: [],
      },
      dispatch: {
        table: {
          // DingTalk custom robots: the bot (BOT#) and its digest (BOTDIGEST#, quota above 95 %).
          GetItem: ['BOT#*', 'INTEGRATION#*', 'OUTCALL#*', 'QUOTA#*', 'TOKEN#dingtalk:*'],
          PutItem: ['BOTDIGEST#*', 'DIGEST#*', 'OPLOG#*', 'OUTCALL#*'],
          UpdateItem: ['OUTCALL#*', 'QPS#*', 'QUOTA#*', 'TOKEN#dingtalk:*'],
          DeleteItem: ['BOTDIGEST#*', 'DIGEST#*'],
          Query: ['BOT#*', 'BOTDIGEST#*', 'DIGEST#*'],
        },
        index: [],
        sends: ['dlq:outgoing-im', 'outgoing-im'],
        consumes: 'outgoing-im',
        secrets: ['integrations/*', 'integrations/dingtalk/*'],
        deniedSecrets: ['integrations/wecom/*'],
      },
      'flush-digests': {
        table: {
          // Group bots' digests too: WeCom robots are posted from here (their secrets), DingTalk ones queued.
          GetItem: ['BOT#*', 'INTEGRATION#*', 'OUTCALL#*', 'QUOTA#*', 'RATE#robot:*', 'TOKEN#dingtalk:*'],
          PutItem: ['BOTDIGEST#*', 'DIGEST#*', 'OPLOG#*', 'OUTCALL#*'],
          UpdateItem: ['OUTCALL#*', 'QPS#*', 'QUOTA#*', 'RATE#robot:*', 'TOKEN#dingtalk:*'],
          DeleteItem: ['BOTDIGEST#*', 'DIGEST#*'],
          Query: ['BOT#*', 'BOTDIGEST#*', 'DIGEST#*'],
        },
        index: ['dynamodb:Query'],
        sends: ['dlq:outgoing-im', 'outgoing-im', 'schedule-dlq:flush-digests'],
        secrets: ['integrations/*', 'integrations/dingtalk/*', 'integrations/wecom/*'],
        deniedSecrets: [],
      },
      'link-pages': {
        table: {
          // Links written by the person (LINK#), single-use claims (LINKCLAIM#), one-time codes
          // (LINKCODE#), code mails' rate limits (RATE#link:); the pending click through the incident;
          // suites (SUITE#) for third-party logins.
          GetItem: ['INCIDENT#*', 'INTEGRATION#*', 'LINK#*', 'LINKCODE#*', 'MEMBER#*', 'MEMBERMOBILE#*', 'SUITE#*', 'TOKEN#dingtalk:*', 'TOKEN#wecom:*'],
          PutItem: ['INCIDENT#*', 'LINK#*', 'LINKCLAIM#*', 'LINKCODE#*', 'OPLOG#*'],
          UpdateItem: ['INCIDENT#*', 'LINKCODE#*', 'RATE#link:*', 'TOKEN#dingtalk:*', 'TOKEN#wecom:*'],
          DeleteItem: ['LINK#*', 'LINKCODE#*'],
          Query: ['LINK#*'],
          BatchGetItem: ['LINK#*'],
        },
        index: [],
        sends: ['alert-silences', 'card-refresh', 'incident-actions.fifo', 'link-mail'],
        secrets: ['integrations/*', 'integrations/dingtalk/*', 'integrations/wecom/*', 'suites/*'],
        deniedSecrets: [],
      },
      'auto-link': {
        // One-Click Link once a day: settings (AUTOLINK#), links read and written, the shared miss
        // counter (LOOKUPMISS#), both platforms' tokens, the operation log; lists integrations and members (gsi1).
        table: {
          GetItem: ['AUTOLINK#*', 'INTEGRATION#*', 'LINK#*', 'LOOKUPMISS#*', 'SUITE#*', 'TOKEN#dingtalk:*', 'TOKEN#wecom:*'],
          PutItem: ['LINK#*', 'OPLOG#*'],
          UpdateItem: ['LOOKUPMISS#*', 'TOKEN#dingtalk:*', 'TOKEN#wecom:*'],
          DeleteItem: ['LINK#*'],
          Query: ['LINK#*'],
          BatchGetItem: ['LINK#*'],
        },
        index: ['dynamodb:Query'],
        sends: ['schedule-dlq:auto-link'],
        secrets: ['integrations/*', 'integrations/dingtalk/*', 'integrations/wecom/*', 'suites/*'],
        deniedSecrets: [],
      },
      'send-link-code': {
        // The integration and its secret (mail settings, app secret), the code item, the operation log.
        table: {
          GetItem: ['INTEGRATION#*'],
          PutItem: ['LINKCODE#*', 'OPLOG#*'],
        },
        index: [],
        sends: ['dlq:link-mail'],
        consumes: 'link-mail',
        secrets: ['integrations/*', 'integrations/dingtalk/*', 'integrations/wecom/*'],
        deniedSecrets: [],
      },
    };

    it('has an expectation for every function', () => {
      expect(Object.keys(expected).sort()).toEqual(functionDefinitions.map((definition) => definition.name).sort());
    });

    describe.each(functionDefinitions.map((definition) => [definition.name] as const))('%s', (name) => {
      const statements = () => statementsByFunction[name];
      const tableStatements = () =>
        statements().filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')));

      it('uses DynamoDB only on its key spaces: each action on the partition keys of the table', () => {
        const granted: Record<string, string[]> = {};
        for (const statement of tableStatements().filter((candidate) => resourcesOf(candidate).join() === 'table')) {
          expect(statement.Effect).toBe('Allow');
          const leadingKeys = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string[];
          expect(leadingKeys).toBeDefined();
          for (const action of actionsOf(statement)) {
            granted[action.replace('dynamodb:', '')] = union(granted[action.replace('dynamodb:', '')] ?? [], leadingKeys);
          }
        }
        expect(granted).toEqual(expected[name].table);
      });

      it('queries the integration index only if it lists integrations, and touches nothing else of the table', () => {
        const indexStatements = tableStatements().filter((statement) => resourcesOf(statement).join() !== 'table');
        expect(indexStatements.flatMap(resourcesOf).every((resource) => resource === 'table/index/gsi1')).toBe(true);
        expect(indexStatements.flatMap(actionsOf).sort()).toEqual(expected[name].index);
      });

      it('never scans or batch-writes', () => {
        const actions = statements().flatMap(actionsOf);
        expect(actions).not.toContain('dynamodb:Scan');
        expect(actions).not.toContain('dynamodb:BatchWriteItem');
        expect(actions.filter((action) => action.includes('*') && !action.startsWith('kms:'))).toEqual([]);
      });

      it('sends only to its queues and dead-letter queues', () => {
        const sends = statements().filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
        for (const statement of sends) expect(actionsOf(statement)).toEqual(['sqs:SendMessage']);
        expect(sends.flatMap(resourcesOf).sort()).toEqual(expected[name].sends);
      });

      it('consumes only the queue of its event source', () => {
        const consuming = statements().filter((statement) => actionsOf(statement).includes('sqs:ReceiveMessage'));
        expect(consuming.flatMap(resourcesOf)).toEqual(expected[name].consumes === undefined ? [] : [expected[name].consumes]);
        const sqsActions = statements().flatMap(actionsOf).filter((action) => action.startsWith('sqs:'));
        if (expected[name].consumes === undefined) expect([...new Set(sqsActions)].filter((a) => a !== 'sqs:SendMessage')).toEqual([]);
      });

      it('reads the secrets of the platforms it serves only (legacy names readable, the other platform denied)', () => {
        const reads = statements().filter((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue'));
        for (const statement of reads) expect(actionsOf(statement)).toEqual(['secretsmanager:GetSecretValue']);
        const paths = (effect: string) =>
          reads.filter((statement) => statement.Effect === effect).flatMap(resourcesOf).map(secretPath).sort();
        expect(paths('Allow')).toEqual(expected[name].secrets);
        expect(paths('Deny')).toEqual(expected[name].deniedSecrets);
        for (const arn of reads.flatMap(resourcesOf)) expect(arn).toMatch(/^arn:.*:secretsmanager:.*:secret:dutybridge\/DutyBridge\/(integrations|sources|suites)\//);
      });

      it('uses each KMS key only through the service that needs it (kms:ViaService)', () => {
        const keyStatements = statements().filter((statement) => actionsOf(statement).some((action) => action.startsWith('kms:')));
        const viaServices = keyStatements.map((statement) => {
          const via = statement.Condition?.StringEquals?.['kms:ViaService'];
          expect(via).toBeDefined();
          return `${label(via).split('.')[0]}→${resourcesOf(statement).join()}`;
        });
        const wanted = [
          ...(Object.keys(expected[name].table).length > 0 ? ['dynamodb→data-key'] : []),
          ...(expected[name].sends.length > 0 || expected[name].consumes !== undefined ? ['sqs→data-key'] : []),
          ...(expected[name].secrets.length > 0 ? ['secretsmanager→secrets-key'] : []),
        ];
        expect(viaServices.sort()).toEqual(wanted.sort());
      });
    });

    it('lets only the mail worker send through Amazon SES, SendEmail only, on the account\u2019s identities', () => {
      for (const definition of functionDefinitions) {
        const ses = statementsByFunction[definition.name].filter((statement) => actionsOf(statement).some((action) => action.startsWith('ses:')));
        if (definition.name !== 'send-link-code') {
          expect(ses).toEqual([]);
          continue;
        }
        expect(ses).toHaveLength(1);
        expect(actionsOf(ses[0])).toEqual(['ses:SendEmail']);
        expect(JSON.stringify(ses[0].Resource)).toMatch(/:ses:.*:identity\/\*/);
      }
    });

    it('gives healthz nothing but its own log stream', () => {
      expect(statementsByFunction.healthz.flatMap(actionsOf)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    });

    it('never grants an action on every resource', () => {
      for (const statements of Object.values(statementsByFunction)) {
        for (const statement of statements) expect(statement.Resource).not.toBe('*');
      }
    });

    it('puts every function role under the deployment’s IAM path', () => {
      for (const definition of functionDefinitions) {
        const roles = template.findResources('AWS::IAM::Role');
        expect(roles[logicalId(stack.functions[definition.name].role)].Properties.Path).toBe('/dutybridge/DutyBridge/');
      }
    });
  });

  describe('isolation', () => {
    it('reserves concurrency for each callback function and for no other', () => {
      const callbacks = ['wecom-callback', 'dingtalk-events', 'dingtalk-cards', 'wecom-bot', 'wecom-suite-command', 'wecom-suite-data'];
      expect(DEFAULT_CALLBACK_RESERVED_CONCURRENCY).toBe(20);
      for (const definition of functionDefinitions) {
        expect(functionResource(definition.name).Properties.ReservedConcurrentExecutions).toBe(
          callbacks.includes(definition.name) ? 20 : undefined,
        );
      }
    });

    it('throttles every route on its own, below the stage', () => {
      const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
      const expectedSettings = Object.fromEntries(
        routes.map((route) => {
          const throttle = DEFAULT_ROUTE_THROTTLES[`${route.method} ${route.path}`];
          expect(throttle).toBeDefined();
          expect(throttle.rateLimit).toBeLessThan(100);
          return [`${route.method} ${route.path}`, { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit }];
        }),
      );
      expect(stage.Properties.RouteSettings).toEqual(expectedSettings);
      expect(expectedSettings['GET /healthz']).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
      // Route settings name routes by key: the stage must come after every route.
      const routeIds = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
      expect([...(stage as { DependsOn: string[] }).DependsOn].sort()).toEqual(expect.arrayContaining(routeIds.sort()));
    });

    it('caps each SQS event source with maxConcurrency', () => {
      for (const consumer of queueConsumers) {
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: logicalId(stack.functions[consumer.name].function) },
          ScalingConfig: { MaximumConcurrency: DEFAULT_QUEUE_MAX_CONCURRENCY[consumer.name] },
        });
      }
      expect(Object.keys(DEFAULT_QUEUE_MAX_CONCURRENCY).sort()).toEqual(queueConsumers.map((c) => c.name).sort());
    });

    it('keeps each consumed queue invisible for at least six times its consumer’s timeout', () => {
      const deployedQueues = synthesized.statefulTemplate.findResources('AWS::SQS::Queue');
      for (const consumer of queueConsumers) {
        const queue = deployedQueues[logicalId(synthesized.stateful.queues[consumer.queue!.id])];
        expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumer.timeoutSeconds);
      }
    });
  });

  describe('data lifecycle', () => {
    it('retains every log group (functions and API access log)', () => {
      const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(logGroups).toHaveLength(functionDefinitions.length + 1);
      for (const logGroup of logGroups) {
        expect(logGroup.DeletionPolicy).toBe('Retain');
        expect(logGroup.UpdateReplacePolicy).toBe('Retain');
      }
    });
  });

  describe('alarms', () => {
    const alarmTopic = () =>
      Match.objectLike({
        'Fn::ImportValue': Match.stringLikeRegexp(`^DutyBridgeState:ExportsOutputRef${logicalId(synthesized.stateful.alarmTopic)}`),
      });

    it.each(functionDefinitions.map((definition) => [definition.name] as const))(
      'alarms on errors and throttles of %s, to the alarm topic',
      (name) => {
        for (const metricName of ['Errors', 'Throttles']) {
          template.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: 'AWS/Lambda',
            MetricName: metricName,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.functions[name].function) } }],
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            AlarmActions: [alarmTopic()],
          });
        }
      },
    );

    it('alarms on API 5xx answers and on 429s counted from the access log', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Dimensions: Match.arrayWith([{ Name: 'ApiId', Value: { Ref: logicalId(stack.httpApi) } }]),
        AlarmActions: [alarmTopic()],
      });
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: '{ $.status = 429 }',
        MetricTransformations: [{ MetricNamespace: 'DutyBridge/Api/DutyBridge', MetricName: 'ApiThrottledRequests', MetricValue: '1' }],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'DutyBridge/Api/DutyBridge',
        MetricName: 'ApiThrottledRequests',
        AlarmActions: [alarmTopic()],
      });
      const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
      expect(JSON.parse(stage.Properties.AccessLogSettings.Format.replace('$context.status', '429')).status).toBe(429);
    });

    it('sends every alarm of the stack to the alarm topic', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      // Errors and Throttles per function, 2 stack alarms, and the operations dashboard's 9 (issue 17):
      // callback latency for the 6 callback functions (4 + the WeCom suite's 2, issue 16), DingTalk
      // quota ≥ 90 %, delivery failure rate per platform.
      expect(alarms).toHaveLength(functionDefinitions.length * 2 + 2 + 9);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    });

    it('dead-letters the failed scheduled runs of flush-digests without retrying them', () => {
      expect(functionResource('flush-digests').Properties.DeadLetterConfig.TargetArn['Fn::ImportValue']).toMatch(
        new RegExp(
          `^DutyBridgeState:ExportsOutputFnGetAtt${logicalId(synthesized.stateful.scheduleDeadLetterQueues['flush-digests'])}Arn`,
        ),
      );
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(stack.functions['flush-digests'].function) },
        MaximumRetryAttempts: 0,
      });
    });
  });

  /** The rate CDK writes for N minutes: in days or hours when they divide evenly (1440 minutes → rate(1 day)). */
  const rateExpression = (minutes: number): string => {
    const [n, unit] = minutes % 1440 === 0 ? [minutes / 1440, 'day'] : minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
    return `rate(${n} ${unit}${n === 1 ? '' : 's'})`;
  };
  it('runs each scheduled function on its EventBridge rate', () => {
    const scheduled = functionDefinitions.filter((f) => f.everyMinutes !== undefined);
    expect(scheduled.length).toBeGreaterThan(0);
    template.resourceCountIs('AWS::Events::Rule', scheduled.length);
    for (const f of scheduled) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: rateExpression(f.everyMinutes!),
        State: 'ENABLED',
      });
    }
  });

  it('exports the API URL, one output per resource variable and the callback URL templates', () => {
    const outputs = template.findOutputs('*');
    const expectedKeys = [
      'ApiUrl',
      'WeComCallbackUrlTemplate',
      'WeComBotCallbackUrlTemplate',
      'DingTalkEventsUrlTemplate',
      'DingTalkCardsUrlTemplate',
      'WeComSuiteCommandUrlTemplate',
      'WeComSuiteDataUrlTemplate',
      ...resourceEnvironmentKeys().map(outputKeyForEnv),
      'SecretsKeyArn',
    ];
    expect(Object.keys(outputs).sort()).toEqual(expectedKeys.sort());
    expect(expectedKeys).toEqual(
      expect.arrayContaining(['StateTableName', 'IncidentEventsQueueUrl', 'IncidentEventsDlqUrl', 'SecretNamePrefix']),
    );
    expect(outputs.SecretNamePrefix.Value).toBe('dutybridge/DutyBridge/');
  });

  it.each([
    ['WeComCallbackUrlTemplate', '/wecom/{integrationId}/callback'],
    ['WeComBotCallbackUrlTemplate', '/wecom/{integrationId}/bot'],
    ['DingTalkEventsUrlTemplate', '/dingtalk/{integrationId}/events'],
    ['DingTalkCardsUrlTemplate', '/dingtalk/{integrationId}/cards'],
    ['WeComSuiteCommandUrlTemplate', '/wecom-suite/{suiteId}/command'],
    ['WeComSuiteDataUrlTemplate', '/wecom-suite/{suiteId}/data'],
  ])('%s is the API URL followed by %s', (outputKey, suffix) => {
    const outputs = template.findOutputs('*');
    const apiUrlParts = outputs.ApiUrl.Value['Fn::Join'][1] as unknown[];
    const templateParts = outputs[outputKey].Value['Fn::Join'][1] as unknown[];
    expect(apiUrlParts[apiUrlParts.length - 1]).toBe('/');
    expect(templateParts.slice(0, -1)).toEqual(apiUrlParts.slice(0, -1));
    expect(templateParts[templateParts.length - 1]).toBe(suffix);
    expect(CALLBACK_URL_TEMPLATE_OUTPUTS.map((output) => output.outputKey)).toContain(outputKey);
  });
});

describe('StatelessStack props', () => {
  function buildStacks(prefix: string) {
    const app = new App({ context: cdkJsonContext() });
    const stateful = new StatefulStack(app, `${prefix}State`);
    return { app, stateful };
  }

  it('turns tracing, log level and throttling on when asked', () => {
    const { app, stateful } = buildStacks('Traced');
    const stack = new StatelessStack(app, 'Traced', {
      tables: stateful.tables,
      queues: stateful.queues,
      deadLetterQueues: stateful.deadLetterQueues,
      tracing: lambda.Tracing.ACTIVE,
      logLevel: 'DEBUG',
      throttle: { rateLimit: 5, burstLimit: 7 },
      codeOverrideForTests: PLACEHOLDER_CODE,
    });
    const template = Template.fromStack(stack);
    template.allResourcesProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ LOG_LEVEL: 'DEBUG', SECRET_NAME_PREFIX: 'dutybridge/Traced/' }) },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 7 },
    });
  });

  it('narrows the mail worker\u2019s ses:SendEmail to the SES identities named (-c sesIdentities=…)', () => {
    const built = buildApp({ context: { sesIdentities: 'example.com, noreply@example.org' } });
    const policies = Template.fromStack(built.stateless).findResources('AWS::IAM::Policy') as Record<string, Resource>;
    removeOutdir(built);
    const ses = Object.values(policies)
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((statement) => [statement.Action].flat().includes('ses:SendEmail'));
    expect(ses).toHaveLength(1);
    const resources = JSON.stringify(ses[0].Resource);
    expect(resources).toContain(':identity/example.com');
    expect(resources).toContain(':identity/noreply@example.org');
    expect(resources).not.toContain('identity/*');
  });

  it('gives every function the custom public API URL when one is set (trailing slash dropped)', () => {
    const { app, stateful } = buildStacks('Custom');
    const stack = new StatelessStack(app, 'Custom', {
      tables: stateful.tables,
      queues: stateful.queues,
      deadLetterQueues: stateful.deadLetterQueues,
      publicApiUrl: 'https://oncall.example.com/',
      codeOverrideForTests: PLACEHOLDER_CODE,
    });
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<string, Resource>;
    expect(Object.keys(functions)).toHaveLength(functionDefinitions.length);
    for (const fn of Object.values(functions)) expect(fn.Properties.Environment.Variables[PUBLIC_API_URL_ENV]).toBe('https://oncall.example.com');
  });

  it('refuses a public API URL that is not an http(s) base URL at synthesis', () => {
    const { app, stateful } = buildStacks('BadUrl');
    expect(
      () =>
        new StatelessStack(app, 'BadUrl', {
          tables: stateful.tables,
          queues: stateful.queues,
          deadLetterQueues: stateful.deadLetterQueues,
          publicApiUrl: 'oncall.example.com?x=1',
          codeOverrideForTests: PLACEHOLDER_CODE,
        }),
    ).toThrow(/PUBLIC_API_URL must be/);
  });

  it('follows the stackPrefix context: stack names, queue names and secret prefix, still nag-clean', () => {
    const renamed = synthApp({ context: { stackPrefix: 'AcmeBridge' } });
    try {
      expect(renamed.stateful.stackName).toBe('AcmeBridgeState');
      expect(renamed.stateless.stackName).toBe('AcmeBridge');
      renamed.statefulTemplate.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `AcmeBridgeState-${queues[0].id}`,
      });
      expect(renamed.statelessTemplate.findOutputs('SecretNamePrefix').SecretNamePrefix.Value).toBe(
        'dutybridge/AcmeBridge/',
      );
    } finally {
      removeOutdir(renamed);
    }
  });

  it('takes per-route throttles, reserved concurrency and maxConcurrency from props', () => {
    const { app, stateful } = buildStacks('Tuned');
    const stack = new StatelessStack(app, 'Tuned', {
      tables: stateful.tables,
      queues: stateful.queues,
      deadLetterQueues: stateful.deadLetterQueues,
      routeThrottles: { 'POST /dingtalk/{integrationId}/cards': { rateLimit: 3 } },
      callbackReservedConcurrency: 4,
      queueMaxConcurrency: { dispatch: 2 },
      codeOverrideForTests: PLACEHOLDER_CODE,
    });
    const template = Template.fromStack(stack);
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stage.Properties.RouteSettings['POST /dingtalk/{integrationId}/cards']).toEqual({
      ThrottlingRateLimit: 3,
      ThrottlingBurstLimit: DEFAULT_ROUTE_THROTTLES['POST /dingtalk/{integrationId}/cards'].burstLimit,
    });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 4 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 2 } });
  });

  it.each([
    ['an unknown route', { routeThrottles: { 'GET /nope': { rateLimit: 1 } } }],
    ['maxConcurrency below 2', { queueMaxConcurrency: { notify: 1 } }],
    ['maxConcurrency for a function without a queue', { queueMaxConcurrency: { healthz: 5 } }],
    ['reserved concurrency of 0', { callbackReservedConcurrency: 0 }],
  ])('refuses %s', (_what, extra) => {
    const { app, stateful } = buildStacks('Refused');
    expect(
      () =>
        new StatelessStack(app, 'Refused', {
          tables: stateful.tables,
          queues: stateful.queues,
          deadLetterQueues: stateful.deadLetterQueues,
          codeOverrideForTests: PLACEHOLDER_CODE,
          ...extra,
        }),
    ).toThrow(InvalidIsolationSettingError);
  });

  it('refuses a consumed queue whose visibility is under six times its consumer’s timeout', () => {
    const consumer = queueConsumers[0];
    const queue = consumer.queue as { visibilityTimeoutSeconds: number };
    const original = queue.visibilityTimeoutSeconds;
    queue.visibilityTimeoutSeconds = 6 * consumer.timeoutSeconds - 1;
    try {
      const { app, stateful } = buildStacks('ShortVisibility');
      expect(
        () =>
          new StatelessStack(app, 'ShortVisibility', {
            tables: stateful.tables,
            queues: stateful.queues,
            deadLetterQueues: stateful.deadLetterQueues,
            codeOverrideForTests: PLACEHOLDER_CODE,
          }),
      ).toThrow(QueueVisibilityTimeoutTooShortError);
    } finally {
      queue.visibilityTimeoutSeconds = original;
    }
  });

  it('grants no legacy secret names when readLegacySecretNames is off', () => {
    const { app, stateful } = buildStacks('NoLegacy');
    const stack = new StatelessStack(app, 'NoLegacy', {
      tables: stateful.tables,
      queues: stateful.queues,
      deadLetterQueues: stateful.deadLetterQueues,
      readLegacySecretNames: false,
      codeOverrideForTests: PLACEHOLDER_CODE,
    });
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as any[],
    );
    const secretArns = JSON.stringify(statements.filter((statement) => statement.Action === 'secretsmanager:GetSecretValue'));
    expect(secretArns).toContain('integrations/wecom/*');
    expect(secretArns).not.toContain('integrations/*"');
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toEqual([]);
  });

  it.each(['tables', 'queues', 'deadLetterQueues'] as const)('refuses to build without all %s', (missing) => {
    const { app, stateful } = buildStacks('Missing');
    const resources = { tables: stateful.tables, queues: stateful.queues, deadLetterQueues: stateful.deadLetterQueues };
    expect(
      () =>
        new StatelessStack(app, 'Missing', {
          ...resources,
          [missing]: {},
          codeOverrideForTests: PLACEHOLDER_CODE,
        }),
    ).toThrow(MissingStatefulResourceError);
  });
});
