import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { functionDefinitions } from '../../shared/config/functions';
import { EGRESS_IPS_OUTPUT_KEY } from '../../lib/outputs';
import { InvalidContextValueError, addDutyBridgeStacks } from '../../lib/app';
import { FixedEgress, FixedEgressProps, InvalidFixedEgressError } from '../../lib/constructs/fixed-egress';
import { StatefulStack } from '../../lib/stateful-stack';
import { StatelessStack } from '../../lib/stateless-stack';
import { PLACEHOLDER_CODE, SynthesizedApp, cdkJsonContext, removeOutdir, synthApp } from './support/synth';

type Resource = { Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** The functions that call WeCom, DingTalk, the model, SMTP or Alertmanager; nothing else may be in the VPC. */
const EGRESS_FUNCTIONS = [
  'alert-silences',
  'auto-link',
  'bot-replies',
  'dingtalk-cards',
  'dispatch',
  'flush-digests',
  'link-pages',
  'notify',
  'process-inbound',
  'refresh-card',
  'send-link-code',
  'war-room',
  // WeCom suite (issue 16): the service API (pre-auth and permanent codes, licenses).
  'wecom-licenses',
  'wecom-suite-auth',
  'wecom-suite-install',
];
const WEBHOOK_ONLY_FUNCTIONS = ['alert-incidents', 'dingtalk-events', 'healthz', 'ingest', 'wecom-bot', 'wecom-callback', 'wecom-suite-command', 'wecom-suite-data'];

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Adds the stacks from context without synthesizing (nothing is written, so a refusal leaves no directory). */
function addStacks(context: Record<string, string>): void {
  addDutyBridgeStacks(new App({ context: { ...cdkJsonContext(), ...context } }), { codeOverrideForTests: PLACEHOLDER_CODE });
}

function resources(template: Template, type: string): Resource[] {
  return Object.values(template.findResources(type)) as Resource[];
}

describe('FunctionDefinition.egress', () => {
  it('marks exactly the functions that call the platforms, the model, SMTP or Alertmanager', () => {
    expect(functionDefinitions.filter((definition) => definition.egress === true).map((definition) => definition.name).sort()).toEqual(EGRESS_FUNCTIONS);
    expect(functionDefinitions.filter((definition) => definition.egress !== true).map((definition) => definition.name).sort()).toEqual(WEBHOOK_ONLY_FUNCTIONS);
  });
});

describe.each([1, 2] as const)('fixedEgress with %i NAT gateway(s), from -c fixedEgressNatGateways', (natGateways) => {
  let synthesized: SynthesizedApp;
  let template: Template;

  // synthApp runs cdk-nag: it throws on any unacknowledged finding of the VPC resources.
  beforeAll(() => {
    synthesized = synthApp({ context: { fixedEgressNatGateways: String(natGateways) } });
    template = synthesized.statelessTemplate;
  });
  afterAll(() => removeOutdir(synthesized));

  it('puts each NAT gateway on its own new Elastic IP, retained when it leaves the stack', () => {
    const eips = template.findResources('AWS::EC2::EIP') as Record<string, Resource>;
    expect(Object.keys(eips)).toHaveLength(natGateways);
    for (const eip of Object.values(eips)) {
      expect(eip).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { Domain: 'vpc' } });
    }
    const nats = resources(template, 'AWS::EC2::NatGateway');
    expect(nats).toHaveLength(natGateways);
    expect(nats.map((nat) => nat.Properties.AllocationId).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      Object.keys(eips).sort().map((id) => ({ 'Fn::GetAtt': [id, 'AllocationId'] })),
    );
  });

  it('has two /26 public and two /22 private subnets, in zones from Fn::GetAZs', () => {
    const subnets = resources(template, 'AWS::EC2::Subnet');
    const masks = subnets.map((subnet) => `${subnet.Properties.MapPublicIpOnLaunch ? 'public' : 'private'}${String(subnet.Properties.CidrBlock).replace(/^.*\//, '/')}`);
    expect(masks.sort()).toEqual(['private/22', 'private/22', 'public/26', 'public/26']);
    for (const subnet of subnets) expect(JSON.stringify(subnet.Properties.AvailabilityZone)).toContain('Fn::GetAZs');
  });

  it('routes DynamoDB through a gateway endpoint', () => {
    const endpoints = resources(template, 'AWS::EC2::VPCEndpoint');
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0].Properties.VpcEndpointType).toBe('Gateway');
    expect(endpoints[0].Properties.ServiceName).toEqual({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.dynamodb']] });
  });

  it('has one security group, without inbound rules', () => {
    const groups = resources(template, 'AWS::EC2::SecurityGroup');
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  it('outputs the comma-joined public IPs once, as EgressIps', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    expect(Object.keys(outputs).filter((key) => /egress/i.test(key))).toEqual([EGRESS_IPS_OUTPUT_KEY]);
    const eipIds = Object.keys(template.findResources('AWS::EC2::EIP')).sort();
    const publicIps = eipIds.map((id) => ({ 'Fn::GetAtt': [id, 'PublicIp'] }));
    // CDK folds a join of one element into the element itself.
    expect(outputs[EGRESS_IPS_OUTPUT_KEY].Value).toEqual(natGateways === 1 ? publicIps[0] : { 'Fn::Join': [',', publicIps] });
    expect(outputs[EGRESS_IPS_OUTPUT_KEY].Description).toMatch(/Public IPs/);
  });

  it('places exactly the egress functions in the private subnets with that security group', () => {
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    const groupId = Object.keys(template.findResources('AWS::EC2::SecurityGroup'))[0];
    const privateSubnetIds = Object.entries(template.findResources('AWS::EC2::Subnet') as Record<string, Resource>)
      .filter(([, subnet]) => subnet.Properties.MapPublicIpOnLaunch === false)
      .map(([id]) => ({ Ref: id }));
    for (const definition of functionDefinitions) {
      const fn = functions[logicalId(synthesized.stateless.functions[definition.name].function)];
      if (EGRESS_FUNCTIONS.includes(definition.name)) {
        expect({ name: definition.name, vpc: fn.Properties.VpcConfig }).toEqual({
          name: definition.name,
          vpc: { SecurityGroupIds: [{ 'Fn::GetAtt': [groupId, 'GroupId'] }], SubnetIds: privateSubnetIds },
        });
      } else {
        expect({ name: definition.name, vpc: fn.Properties.VpcConfig }).toEqual({ name: definition.name, vpc: undefined });
      }
    }
  });

  it('gives exactly the egress roles the network-interface policy, with only the ENI actions', () => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy') as Record<string, Resource>;
    expect(Object.keys(policies)).toHaveLength(1);
    const [[policyId, policy]] = Object.entries(policies);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'ec2:AssignPrivateIpAddresses',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Resource: '*',
      },
    ]);
    const roles = template.findResources('AWS::IAM::Role') as Record<string, Resource>;
    for (const definition of functionDefinitions) {
      const role = roles[logicalId(synthesized.stateless.functions[definition.name].role)];
      expect({ name: definition.name, managed: role.Properties.ManagedPolicyArns }).toEqual({
        name: definition.name,
        managed: EGRESS_FUNCTIONS.includes(definition.name) ? [{ Ref: policyId }] : undefined,
      });
    }
  });

  it('needs no availability-zone lookup', () => {
    expect(synthesized.assembly.manifest.missing ?? []).toEqual([]);
  });
});

