import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { functionDefinitions } from '../../shared/config/functions';
import { PUBLIC_API_URL_ENV } from '../../shared/config/runtime-config';
import { WECOM_VERIFY_FILE_ENV } from '../../shared/config/wecom-verify-file';
import { InvalidContextValueError, addDutyBridgeStacks } from '../../lib/app';
import { InvalidCustomDomainError } from '../../lib/constructs/api-custom-domain';
import { API_URL_OUTPUT_KEY, CALLBACK_URL_TEMPLATE_OUTPUTS, CUSTOM_DOMAIN_TARGET_OUTPUT_KEY, callbackRoutePath } from '../../lib/outputs';
import { StatefulStack } from '../../lib/stateful-stack';
import { InvalidWeComVerifyFileError, StatelessStack, StatelessStackProps, WECOM_VERIFY_ROUTE_THROTTLE } from '../../lib/stateless-stack';
import { PLACEHOLDER_CODE, SynthesizedApp, cdkJsonContext, removeOutdir, synthApp } from './support/synth';

type Resource = { Properties: Record<string, any>; DependsOn?: string[] };
type Outputs = Record<string, { Value: unknown; Description: string }>;

const DOMAIN = 'oncall.example.com';
const CHINA_CERTIFICATE = 'arn:aws-cn:acm:cn-north-1:111111111111:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';
const GLOBAL_CERTIFICATE = 'arn:aws:acm:ap-east-1:111111111111:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const VERIFY_FILE = 'WW_verify_AbCdEf123.txt';

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

function only(template: Template, type: string): [string, Resource] {
  const found = Object.entries(template.findResources(type) as Record<string, Resource>);
  expect(found).toHaveLength(1);
  return found[0];
}

function verifyRoutes(template: Template): Resource[] {
  return (Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[]).filter((route) =>
    String(route.Properties.RouteKey).includes('WW_verify_'),
  );
}

describe('customDomain with a Route 53 zone and the WeCom file (-c customDomain… -c wecomVerifyFile)', () => {
  let synthesized: SynthesizedApp;
  let template: Template;
  let outputs: Outputs;

  // synthApp runs cdk-nag and throws on any unacknowledged finding (the verify route's APIG4 included).
  beforeAll(() => {
    synthesized = synthApp({
      context: { customDomainName: DOMAIN, customDomainCertificateArn: CHINA_CERTIFICATE, customDomainHostedZoneId: ZONE, wecomVerifyFile: VERIFY_FILE },
    });
    template = synthesized.statelessTemplate;
    outputs = template.toJSON().Outputs as Outputs;
  });
  afterAll(() => removeOutdir(synthesized));

  it('creates one REGIONAL domain name with the China certificate and TLS 1.2', () => {
    const [, domain] = only(template, 'AWS::ApiGatewayV2::DomainName');
    expect(domain.Properties).toEqual({
      DomainName: DOMAIN,
      DomainNameConfigurations: [{ CertificateArn: CHINA_CERTIFICATE, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
    });
  });

  it('maps the API at the root of the domain (no mapping key) on the $default stage', () => {
    const [domainId] = only(template, 'AWS::ApiGatewayV2::DomainName');
    const [, mapping] = only(template, 'AWS::ApiGatewayV2::ApiMapping');
    expect(mapping.Properties).toEqual({
      ApiId: { Ref: logicalId(synthesized.stateless.httpApi) },
      DomainName: { Ref: domainId },
      Stage: '$default',
    });
    expect(mapping.Properties.ApiMappingKey).toBeUndefined();
  });

  it('switches the execute-api endpoint off', () => {
    const [, api] = only(template, 'AWS::ApiGatewayV2::Api');
    expect(api.Properties.DisableExecuteApiEndpoint).toBe(true);
  });

  it('adds an A alias record for the domain in the given zone', () => {
    const [domainId] = only(template, 'AWS::ApiGatewayV2::DomainName');
    const [, record] = only(template, 'AWS::Route53::RecordSet');
    expect(record.Properties).toEqual({
      HostedZoneId: ZONE,
      Name: `${DOMAIN}.`,
      Type: 'A',
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] },
      },
    });
  });

  it('outputs the API and callback URLs on the domain, and the CNAME target', () => {
    const [domainId] = only(template, 'AWS::ApiGatewayV2::DomainName');
    expect(outputs[API_URL_OUTPUT_KEY].Value).toBe(`https://${DOMAIN}/`);
    for (const { outputKey, functionName } of CALLBACK_URL_TEMPLATE_OUTPUTS) {
      expect(outputs[outputKey].Value).toBe(`https://${DOMAIN}/${callbackRoutePath(functionName)}`);
    }
    expect(outputs[CUSTOM_DOMAIN_TARGET_OUTPUT_KEY].Value).toEqual({ 'Fn::GetAtt': [domainId, 'RegionalDomainName'] });
  });

  it('gives every function the domain as PUBLIC_API_URL', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]) {
      expect(fn.Properties.Environment.Variables[PUBLIC_API_URL_ENV]).toBe(`https://${DOMAIN}`);
    }
  });

  it('routes GET /<file> to the healthz function, throttled, and tells healthz the file name', () => {
    const routes = verifyRoutes(template);
    expect(routes).toHaveLength(1);
    expect(routes[0].Properties.RouteKey).toBe(`GET /${VERIFY_FILE}`);
    const healthzRoute = (Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[]).find(
      (route) => route.Properties.RouteKey === 'GET /healthz',
    );
    expect(routes[0].Properties.Target).toEqual(healthzRoute?.Properties.Target);

    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    for (const definition of functionDefinitions) {
      const variables = functions[logicalId(synthesized.stateless.functions[definition.name].function)].Properties.Environment.Variables;
      expect({ name: definition.name, file: variables[WECOM_VERIFY_FILE_ENV] }).toEqual({
        name: definition.name,
        file: definition.name === 'healthz' ? VERIFY_FILE : undefined,
      });
    }
    const [, stage] = only(template, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties.RouteSettings[`GET /${VERIFY_FILE}`]).toEqual({
      ThrottlingRateLimit: WECOM_VERIFY_ROUTE_THROTTLE.rateLimit,
      ThrottlingBurstLimit: WECOM_VERIFY_ROUTE_THROTTLE.burstLimit,
    });
  });
});

