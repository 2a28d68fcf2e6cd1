/**
 * The app in the China regions (partition aws-cn), checked offline: the whole app synthesized for
 * cn-north-1 and cn-northwest-1 with CloudFormation Validate's per-region schemas as errors and
 * cdk-nag on, then the feature gaps the validator does not know about. Sources for the gaps:
 * docs.amazonaws.cn Lambda page (no Function URLs, no X-Ray, no AsyncEvent* metrics), SNS page
 * (no SMS), botocore endpoints (no SES in aws-cn).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { CONTEXT_KEYS } from '../../lib/app';
import { EGRESS_IPS_OUTPUT_KEY } from '../../lib/outputs';
import { functionDefinitions } from '../../shared/config/functions';
import {
  OFFLINE_ACCOUNT,
  buildAppForEnvironment,
  readValidationFindings,
  type EnvironmentApp,
  type ValidationFinding,
} from '../../scripts/synth';
import { PLACEHOLDER_CODE } from './support/synth';

/** A full synthesis with cdk-nag and the validator takes 10-20 s on a busy machine. */
const SYNTH_TIMEOUT_MS = 180_000;

/** How every service principal must look: CDK and China both use the global `<service>.amazonaws.com`. */
const GLOBAL_SERVICE_PRINCIPAL = /^[a-z0-9-]+\.amazonaws\.com$/;

/** The runtime lib/constructs/dutybridge-function.ts pins; a LATEST alias would follow the region's newest. */
const PINNED_RUNTIME = 'nodejs22.x';
const PINNED_ARCHITECTURES = ['arm64'];

type CfnResource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };
type CfnTemplate = { Resources?: Record<string, CfnResource>; Outputs?: Record<string, unknown> };

interface ChinaSynth extends EnvironmentApp {
  readonly outdir: string;
  readonly assembly: cxapi.CloudAssembly;
  /** Template per stack name. */
  readonly templates: Record<string, CfnTemplate>;
  readonly findings: ValidationFinding[];
}

/** Synthesizes the app for `region`; throws (with the validation report) on any validation error. */
function synthesizeFor(region: string, context: Record<string, unknown> = {}): ChinaSynth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `dutybridge-${region}-`));
  const built = buildAppForEnvironment({ env: { account: OFFLINE_ACCOUNT, region }, outdir, context, codeOverride: PLACEHOLDER_CODE });
  const assembly = built.app.synth();
  const templates = Object.fromEntries(assembly.stacks.map((stack) => [stack.stackName, stack.template as CfnTemplate]));
  return { ...built, outdir, assembly, templates, findings: readValidationFindings(outdir) };
}

function removeSynth(synthesized: { outdir: string } | undefined): void {
  if (synthesized !== undefined) fs.rmSync(synthesized.outdir, { recursive: true, force: true });
}

/** Every `Principal.Service` value anywhere under `node` (policy documents nest at any depth). */
function servicePrincipals(node: unknown, found: unknown[] = []): unknown[] {
  if (Array.isArray(node)) {
    for (const item of node) servicePrincipals(item, found);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const principal = record.Principal;
    if (principal !== null && typeof principal === 'object' && 'Service' in principal) {
      found.push(...([] as unknown[]).concat((principal as { Service: unknown }).Service));
    }
    for (const value of Object.values(record)) servicePrincipals(value, found);
  }
  return found;
}

/** Every value of a `MetricName` key under `node` (plain alarms and metric-math alarms). */
function metricNames(node: unknown, found: unknown[] = []): unknown[] {
  if (Array.isArray(node)) {
    for (const item of node) metricNames(item, found);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'MetricName') found.push(value);
      else metricNames(value, found);
    }
  }
  return found;
}

/**
 * What would not deploy or not work in aws-cn, one line per problem (empty when the template fits):
 * global-partition ARN literals, China-style or odd service principals, Lambda Function URLs,
 * SES resources, SMS subscriptions, active X-Ray tracing, alarms or dashboards on AsyncEvent* metrics.
 */
