import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FunctionDefinition, functionDefinitions } from '../../../shared/config/functions';
import { DutyBridgeFunction } from '../../../lib/constructs/dutybridge-function';
import { PLACEHOLDER_CODE, cdkJsonContext } from '../support/synth';

const healthz = functionDefinitions.find((definition) => definition.name === 'healthz') as FunctionDefinition;

describe('DutyBridgeFunction bundled by the local esbuild', () => {
  let outdir: string;
  let template: Template;
  let assetDirectory: string;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dutybridge-fn-'));
    const app = new App({ outdir, context: cdkJsonContext() });
    const stack = new Stack(app, 'Bundled');
    new DutyBridgeFunction(stack, 'Healthz', { definition: healthz });
    const assembly = app.synth();
    template = Template.fromStack(stack);
    const [lambdaFunction] = Object.values(template.findResources('AWS::Lambda::Function'));
    const assetHash = (lambdaFunction.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    assetDirectory = path.join(assembly.directory, `asset.${assetHash}`);
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('produces a CommonJS bundle with an external source map', () => {
    expect(fs.readdirSync(assetDirectory).sort()).toEqual(['index.js', 'index.js.map']);
    const bundle = fs.readFileSync(path.join(assetDirectory, 'index.js'), 'utf8');
    expect(bundle).toContain('//# sourceMappingURL=index.js.map');
    const sourceMap = JSON.parse(fs.readFileSync(path.join(assetDirectory, 'index.js.map'), 'utf8')) as {
      sources: string[];
    };
    expect(sourceMap.sources.some((source) => source.endsWith('functions/healthz/handler.ts'))).toBe(true);
    // CJS output: loading it with require() exposes the handler the runtime will call.
    const loaded = require(path.join(assetDirectory, 'index.js')) as { handler?: unknown };
    expect(typeof loaded.handler).toBe('function');
  });

  it('is minified', () => {
    const bundle = fs.readFileSync(path.join(assetDirectory, 'index.js'), 'utf8');
    const codeLines = bundle.split('\n').filter((line) => line.length > 0 && !line.startsWith('//#'));
    expect(codeLines.length).toBeLessThan(5);
  });

  it('runs index.handler on Node.js 22 / arm64 with the definition’s limits', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: healthz.timeoutSeconds,
      MemorySize: healthz.memoryMb,
    });
  });
});

describe('DutyBridgeFunction settings', () => {
  function synth(props: Partial<ConstructorParameters<typeof DutyBridgeFunction>[2]> = {}) {
    const app = new App({ context: cdkJsonContext() });
    const stack = new Stack(app, 'Settings');
    const dutyBridgeFunction = new DutyBridgeFunction(stack, 'Fn', {
      definition: healthz,
      codeOverrideForTests: PLACEHOLDER_CODE,
      ...props,
    });
    return { template: Template.fromStack(stack), stack, dutyBridgeFunction };
  }

  it('defaults: INFO logs kept one month and retained with the stack, no tracing, Powertools env', () => {
    const { template, stack, dutyBridgeFunction } = synth();
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const [lambdaFunction] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(lambdaFunction.Properties.TracingConfig).toBeUndefined();
    expect(lambdaFunction.Properties.Environment.Variables).toEqual({
      POWERTOOLS_SERVICE_NAME: 'dutybridge',
      POWERTOOLS_METRICS_NAMESPACE: 'DutyBridge',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(lambdaFunction.Properties.LoggingConfig).toEqual({
      LogGroup: { Ref: stack.getLogicalId(dutyBridgeFunction.logGroup.node.defaultChild as CfnElement) },
    });
  });

  it('lets its role write only its own log group and attaches no managed policy', () => {
    const { template, stack, dutyBridgeFunction } = synth();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: {
              'Fn::GetAtt': [stack.getLogicalId(dutyBridgeFunction.logGroup.node.defaultChild as CfnElement), 'Arn'],
            },
          },
        ],
      },
    });
  });

  it('honours retention, removal policy, tracing, log level and extra environment', () => {
    const { template } = synth({
      logRetention: logs.RetentionDays.ONE_WEEK,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      tracing: lambda.Tracing.ACTIVE,
      logLevel: 'DEBUG',
      environment: { STATE_TABLE_NAME: 'table-under-test' },
    });
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ LOG_LEVEL: 'DEBUG', STATE_TABLE_NAME: 'table-under-test' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' }),
        ]),
      },
    });
  });

  it('takes a role path, reserved concurrency, an async dead-letter queue and retry attempts', () => {
    const app = new App({ context: cdkJsonContext() });
    const stack = new Stack(app, 'Isolated');
    const dlq = new sqs.Queue(stack, 'Dlq');
    new DutyBridgeFunction(stack, 'Fn', {
      definition: healthz,
      codeOverrideForTests: PLACEHOLDER_CODE,
      rolePath: '/dutybridge/Isolated/',
      reservedConcurrentExecutions: 7,
      deadLetterQueue: dlq,
      retryAttempts: 0,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', { Path: '/dutybridge/Isolated/' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 7,
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [stack.getLogicalId(dlq.node.defaultChild as CfnElement), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });
});
