import { App, RemovalPolicy, Validations, type Environment } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CustomDomainProps } from './constructs/api-custom-domain';
import type { FixedEgressProps } from './constructs/fixed-egress';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StatefulStack } from './stateful-stack';
import { StatelessStack, functionRolePath, type RuntimeSettingsProps } from './stateless-stack';

/** Default prefix; the stateless stack is named after it and the stateful one gets "State". */
export const DEFAULT_STACK_PREFIX = 'DutyBridge';

/** Context keys bin/app.ts reads (`npx cdk synth -c stackPrefix=...`). */
export const CONTEXT_KEYS = {
  stackPrefix: 'stackPrefix',
  alarmEmail: 'alarmEmail',
  alarmTopicArn: 'alarmTopicArn',
  /** Comma-separated role/user ARNs that may also decrypt integration secrets (operators). */
  secretReaderArns: 'secretReaderArns',
  /** RuntimeSettingsProps, one context key each (e.g. `-c closedIncidentRetentionDays=90`). */
  closedIncidentRetentionDays: 'closedIncidentRetentionDays',
  memberRetentionDays: 'memberRetentionDays',
  cardCallbackWindowSeconds: 'cardCallbackWindowSeconds',
  cardClicksPerUserPerMinute: 'cardClicksPerUserPerMinute',
  cardClicksPerIncidentPerMinute: 'cardClicksPerIncidentPerMinute',
  logEmailHashSalt: 'logEmailHashSalt',
  /** Public base URL of the API when it is served under a custom domain (StatelessStackProps.publicApiUrl). */
  publicApiUrl: 'publicApiUrl',
  /** Comma-separated SES identities send-link-code may mail from (StatelessStackProps.sesIdentities). */
  sesIdentities: 'sesIdentities',
  /** '1' or '2': NAT gateways of the fixed egress IPs (StatelessStackProps.fixedEgress.natGateways); unset = no VPC. */
  fixedEgressNatGateways: 'fixedEgressNatGateways',
  /** Comma-separated existing `eipalloc-…` ids, one per NAT gateway (fixedEgress.eipAllocationIds). */
  eipAllocationIds: 'eipAllocationIds',
  /** Host name the API is served at (StatelessStackProps.customDomain.domainName); needs the certificate ARN. */
  customDomainName: 'customDomainName',
  /** ACM certificate of customDomainName in the stack's region (customDomain.certificateArn). */
  customDomainCertificateArn: 'customDomainCertificateArn',
  /** Route 53 zone to add the domain's alias record to (customDomain.hostedZoneId); unset = CNAME it yourself. */
  customDomainHostedZoneId: 'customDomainHostedZoneId',
  /** WeCom's `WW_verify_<code>.txt` served at the domain root (StatelessStackProps.wecomVerifyFile). */
  wecomVerifyFile: 'wecomVerifyFile',
  /** 'retain' (default) or 'destroy': the state table when it leaves the stack (StatefulStackProps.stateTableRemovalPolicy). */
  stateTableRemovalPolicy: 'stateTableRemovalPolicy',
} as const;

export interface DutyBridgeStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export interface DutyBridgeAppOptions {
  /**
   * Account and region of both stacks. A concrete region (e.g. `cn-north-1`) lets synthesis check
   * the templates against that region's resource types and write partition-specific values.
   * @default - environment-agnostic stacks (partition, region and account resolve at deploy time)
   */
  readonly env?: Environment;
  /**
   * TEST-ONLY: skip esbuild by deploying this code for every function.
   * @default - every handler is bundled by esbuild
   */
  readonly codeOverrideForTests?: lambda.Code;
}

/**
 * Adds both stacks to `app` and switches on the cdk-nag AwsSolutions checks, which run during
 * synthesis and fail it on any unacknowledged finding.
 */