function chinaIncompatibilities(template: CfnTemplate): string[] {
  const problems: string[] = [];
  const text = JSON.stringify(template);
  for (const match of text.match(/arn:aws:[^"]{0,60}/g) ?? []) problems.push(`global-partition ARN literal ${match}`);
  for (const principal of servicePrincipals(template)) {
    if (typeof principal !== 'string' || !GLOBAL_SERVICE_PRINCIPAL.test(principal)) problems.push(`service principal ${JSON.stringify(principal)}`);
  }
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::Lambda::Url') problems.push(`${logicalId}: Lambda Function URL`);
    if (resource.Type.startsWith('AWS::SES::')) problems.push(`${logicalId}: SES resource ${resource.Type}`);
    if (resource.Type === 'AWS::Lambda::Permission') {
      const principal = properties.Principal;
      if (typeof principal !== 'string' || (!GLOBAL_SERVICE_PRINCIPAL.test(principal) && !/^\d{12}$/.test(principal))) {
        problems.push(`${logicalId}: Lambda permission principal ${JSON.stringify(principal)}`);
      }
    }
    const smsProtocol = (protocol: unknown): boolean => typeof protocol === 'string' && protocol.toLowerCase() === 'sms';
    if (resource.Type === 'AWS::SNS::Subscription' && smsProtocol(properties.Protocol)) problems.push(`${logicalId}: SNS SMS subscription`);
    if (resource.Type === 'AWS::SNS::Topic' && ((properties.Subscription as { Protocol?: unknown }[] | undefined) ?? []).some((subscription) => smsProtocol(subscription.Protocol))) {
      problems.push(`${logicalId}: SNS topic with an SMS subscription`);
    }
    if (resource.Type === 'AWS::Lambda::Function' && (properties.TracingConfig as { Mode?: unknown } | undefined)?.Mode === 'Active') {
      problems.push(`${logicalId}: X-Ray tracing Active`);
    }
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      for (const name of metricNames(properties)) if (typeof name === 'string' && name.startsWith('AsyncEvent')) problems.push(`${logicalId}: alarm on ${name}`);
    }
    // Dashboard widgets name metrics as ["AWS/Lambda","<metric>",…] inside the (joined) body string.
    if (resource.Type === 'AWS::CloudWatch::Dashboard' && /AWS\/Lambda\\*",\\*"AsyncEvent/.test(JSON.stringify(properties.DashboardBody))) {
      problems.push(`${logicalId}: dashboard widget on an AsyncEvent* metric`);
    }
  }
  return problems;
}

function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === type);
}

function allResourcesOfType(templates: Record<string, CfnTemplate>, type: string): [string, CfnResource][] {
  return Object.values(templates).flatMap((template) => resourcesOfType(template, type));
}

/** The checks every China synthesis must pass; shared by the default and the production variant. */
function expectChinaReady(synthesized: ChinaSynth, region: string): void {
  expect(synthesized.assembly.stacks.map((stack) => [stack.stackName, stack.environment.name]).sort()).toEqual([
    ['DutyBridge', `aws://${OFFLINE_ACCOUNT}/${region}`],
    ['DutyBridgeState', `aws://${OFFLINE_ACCOUNT}/${region}`],
  ]);
  expect(synthesized.findings).toEqual([]);
  expect(synthesized.assembly.manifest.missing ?? []).toEqual([]);
  for (const [stackName, template] of Object.entries(synthesized.templates)) {
    expect({ stackName, problems: chinaIncompatibilities(template) }).toEqual({ stackName, problems: [] });
  }
  const functions = allResourcesOfType(synthesized.templates, 'AWS::Lambda::Function');
  expect(functions).toHaveLength(functionDefinitions.length);
  for (const [logicalId, resource] of functions) {
    expect({ logicalId, runtime: resource.Properties?.Runtime, architectures: resource.Properties?.Architectures }).toEqual({
      logicalId,
      runtime: PINNED_RUNTIME,
      architectures: PINNED_ARCHITECTURES,
    });
  }
}