describe('fixedEgress with existing Elastic IPs (-c eipAllocationIds)', () => {
  const allocationIds = ['eipalloc-0123456789abcdef0', 'eipalloc-0fedcba9876543210'];
  let synthesized: SynthesizedApp;
  let template: Template;

  beforeAll(() => {
    synthesized = synthApp({ context: { fixedEgressNatGateways: '2', eipAllocationIds: ` ${allocationIds.join(' , ')} ` } });
    template = synthesized.statelessTemplate;
  });
  afterAll(() => removeOutdir(synthesized));

  it('associates the given allocations instead of creating Elastic IPs', () => {
    template.resourceCountIs('AWS::EC2::EIP', 0);
    const nats = resources(template, 'AWS::EC2::NatGateway');
    expect(nats.map((nat) => nat.Properties.AllocationId).sort()).toEqual(allocationIds);
  });

  it('outputs the allocation ids as EgressIps and says so', () => {
    const output = (template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>)[EGRESS_IPS_OUTPUT_KEY];
    expect(output.Value).toBe('eipalloc-0123456789abcdef0,eipalloc-0fedcba9876543210');
    expect(output.Description).toMatch(/allocation ids/);
  });
});

describe('the default synth has no egress VPC', () => {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = synthApp();
  });
  afterAll(() => removeOutdir(synthesized));

  it('creates no VPC, no Elastic IP, no EgressIps output, and no function has a VpcConfig', () => {
    const template = synthesized.statelessTemplate;
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::EIP', 'AWS::EC2::NatGateway', 'AWS::IAM::ManagedPolicy']) template.resourceCountIs(type, 0);
    expect(Object.keys(template.toJSON().Outputs)).not.toContain(EGRESS_IPS_OUTPUT_KEY);
    for (const fn of resources(template, 'AWS::Lambda::Function')) expect(fn.Properties.VpcConfig).toBeUndefined();
  });
});