describe('customDomain without a zone, with an explicit publicApiUrl', () => {
  let synthesized: SynthesizedApp;
  let template: Template;

  beforeAll(() => {
    synthesized = synthApp({
      context: { customDomainName: DOMAIN, customDomainCertificateArn: GLOBAL_CERTIFICATE, publicApiUrl: 'https://links.example.com' },
    });
    template = synthesized.statelessTemplate;
  });
  afterAll(() => removeOutdir(synthesized));

  it('adds no DNS record (CNAME to CustomDomainTarget at the DNS provider) and no verification route', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 1);
    expect(verifyRoutes(template)).toEqual([]);
    const healthz = (template.findResources('AWS::Lambda::Function') as Record<string, Resource>)[logicalId(synthesized.stateless.functions.healthz.function)];
    expect(healthz.Properties.Environment.Variables[WECOM_VERIFY_FILE_ENV]).toBeUndefined();
    expect(Object.keys(template.toJSON().Outputs)).toContain(CUSTOM_DOMAIN_TARGET_OUTPUT_KEY);
  });

  it('keeps the given publicApiUrl for links while the outputs use the domain', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]) {
      expect(fn.Properties.Environment.Variables[PUBLIC_API_URL_ENV]).toBe('https://links.example.com');
    }
    expect((template.toJSON().Outputs as Outputs)[API_URL_OUTPUT_KEY].Value).toBe(`https://${DOMAIN}/`);
  });
});

describe('the default synth has no custom domain', () => {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = synthApp();
  });
  afterAll(() => removeOutdir(synthesized));

  it('keeps the execute-api endpoint, its URL in the outputs, and no verification route', () => {
    const template = synthesized.statelessTemplate;
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 0);
    const [, api] = only(template, 'AWS::ApiGatewayV2::Api');
    expect(api.Properties.DisableExecuteApiEndpoint).toBeUndefined();
    expect(verifyRoutes(template)).toEqual([]);
    const outputs = template.toJSON().Outputs as Outputs;
    expect(JSON.stringify(outputs[API_URL_OUTPUT_KEY].Value)).toContain('execute-api');
    expect(Object.keys(outputs)).not.toContain(CUSTOM_DOMAIN_TARGET_OUTPUT_KEY);
  });
});

