import { Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * Fixed outbound IPs for the functions that call WeCom, DingTalk, the model, SMTP and
 * Alertmanager. WeCom apps created after 2022-06-20 refuse API calls from IPs missing from the
 * app's 企业可信IP list (errcode 60020), and DingTalk apps check their 服务器出口IP list the same
 * way, so those calls must leave from addresses that never change.
 */
export interface FixedEgressProps {
  /**
   * NAT gateways, each in its own availability zone with its own Elastic IP. 1: one IP to
   * allow-list, but egress stops while that zone is down and traffic from the other zone crosses
   * zones. 2: two IPs to allow-list, egress independent of either zone (production).
   */
  readonly natGateways: 1 | 2;
  /**
   * Existing Elastic IP allocations (`eipalloc-…`), exactly `natGateways` of them, e.g. IPs
   * already on the platforms' allow-lists. They stay owned by you: the stack only associates them.
   * @default - new Elastic IPs, retained (not released) when they leave the stack
   */
  readonly eipAllocationIds?: readonly string[];
}

/** Thrown at synthesis when `fixedEgress` cannot be built as given. */
export class InvalidFixedEgressError extends Error {
  override readonly name = 'InvalidFixedEgressError';
}

/** Current 17-hex-digit allocation ids and the older 8-digit ones. */
const EIP_ALLOCATION_ID = /^eipalloc-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** Where an egress function runs: the private subnets behind the NAT gateways. */
export interface EgressPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
}

/**
 * A VPC whose private subnets reach the internet only through NAT gateways on Elastic IPs, a
 * DynamoDB gateway endpoint (state-table traffic skips the NAT's per-GB charge), and one security
 * group without inbound rules for the functions placed in it. Nothing listens in this VPC.
 */
export class FixedEgress extends Construct {
  public readonly vpc: ec2.Vpc;
  /** The security group of every egress function: no inbound rules, all outbound. */
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly placement: EgressPlacement;
  /**
   * The comma-joined public IPs to allow-list (new Elastic IPs), or the comma-joined allocation
   * ids when `eipAllocationIds` was given: CloudFormation cannot read an existing allocation's IP.
   */
  public readonly egressIps: string;
  /** What `egressIps` holds, for the output's description. */
  public readonly egressIpsDescription: string;
  /**
   * ENI permissions Lambda needs on the execution role of a function in a VPC. The function
   * roles are explicit, so CDK does not attach AWSLambdaVPCAccessExecutionRole (whose logs:* on
   * every log group would also undo the roles' one-log-group scope); this holds only the ec2 part.
   */
  public readonly networkInterfacesPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: FixedEgressProps) {
    super(scope, id);
    const { natGateways } = props;
    if (!Number.isInteger(natGateways) || (natGateways !== 1 && natGateways !== 2)) {
      throw new InvalidFixedEgressError(`fixedEgress.natGateways must be 1 or 2, got ${String(natGateways)}`);
    }
    const givenAllocationIds = props.eipAllocationIds === undefined ? undefined : [...props.eipAllocationIds];
    if (givenAllocationIds !== undefined) {
      if (givenAllocationIds.length !== natGateways) {
        throw new InvalidFixedEgressError(
          `fixedEgress.eipAllocationIds must name exactly ${natGateways} allocation id(s), one per NAT gateway, got ${givenAllocationIds.length}`,
        );
      }
      const malformed = givenAllocationIds.filter((allocationId) => !EIP_ALLOCATION_ID.test(allocationId));
      if (malformed.length > 0) {
        throw new InvalidFixedEgressError(`fixedEgress.eipAllocationIds must look like eipalloc-0123456789abcdef0, got ${malformed.map((value) => JSON.stringify(value)).join(', ')}`);
      }
      if (new Set(givenAllocationIds).size !== givenAllocationIds.length) {
        throw new InvalidFixedEgressError('fixedEgress.eipAllocationIds names the same allocation twice; each NAT gateway needs its own');
      }
    }

    // Explicit EIPs instead of the ones Vpc would create: those are children of the public
    // subnets and would be released (new IPs, allow-lists broken) whenever the VPC is replaced.
    const newEips =
      givenAllocationIds === undefined
        ? Array.from({ length: natGateways }, (_, index) => {
            const eip = new ec2.CfnEIP(this, `Eip${index + 1}`, {
              domain: 'vpc',
              tags: [{ key: 'Name', value: `${Stack.of(this).stackName} egress ${index + 1}` }],
            });
            eip.applyRemovalPolicy(RemovalPolicy.RETAIN);
            return eip;
          })
        : [];
    const allocationIds = givenAllocationIds ?? newEips.map((eip) => eip.attrAllocationId);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: allocationIds }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26 },
        { name: 'egress', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      // Nothing is put in the default security group; locking it down would take a custom
      // resource (one more Lambda function and role) for no gain.
      restrictDefaultSecurityGroup: false,
    });
    this.vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    Validations.of(this.vpc).acknowledge({
      id: 'AwsSolutions::AwsSolutions-VPC7',
      reason:
        'The VPC only carries outbound calls of the egress functions through NAT (no instances, no inbound rules); ' +
        'each call is logged by the function that makes it, so flow logs would add ingestion cost without new information.',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'dutybridge egress functions: no inbound rules; outbound to the platforms, model, SMTP and Alertmanager',
      // The model endpoint, SMTP server and Alertmanager are integration settings on any port
      // (443, 465/587, 9093…), so outbound cannot be narrowed at deploy time.
      allowAllOutbound: true,
    });
    this.placement = {
      vpc: this.vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
    };

    this.egressIps = Fn.join(',', givenAllocationIds ?? newEips.map((eip) => eip.attrPublicIp));
    this.egressIpsDescription =
      givenAllocationIds === undefined
        ? 'Public IPs the egress functions call out from (retained Elastic IPs): list them as the WeCom app\u2019s ' +
          '企业可信IP and the DingTalk app\u2019s 服务器出口IP'
        : 'Elastic IP allocation ids (from eipAllocationIds) the egress functions call out from, not IPs: ' +
          'CloudFormation cannot read an existing allocation\u2019s address; allow-list their public IPs';

    this.networkInterfacesPolicy = new iam.ManagedPolicy(this, 'NetworkInterfacesPolicy', {
      description: 'dutybridge egress functions: the network interfaces Lambda manages for a function in a VPC',
      statements: [
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(this.networkInterfacesPolicy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Lambda creates and deletes the network interfaces of a VPC function with its execution role; ' +
        'ec2:DescribeNetworkInterfaces works only on "*" and interface ids are not known before Lambda makes them. ' +
        'Only the ENI actions AWSLambdaVPCAccessExecutionRole holds, without its logs:* on every log group.',
    });
  }

  /** Lets a function's role manage the network interfaces of a function placed in this VPC. */
  public grantNetworkInterfaces(role: iam.IRole): void {
    role.addManagedPolicy(this.networkInterfacesPolicy);
  }
}