describe.each(['cn-north-1', 'cn-northwest-1'])('the whole app synthesized offline for %s', (region) => {
  let synthesized: ChinaSynth;
  beforeAll(() => {
    synthesized = synthesizeFor(region);
  }, SYNTH_TIMEOUT_MS);
  afterAll(() => removeSynth(synthesized));

  it('puts both stacks in that account and region, passes the validator and cdk-nag, looks nothing up, and uses nothing China lacks', () => {
    expectChinaReady(synthesized, region);
  });

  it('keeps the partition a deploy-time reference, so one template shape fits aws and aws-cn', () => {
    const text = JSON.stringify(synthesized.templates.DutyBridge);
    expect(text).toContain('{"Ref":"AWS::Partition"}');
    expect(text).not.toContain('arn:aws-cn:');
  });

  it('runs the stack region through the validator (the region is a literal in the template, not AWS::Region)', () => {
    // Lambda permissions for the HTTP API name the API by an ARN built from the stack's region.
    expect(JSON.stringify(synthesized.templates.DutyBridge)).toContain(`:execute-api:${region}:${OFFLINE_ACCOUNT}:`);
  });
});

describe('the built-in validation', () => {
  let synthesized: { outdir: string } | undefined;
  afterEach(() => removeSynth(synthesized));

  function withScratchEmailIdentity(region: string): EnvironmentApp & { outdir: string } {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `dutybridge-${region}-`));
    const built = buildAppForEnvironment({ env: { account: OFFLINE_ACCOUNT, region }, outdir, codeOverride: PLACEHOLDER_CODE });
    new ses.CfnEmailIdentity(built.stateless, 'ScratchEmailIdentity', { emailIdentity: 'alerts@example.cn' });
    return { ...built, outdir };
  }

  it('would catch a resource China lacks: an SES identity fails the cn-north-1 synthesis', () => {
    const built = withScratchEmailIdentity('cn-north-1');
    synthesized = built;
    expect(() => built.app.synth()).toThrow(/Resource type 'AWS::SES::EmailIdentity' does not exist in 'cn-north-1'/);
    expect(readValidationFindings(built.outdir)).toEqual([
      expect.objectContaining({ plugin: 'CloudFormation Validate', rule: 'F3006', severity: 'error', constructPaths: ['DutyBridge/ScratchEmailIdentity'] }),
    ]);
  }, SYNTH_TIMEOUT_MS);

  it('judges by region: the same SES identity passes in us-east-1', () => {
    const built = withScratchEmailIdentity('us-east-1');
    synthesized = built;
    expect(() => built.app.synth()).not.toThrow();
    expect(readValidationFindings(built.outdir)).toEqual([]);
  }, SYNTH_TIMEOUT_MS);
});

describe('the China checks themselves', () => {
  it('flag each thing China lacks, as CDK renders it', () => {
    // The validator would only print F3006 for the SES identity here; these checks are under test.
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Unfit', { env: { account: OFFLINE_ACCOUNT, region: 'cn-north-1' } });
    const fn = new lambda.Function(stack, 'Traced', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: PLACEHOLDER_CODE,
      tracing: lambda.Tracing.ACTIVE,
    });
    fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    new lambda.CfnPermission(stack, 'ChinaStylePermission', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionName,
      principal: 'apigateway.amazonaws.com.cn',
    });
    new iam.CfnRole(stack, 'ChinaStyleRole', {
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com.cn' }, Action: 'sts:AssumeRole' }] },
      managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
    new ses.CfnEmailIdentity(stack, 'Identity', { emailIdentity: 'alerts@example.cn' });
    new sns.Topic(stack, 'Topic').addSubscription(new snsSubscriptions.SmsSubscription('+8613800000000'));
    new cloudwatch.Alarm(stack, 'AsyncAgeAlarm', {
      metric: fn.metric('AsyncEventAge', { period: Duration.minutes(5) }),
      threshold: 60_000,
      evaluationPeriods: 1,
    });
    new cloudwatch.Dashboard(stack, 'Dashboard', {
      widgets: [[new cloudwatch.GraphWidget({ left: [fn.metric('AsyncEventsDropped')] })]],
    });

    const problems = chinaIncompatibilities(Template.fromStack(stack).toJSON() as CfnTemplate);
    const expected = [
      /^global-partition ARN literal arn:aws:iam::aws:policy\/ReadOnlyAccess$/,
      /^service principal "events\.amazonaws\.com\.cn"$/,
      /: Lambda Function URL$/,
      // A public Function URL also grants lambda:InvokeFunction(Url) to everyone.
      /^Tracedinvokefunctionurl[0-9A-F]{8}: Lambda permission principal "\*"$/,
      /^Tracedinvokefunction[0-9A-F]{8}: Lambda permission principal "\*"$/,
      /^Identity: SES resource AWS::SES::EmailIdentity$/,
      /^ChinaStylePermission: Lambda permission principal "apigateway\.amazonaws\.com\.cn"$/,
      /: SNS SMS subscription$/,
      /: X-Ray tracing Active$/,
      /: alarm on AsyncEventAge$/,
      /: dashboard widget on an AsyncEvent\* metric$/,
    ];
    expect(problems).toEqual(expect.arrayContaining(expected.map((pattern) => expect.stringMatching(pattern))));
    expect(problems).toHaveLength(expected.length);
  });
});

