import { App, CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { InvalidContextValueError, addDutyBridgeStacks, deploymentPropsFromContext } from '../../lib/app';
import { StatefulStack, StatefulStackProps } from '../../lib/stateful-stack';
import { PLACEHOLDER_CODE, cdkJsonContext } from './support/synth';

type Resource = { Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

function synthStateful(props: StatefulStackProps): { stack: StatefulStack; template: Template } {
  const stack = new StatefulStack(new App({ context: cdkJsonContext() }), 'RetentionState', props);
  return { stack, template: Template.fromStack(stack) };
}

function tableOf(stack: StatefulStack, template: Template): Resource {
  return (template.findResources('AWS::DynamoDB::Table') as Record<string, Resource>)[logicalId(Object.values(stack.tables)[0])];
}

function dataKeyOf(stack: StatefulStack, template: Template): Resource {
  return (template.findResources('AWS::KMS::Key') as Record<string, Resource>)[logicalId(stack.encryptionKey)];
}

describe('StatefulStackProps.stateTableRemovalPolicy', () => {
  it('retains the state table by default, with deletion protection and point-in-time recovery', () => {
    const { stack, template } = synthStateful({});
    const table = tableOf(stack, template);
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('deletes only the table with DESTROY: no deletion protection, queues and data key stay retained', () => {
    const { stack, template } = synthStateful({ stateTableRemovalPolicy: RemovalPolicy.DESTROY });
    const table = tableOf(stack, template);
    expect(table).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(dataKeyOf(stack, template).DeletionPolicy).toBe('Retain');
    template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
  });

  it('keeps the data key whenever the table is kept, even when everything else is destroyed', () => {
    const { stack, template } = synthStateful({ removalPolicy: RemovalPolicy.DESTROY, stateTableRemovalPolicy: RemovalPolicy.RETAIN });
    expect(tableOf(stack, template).DeletionPolicy).toBe('Retain');
    expect(tableOf(stack, template).Properties.DeletionProtectionEnabled).toBe(true);
    expect(dataKeyOf(stack, template).DeletionPolicy).toBe('Retain');
    template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Delete' });
  });

  it('is set by -c stateTableRemovalPolicy=destroy on the deployed app', () => {
    const app = new App({ context: { ...cdkJsonContext(), stateTableRemovalPolicy: 'destroy' } });
    const { stateful } = addDutyBridgeStacks(app, { codeOverrideForTests: PLACEHOLDER_CODE });
    expect(tableOf(stateful, Template.fromStack(stateful)).DeletionPolicy).toBe('Delete');
  });

  it('follows removalPolicy when unset (the behaviour before the prop existed)', () => {
    const { stack, template } = synthStateful({ removalPolicy: RemovalPolicy.DESTROY });
    expect(tableOf(stack, template).DeletionPolicy).toBe('Delete');
    expect(dataKeyOf(stack, template).DeletionPolicy).toBe('Delete');
  });
});

describe('deploymentPropsFromContext', () => {
  const read = (context: Record<string, unknown>) => deploymentPropsFromContext(new App({ context }));

  it('reads nothing from an empty context', () => {
    expect(read({})).toEqual({
      fixedEgress: undefined,
      customDomain: undefined,
      wecomVerifyFile: undefined,
      publicApiUrl: undefined,
      stateTableRemovalPolicy: undefined,
    });
  });

  it.each([
    ['retain', RemovalPolicy.RETAIN],
    ['destroy', RemovalPolicy.DESTROY],
    ['DESTROY', RemovalPolicy.DESTROY],
  ])('maps stateTableRemovalPolicy=%s', (value, policy) => {
    expect(read({ stateTableRemovalPolicy: value }).stateTableRemovalPolicy).toBe(policy);
  });

  it.each(['snapshot', 'delete', 'true'])('refuses stateTableRemovalPolicy=%s', (value) => {
    expect(() => read({ stateTableRemovalPolicy: value })).toThrow(InvalidContextValueError);
    expect(() => read({ stateTableRemovalPolicy: value })).toThrow(/retain or destroy/);
  });

  it('reads the production props from their -c strings, trimmed, empty meaning unset', () => {
    expect(
      read({
        fixedEgressNatGateways: '1',
        eipAllocationIds: 'eipalloc-0123456789abcdef0, ',
        customDomainName: ' oncall.example.com ',
        customDomainCertificateArn: 'arn:aws:acm:ap-east-1:111111111111:certificate/abc',
        customDomainHostedZoneId: '',
        wecomVerifyFile: 'WW_verify_AbCdEf123.txt',
      }),
    ).toEqual({
      fixedEgress: { natGateways: 1, eipAllocationIds: ['eipalloc-0123456789abcdef0'] },
      customDomain: { domainName: 'oncall.example.com', certificateArn: 'arn:aws:acm:ap-east-1:111111111111:certificate/abc', hostedZoneId: undefined },
      wecomVerifyFile: 'WW_verify_AbCdEf123.txt',
      publicApiUrl: 'https://oncall.example.com',
      stateTableRemovalPolicy: undefined,
    });
  });

  it('accepts a number for natGateways from cdk.json and keeps an explicit publicApiUrl over the domain', () => {
    const props = read({ fixedEgressNatGateways: 2, customDomainName: 'oncall.example.com', customDomainCertificateArn: 'arn:aws:acm:ap-east-1:111111111111:certificate/abc', publicApiUrl: 'https://links.example.com' });
    expect(props.fixedEgress).toEqual({ natGateways: 2, eipAllocationIds: undefined });
    expect(props.publicApiUrl).toBe('https://links.example.com');
  });
});