export function addDutyBridgeStacks(app: App, options: DutyBridgeAppOptions = {}): DutyBridgeStacks {
  const prefix = (app.node.tryGetContext(CONTEXT_KEYS.stackPrefix) as string | undefined) ?? DEFAULT_STACK_PREFIX;
  const alarmEmail = app.node.tryGetContext(CONTEXT_KEYS.alarmEmail) as string | undefined;
  const alarmTopicArn = app.node.tryGetContext(CONTEXT_KEYS.alarmTopicArn) as string | undefined;
  const secretReaderArns = ((app.node.tryGetContext(CONTEXT_KEYS.secretReaderArns) as string | undefined) ?? '')
    .split(',')
    .map((arn) => arn.trim())
    .filter((arn) => arn.length > 0);

  const deployment = deploymentPropsFromContext(app);

  const stateful = new StatefulStack(app, `${prefix}State`, {
    env: options.env,
    description: 'dutybridge stateful resources: KMS keys, DynamoDB table, SQS queues, alarms',
    alarmEmail,
    alarmTopicArn,
    functionRolePath: functionRolePath(prefix),
    secretReaderArns,
    stateTableRemovalPolicy: deployment.stateTableRemovalPolicy,
  });
  const stateless = new StatelessStack(app, prefix, {
    env: options.env,
    description: 'dutybridge functions and HTTP API for WeCom / DingTalk callbacks',
    tables: stateful.tables,
    queues: stateful.queues,
    deadLetterQueues: stateful.deadLetterQueues,
    scheduleDeadLetterQueues: stateful.scheduleDeadLetterQueues,
    secretsKey: stateful.secretsKey,
    alarmTopics: stateful.alarmTopics,
    runtimeSettings: runtimeSettingsFromContext(app),
    publicApiUrl: deployment.publicApiUrl,
    fixedEgress: deployment.fixedEgress,
    customDomain: deployment.customDomain,
    wecomVerifyFile: deployment.wecomVerifyFile,
    sesIdentities: ((app.node.tryGetContext(CONTEXT_KEYS.sesIdentities) as string | undefined) ?? '')
      .split(',')
      .map((identity) => identity.trim())
      .filter((identity) => identity.length > 0),
    codeOverrideForTests: options.codeOverrideForTests,
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, stateless };
}

/** RuntimeSettingsProps from `-c key=value` (numbers arrive as strings from the command line). */
export function runtimeSettingsFromContext(app: App): RuntimeSettingsProps {
  const number = (key: string): number | undefined => {
    const raw = app.node.tryGetContext(key) as string | number | undefined;
    return raw === undefined || raw === '' ? undefined : Number(raw);
  };
  const salt = app.node.tryGetContext(CONTEXT_KEYS.logEmailHashSalt) as string | undefined;
  return {
    closedIncidentRetentionDays: number(CONTEXT_KEYS.closedIncidentRetentionDays),
    memberRetentionDays: number(CONTEXT_KEYS.memberRetentionDays),
    cardCallbackWindowSeconds: number(CONTEXT_KEYS.cardCallbackWindowSeconds),
    cardClicksPerUserPerMinute: number(CONTEXT_KEYS.cardClicksPerUserPerMinute),
    cardClicksPerIncidentPerMinute: number(CONTEXT_KEYS.cardClicksPerIncidentPerMinute),
    ...(salt ? { logEmailHashSalt: salt } : {}),
  };
}

/** A `-c key=value` that cannot be turned into a stack prop. */
export class InvalidContextValueError extends Error {
  override readonly name = 'InvalidContextValueError';
}

/** The production props read from context (fixed egress, custom domain, WeCom file, table retention). */
export interface DeploymentContextProps {
  readonly fixedEgress?: FixedEgressProps;
  readonly customDomain?: CustomDomainProps;
  readonly wecomVerifyFile?: string;
  readonly publicApiUrl?: string;
  readonly stateTableRemovalPolicy?: RemovalPolicy;
}

/**
 * Deployment props from `-c key=value`. The CLI passes every value as a string, and an empty one
 * counts as unset; combinations that cannot work fail here, naming the context key.
 */
export function deploymentPropsFromContext(app: App): DeploymentContextProps {
  const text = (key: string): string | undefined => {
    const raw = app.node.tryGetContext(key) as unknown;
    if (raw === undefined || raw === null) return undefined;
    const value = String(raw).trim();
    return value === '' ? undefined : value;
  };

  const natGateways = text(CONTEXT_KEYS.fixedEgressNatGateways);
  const eipAllocationIds = text(CONTEXT_KEYS.eipAllocationIds)?.split(',').map((id) => id.trim()).filter((id) => id.length > 0);
  if (natGateways !== undefined && natGateways !== '1' && natGateways !== '2') {
    throw new InvalidContextValueError(`-c ${CONTEXT_KEYS.fixedEgressNatGateways} must be 1 or 2, got ${JSON.stringify(natGateways)}`);
  }
  if (natGateways === undefined && eipAllocationIds !== undefined) {
    throw new InvalidContextValueError(`-c ${CONTEXT_KEYS.eipAllocationIds} needs -c ${CONTEXT_KEYS.fixedEgressNatGateways}=1|2`);
  }
  const fixedEgress: FixedEgressProps | undefined =
    natGateways === undefined ? undefined : { natGateways: natGateways === '1' ? 1 : 2, eipAllocationIds };

  const domainName = text(CONTEXT_KEYS.customDomainName);
  const certificateArn = text(CONTEXT_KEYS.customDomainCertificateArn);
  const hostedZoneId = text(CONTEXT_KEYS.customDomainHostedZoneId);
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new InvalidContextValueError(`-c ${CONTEXT_KEYS.customDomainName} and -c ${CONTEXT_KEYS.customDomainCertificateArn} go together`);
  }
  if (domainName === undefined && hostedZoneId !== undefined) {
    throw new InvalidContextValueError(`-c ${CONTEXT_KEYS.customDomainHostedZoneId} needs -c ${CONTEXT_KEYS.customDomainName}`);
  }
  const customDomain: CustomDomainProps | undefined =
    domainName === undefined || certificateArn === undefined ? undefined : { domainName, certificateArn, hostedZoneId };

  const removal = text(CONTEXT_KEYS.stateTableRemovalPolicy)?.toLowerCase();
  if (removal !== undefined && removal !== 'retain' && removal !== 'destroy') {
    throw new InvalidContextValueError(`-c ${CONTEXT_KEYS.stateTableRemovalPolicy} must be retain or destroy, got ${JSON.stringify(removal)}`);
  }

  return {
    fixedEgress,
    customDomain,
    wecomVerifyFile: text(CONTEXT_KEYS.wecomVerifyFile),
    publicApiUrl: text(CONTEXT_KEYS.publicApiUrl) ?? (domainName === undefined ? undefined : `https://${domainName}`),
    stateTableRemovalPolicy: removal === undefined ? undefined : removal === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  };
}