describe('the production options in cn-north-1 (fixed egress, custom domain, WeCom verification file)', () => {
  const productionContext = {
    [CONTEXT_KEYS.fixedEgressNatGateways]: '2',
    [CONTEXT_KEYS.customDomainName]: 'alerts.example.cn',
    [CONTEXT_KEYS.customDomainCertificateArn]: 'arn:aws-cn:acm:cn-north-1:111111111111:certificate/abc',
    [CONTEXT_KEYS.wecomVerifyFile]: 'WW_verify_AbC123.txt',
  };
  let synthesized: ChinaSynth;
  beforeAll(() => {
    synthesized = synthesizeFor('cn-north-1', productionContext);
  }, SYNTH_TIMEOUT_MS);
  afterAll(() => removeSynth(synthesized));

  it('still passes every China check and needs no availability-zone lookup', () => {
    expectChinaReady(synthesized, 'cn-north-1');
  });

  it('egresses through two NAT gateways on two retained Elastic IPs, put out as EgressIps', () => {
    const template = synthesized.templates.DutyBridge;
    expect(resourcesOfType(template, 'AWS::EC2::NatGateway')).toHaveLength(2);
    const eips = resourcesOfType(template, 'AWS::EC2::EIP');
    expect(eips).toHaveLength(2);
    for (const [, eip] of eips) expect(eip.DeletionPolicy).toBe('Retain');
    expect(Object.keys(template.Outputs ?? {})).toContain(EGRESS_IPS_OUTPUT_KEY);
    const inVpc = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, resource]) => resource.Properties?.VpcConfig !== undefined);
    expect(inVpc).toHaveLength(functionDefinitions.filter((definition) => definition.egress === true).length);
  });

  it('serves the API only at the regional custom domain with the China certificate', () => {
    const template = synthesized.templates.DutyBridge;
    const domains = resourcesOfType(template, 'AWS::ApiGatewayV2::DomainName');
    expect(domains).toHaveLength(1);
    expect(domains[0][1].Properties).toMatchObject({
      DomainName: 'alerts.example.cn',
      DomainNameConfigurations: [
        { CertificateArn: 'arn:aws-cn:acm:cn-north-1:111111111111:certificate/abc', EndpointType: 'REGIONAL' },
      ],
    });
    const apis = resourcesOfType(template, 'AWS::ApiGatewayV2::Api');
    expect(apis).toHaveLength(1);
    expect(apis[0][1].Properties?.DisableExecuteApiEndpoint).toBe(true);
    const mappings = resourcesOfType(template, 'AWS::ApiGatewayV2::ApiMapping');
    expect(mappings).toHaveLength(1);
    expect(mappings[0][1].Properties?.ApiMappingKey).toBeUndefined();
  });

  it('routes the WeCom verification file at the domain root', () => {
    const routeKeys = resourcesOfType(synthesized.templates.DutyBridge, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties?.RouteKey);
    expect(routeKeys).toContain('GET /WW_verify_AbC123.txt');
  });
});
