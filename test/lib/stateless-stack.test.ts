import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { functionDefinitions } from '../../shared/config/functions';
import { SECRET_PREFIX_ENV, queues, tables } from '../../shared/config/resources';
import { CALLBACK_URL_TEMPLATE_OUTPUTS, outputKeyForEnv, resourceEnvironmentKeys } from '../../lib/outputs';
import { StatefulStack } from '../../lib/stateful-stack';
import { MissingStatefulResourceError, StatelessStack } from '../../lib/stateless-stack';
import { PLACEHOLDER_CODE, SynthesizedApp, cdkJsonContext, removeOutdir, synthApp } from './support/synth';

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

  describe('permissions', () => {
    let statementsByFunction: Record<string, any[]>;
    beforeAll(() => {
      const policies = template.findResources('AWS::IAM::Policy');
      statementsByFunction = Object.fromEntries(
        functionDefinitions.map((definition) => {
          const [policy] = Object.values(policies).filter((candidate) =>
            (candidate.Properties.Roles as { Ref: string }[]).some(
              (role) => role.Ref === logicalId(stack.functions[definition.name].role),
            ),
          );
          return [definition.name, policy.Properties.PolicyDocument.Statement as any[]];
        }),
      );
    });

    it.each(functionDefinitions.map((definition) => definition.name))(
      '%s may read secrets under its stack’s prefix only',
      (name) => {
        const secretStatements = statementsByFunction[name].filter(
          (statement) => statement.Action === 'secretsmanager:GetSecretValue',
        );
        expect(secretStatements).toHaveLength(1);
        const joined = (secretStatements[0].Resource['Fn::Join'][1] as unknown[])
          .map((part) => (typeof part === 'string' ? part : '<token>'))
          .join('');
        expect(joined).toBe('arn:<token>:secretsmanager:<token>:<token>:secret:dutybridge/DutyBridge/*');
      },
    );

    it.each(functionDefinitions.map((definition) => definition.name))(
      '%s reads and writes the table and its named indexes, and uses the key',
      (name) => {
        const statements = statementsByFunction[name];
        const tableStatement = statements.find((statement) => [statement.Action].flat().includes('dynamodb:PutItem'));
        expect(tableStatement.Action).toEqual(
          expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']),
        );
        expect(tableStatement.Resource).toHaveLength(1 + tables[0].globalSecondaryIndexes.length);
        expect(JSON.stringify(tableStatement.Resource)).toContain(`/index/${tables[0].globalSecondaryIndexes[0].indexName}`);
        const keyStatement = statements.find((statement) => [statement.Action].flat().includes('kms:Decrypt'));
        expect(keyStatement.Action).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*']));
        expect(keyStatement.Resource['Fn::ImportValue']).toMatch(
          new RegExp(`^DutyBridgeState:ExportsOutputFnGetAtt${logicalId(synthesized.stateful.encryptionKey)}Arn`),
        );
      },
    );

    it.each(functionDefinitions.map((definition) => definition.name))(
      '%s may send to every queue and dead-letter queue',
      (name) => {
        const sendStatement = statementsByFunction[name].find((statement) =>
          [statement.Action].flat().includes('sqs:SendMessage'),
        );
        expect(sendStatement.Resource).toHaveLength(queues.length * 2);
      },
    );

    it('never grants an action on every resource', () => {
      for (const statements of Object.values(statementsByFunction)) {
        for (const statement of statements) expect(statement.Resource).not.toBe('*');
      }
    });
  });

  it('runs each scheduled function on its EventBridge rate', () => {
    const scheduled = functionDefinitions.filter((f) => f.everyMinutes !== undefined);
    expect(scheduled.length).toBeGreaterThan(0);
    template.resourceCountIs('AWS::Events::Rule', scheduled.length);
    for (const f of scheduled) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: `rate(${f.everyMinutes} minute${f.everyMinutes === 1 ? '' : 's'})`,
        State: 'ENABLED',
      });
    }
  });

  it('exports the API URL, one output per resource variable and the callback URL templates', () => {
    const outputs = template.findOutputs('*');
    const expectedKeys = [
      'ApiUrl',
      'WeComCallbackUrlTemplate',
      'DingTalkEventsUrlTemplate',
      'DingTalkCardsUrlTemplate',
      ...resourceEnvironmentKeys().map(outputKeyForEnv),
    ];
    expect(Object.keys(outputs).sort()).toEqual(expectedKeys.sort());
    expect(expectedKeys).toEqual(
      expect.arrayContaining(['StateTableName', 'IncidentEventsQueueUrl', 'IncidentEventsDlqUrl', 'SecretNamePrefix']),
    );
    expect(outputs.SecretNamePrefix.Value).toBe('dutybridge/DutyBridge/');
  });

  it.each([
    ['WeComCallbackUrlTemplate', '/wecom/{integrationId}/callback'],
    ['DingTalkEventsUrlTemplate', '/dingtalk/{integrationId}/events'],
    ['DingTalkCardsUrlTemplate', '/dingtalk/{integrationId}/cards'],
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
