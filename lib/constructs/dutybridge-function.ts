import * as path from 'path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FunctionDefinition, functionEntry } from '../../shared/config/functions';

/** Repository root: holds package-lock.json, tsconfig.json and functions/. */
export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/** Service name and metrics namespace Powertools reads from the environment. */
export const POWERTOOLS_SERVICE_NAME = 'dutybridge';
export const POWERTOOLS_METRICS_NAMESPACE = 'DutyBridge';

export interface DutyBridgeFunctionProps {
  /** Entry from shared/config/functions.ts: handler location, timeout, memory, description. */
  readonly definition: FunctionDefinition;
  /**
   * Extra environment variables (resource names, queue URLs, secret prefix). They are merged
   * over the Powertools/runtime defaults this construct sets.
   * @default - only the defaults
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Powertools log level (LOG_LEVEL).
   * @default 'INFO'
   */
  readonly logLevel?: string;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the function leaves the stack. Retained so that logs of
   * an incident survive a teardown or redeploy of the stateless stack; they still expire through
   * `logRetention`.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * IAM path of the function's role. Key policies match roles by path (`aws:PrincipalArn`), which
   * does not need the role to exist when the key is created.
   * @default '/'
   */
  readonly rolePath?: string;
  /**
   * Reserved concurrency: both the function's guaranteed share of the account's concurrency
   * and its ceiling, so a flood on one route cannot starve the others.
   * @default - none (unreserved account concurrency)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Queue receiving asynchronous invocations (schedules) that failed every attempt.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Retries Lambda makes of a failed asynchronous invocation.
   * @default 2 (Lambda's default)
   */
  readonly retryAttempts?: number;
  /**
   * X-Ray tracing. Off by default: every traced request costs money and the callbacks are
   * already correlated through Powertools' structured logs.
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;
  /**
   * Run the function in these VPC subnets with these security groups (fixed egress IPs through
   * NAT, see FixedEgress). The role is explicit, so the caller also grants the network-interface
   * permissions Lambda needs (`FixedEgress.grantNetworkInterfaces`).
   * @default - outside any VPC (Lambda's shared outbound addresses)
   */
  readonly vpcPlacement?: {
    readonly vpc: ec2.IVpc;
    readonly subnets: ec2.SubnetSelection;
    readonly securityGroups: readonly ec2.ISecurityGroup[];
  };
  /**
   * TEST-ONLY: deploy this code instead of the esbuild bundle of the handler entry. Lets
   * infrastructure tests assert on the template without bundling every function. Never set it
   * in bin/app.ts.
   * @default - the handler entry bundled by the locally installed esbuild
   */
  readonly codeOverrideForTests?: lambda.Code;
}

/**
 * dutybridge's Lambda function: Node.js 22 on Graviton, bundled locally by esbuild (no Docker),
 * its own log group with bounded retention, its own role limited to writing that log group.
 * Callers add data-plane permissions through `grantPrincipal`.
 */
export class DutyBridgeFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DutyBridgeFunctionProps) {
    super(scope, id);
    const { definition } = props;
    const tracing = props.tracing ?? lambda.Tracing.DISABLED;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // An explicit role instead of the default AWSLambdaBasicExecutionRole, whose
    // logs:CreateLogGroup/PutLogEvents on every log group is broader than this one group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `dutybridge ${definition.name}`,
      path: props.rolePath,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(REPOSITORY_ROOT, functionEntry(definition.name)),
      // NodejsFunction bundles into index.js and prefixes the export itself; inline code needs the
      // full "file.export" form.
      handler: props.codeOverrideForTests === undefined ? 'handler' : 'index.handler',
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: path.join(REPOSITORY_ROOT, 'package-lock.json'),
      description: definition.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(definition.timeoutSeconds),
      memorySize: definition.memoryMb,
      role: this.role,
      logGroup: this.logGroup,
      tracing,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts,
      code: props.codeOverrideForTests,
      vpc: props.vpcPlacement?.vpc,
      vpcSubnets: props.vpcPlacement?.subnets,
      securityGroups: props.vpcPlacement === undefined ? undefined : [...props.vpcPlacement.securityGroups],
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        target: 'node22',
        format: nodejs.OutputFormat.CJS,
      },
      environment: {
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE,
        LOG_LEVEL: props.logLevel ?? 'INFO',
        // Stack traces from the minified bundle map back to the TypeScript sources.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'Runtime is pinned to NODEJS_22_X on purpose: the esbuild target is node22 and the local stack and tests ' +
        'run the same major; moving to a newer runtime is a deliberate, tested upgrade.',
    });
    if (tracing !== lambda.Tracing.DISABLED) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
      });
    }
  }

  /** The principal to grant data-plane permissions to (the function's role). */
  public get grantPrincipal(): iam.IPrincipal {
    return this.role;
  }
}