describe('customDomain and wecomVerifyFile refusals', () => {
  function stack(props: Partial<StatelessStackProps>, env?: { account: string; region: string }): void {
    const app = new App({ context: cdkJsonContext() });
    const stateful = new StatefulStack(app, 'RefusedState', { env });
    new StatelessStack(app, 'Refused', {
      env,
      tables: stateful.tables,
      queues: stateful.queues,
      deadLetterQueues: stateful.deadLetterQueues,
      codeOverrideForTests: PLACEHOLDER_CODE,
      ...props,
    });
  }
  const domain = (overrides: Partial<{ domainName: string; certificateArn: string; hostedZoneId: string }>) => ({
    customDomain: { domainName: DOMAIN, certificateArn: GLOBAL_CERTIFICATE, ...overrides },
  });

  it.each([`https://${DOMAIN}`, `${DOMAIN}/`, `${DOMAIN}:443`, 'OnCall.example.com', '203.0.113.7', 'localhost', '-a.example.com', 'a..example.com'])(
    'refuses the domain name %p',
    (domainName) => {
      expect(() => stack(domain({ domainName }))).toThrow(InvalidCustomDomainError);
      expect(() => stack(domain({ domainName }))).toThrow(/lower-case host name/);
    },
  );

  it('accepts punycode and China TLDs', () => {
    expect(() => stack(domain({ domainName: 'oncall.xn--fiqs8s' }))).not.toThrow();
    expect(() => stack(domain({ domainName: 'oncall.example.com.cn', certificateArn: CHINA_CERTIFICATE }))).not.toThrow();
  });

  it.each([
    'arn:aws:iam::111111111111:server-certificate/oncall',
    'arn:aws:acm:us-east-1:1111:certificate/abc',
    'arn:aws-cn:acm::111111111111:certificate/abc',
    'arn:aws-xx:acm:us-east-1:111111111111:certificate/abc',
    '0a1b2c3d-aaaa-bbbb-cccc-0123456789ab',
  ])('refuses the certificate ARN %p', (certificateArn) => {
    expect(() => stack(domain({ certificateArn }))).toThrow(/ACM certificate ARN/);
  });

  it('refuses a certificate from another region than a concrete stack region', () => {
    const env = { account: '111111111111', region: 'cn-northwest-1' };
    expect(() => stack(domain({ certificateArn: CHINA_CERTIFICATE }), env)).toThrow(/is in cn-north-1.*cn-northwest-1/);
    expect(() => stack(domain({ certificateArn: CHINA_CERTIFICATE }), { ...env, region: 'cn-north-1' })).not.toThrow();
  });

  it.each(['abc', 'z0123456789', 'Z0123-456'])('refuses the hosted zone id %p', (hostedZoneId) => {
    expect(() => stack(domain({ hostedZoneId }))).toThrow(/hostedZoneId/);
  });

  it('refuses wecomVerifyFile without customDomain, naming the reason', () => {
    expect(() => stack({ wecomVerifyFile: VERIFY_FILE })).toThrow(InvalidWeComVerifyFileError);
    expect(() => stack({ wecomVerifyFile: VERIFY_FILE })).toThrow(/needs customDomain/);
  });

  it.each(['WW_verify_.txt', 'ww_verify_abc.txt', 'WW_verify_ab-c.txt', `/${VERIFY_FILE}`, 'WW_verify_abc.txt/../x', 'verify.txt'])(
    'refuses the verification file %p',
    (wecomVerifyFile) => {
      expect(() => stack({ ...domain({}), wecomVerifyFile })).toThrow(/WW_verify_<letters and digits>\.txt/);
    },
  );

  it.each([
    [{ customDomainName: DOMAIN }, /go together/],
    [{ customDomainCertificateArn: GLOBAL_CERTIFICATE }, /go together/],
    [{ customDomainHostedZoneId: ZONE }, /customDomainHostedZoneId needs -c customDomainName/],
  ])('refuses the partial context %p', (context, message) => {
    const add = () => addDutyBridgeStacks(new App({ context: { ...cdkJsonContext(), ...context } }), { codeOverrideForTests: PLACEHOLDER_CODE });
    expect(add).toThrow(InvalidContextValueError);
    expect(add).toThrow(message);
  });
});
