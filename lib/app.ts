import { App, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
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
} as const;

export interface DutyBridgeStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export interface DutyBridgeAppOptions {
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

  const stateful = new StatefulStack(app, `${prefix}State`, {
    description: 'dutybridge stateful resources: KMS keys, DynamoDB table, SQS queues, alarms',
    alarmEmail,
    alarmTopicArn,
    functionRolePath: functionRolePath(prefix),
    secretReaderArns,
  });
  const stateless = new StatelessStack(app, prefix, {
    description: 'dutybridge functions and HTTP API for WeCom / DingTalk callbacks',
    tables: stateful.tables,
    queues: stateful.queues,
    deadLetterQueues: stateful.deadLetterQueues,
    scheduleDeadLetterQueues: stateful.scheduleDeadLetterQueues,
    secretsKey: stateful.secretsKey,
    alarmTopics: stateful.alarmTopics,
    runtimeSettings: runtimeSettingsFromContext(app),
    publicApiUrl: (app.node.tryGetContext(CONTEXT_KEYS.publicApiUrl) as string | undefined) || undefined,
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