describe('fixedEgress in a stack with a concrete environment', () => {
  it('still takes its zones from Fn::GetAZs, so synthesis needs no availability-zones context', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dutybridge-egress-'));
    const app = new App({ outdir, context: cdkJsonContext() });
    const env = { account: '111111111111', region: 'cn-north-1' };
    const stateful = new StatefulStack(app, 'ChinaState', { env });
    const stateless = new StatelessStack(app, 'China', {
      env,
      tables: stateful.tables,
      queues: stateful.queues,
      deadLetterQueues: stateful.deadLetterQueues,
      fixedEgress: { natGateways: 2 },
      codeOverrideForTests: PLACEHOLDER_CODE,
    });
    try {
      const assembly = app.synth();
      expect(assembly.manifest.missing ?? []).toEqual([]);
      const zones = resources(Template.fromStack(stateless), 'AWS::EC2::Subnet').map((subnet) => JSON.stringify(subnet.Properties.AvailabilityZone));
      expect(zones).toHaveLength(4);
      for (const zone of zones) expect(zone).toContain('Fn::GetAZs');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('fixedEgress refusals', () => {
  function build(props: FixedEgressProps): void {
    new FixedEgress(new Stack(new App(), 'Egress'), 'FixedEgress', props);
  }

  it.each([0, 3, 1.5])('refuses natGateways %p', (natGateways) => {
    expect(() => build({ natGateways: natGateways as 1 })).toThrow(InvalidFixedEgressError);
    expect(() => build({ natGateways: natGateways as 1 })).toThrow(/natGateways must be 1 or 2/);
  });

  it('refuses a number of allocation ids other than natGateways', () => {
    expect(() => build({ natGateways: 2, eipAllocationIds: ['eipalloc-0123456789abcdef0'] })).toThrow(/exactly 2 allocation id/);
    expect(() => build({ natGateways: 1, eipAllocationIds: ['eipalloc-0123456789abcdef0', 'eipalloc-0fedcba9876543210'] })).toThrow(
      InvalidFixedEgressError,
    );
    expect(() => build({ natGateways: 1, eipAllocationIds: [] })).toThrow(/exactly 1 allocation id/);
  });

  it.each(['eipalloc-XYZ', '203.0.113.7', 'eipassoc-0123456789abcdef0', 'eipalloc-0123456789ABCDEF0', ' eipalloc-0123456789abcdef0'])(
    'refuses the allocation id %p',
    (allocationId) => {
      expect(() => build({ natGateways: 1, eipAllocationIds: [allocationId] })).toThrow(/must look like eipalloc-/);
    },
  );

  it('refuses the same allocation twice', () => {
    expect(() => build({ natGateways: 2, eipAllocationIds: ['eipalloc-0123456789abcdef0', 'eipalloc-0123456789abcdef0'] })).toThrow(/same allocation twice/);
  });

  it('accepts the older 8-digit allocation ids', () => {
    expect(() => build({ natGateways: 1, eipAllocationIds: ['eipalloc-12345678'] })).not.toThrow();
  });

  it.each([
    [{ fixedEgressNatGateways: '3' }, /fixedEgressNatGateways must be 1 or 2/],
    [{ fixedEgressNatGateways: 'two' }, /fixedEgressNatGateways must be 1 or 2/],
    [{ eipAllocationIds: 'eipalloc-0123456789abcdef0' }, /eipAllocationIds needs -c fixedEgressNatGateways/],
  ])('refuses the context %p', (context, message) => {
    expect(() => addStacks(context)).toThrow(InvalidContextValueError);
    expect(() => addStacks(context)).toThrow(message);
  });

  it('refuses allocation ids from context that do not match the NAT count, before anything is synthesized', () => {
    expect(() => addStacks({ fixedEgressNatGateways: '2', eipAllocationIds: 'eipalloc-0123456789abcdef0' })).toThrow(InvalidFixedEgressError);
  });
});
