/**
 * Names of the stateless stack's CloudFormation outputs. The CLI reads the deployed stack's
 * outputs by these keys, so this module stays free of aws-cdk-lib imports: the CLI can load it
 * without pulling the CDK into its start-up path.
 */
import { functionDefinitions } from '../shared/config/functions';
import { SECRET_PREFIX_ENV, queues, tables } from '../shared/config/resources';

/** Output holding the HTTP API's base URL (always ends with `/`). */
export const API_URL_OUTPUT_KEY = 'ApiUrl';

/**
 * Output holding the comma-joined public IPs the egress functions call out from (fixedEgress), or
 * the Elastic IP allocation ids when they were given: the addresses to allow-list on WeCom
 * (企业可信IP) and DingTalk (服务器出口IP).
 */
export const EGRESS_IPS_OUTPUT_KEY = 'EgressIps';

/**
 * Output holding the regional API Gateway host name the custom domain must point to (CNAME) when
 * its DNS is not in Route 53.
 */
export const CUSTOM_DOMAIN_TARGET_OUTPUT_KEY = 'CustomDomainTarget';

/**
 * Output holding the ARN of the KMS key integration secrets are encrypted with; the CLI passes it
 * as KmsKeyId when it creates a secret (absent on stacks deployed before the key existed).
 */
export const SECRETS_KEY_ARN_OUTPUT_KEY = 'SecretsKeyArn';

/**
 * Outputs holding the URL a platform admin pastes into the WeCom / DingTalk console, with the
 * `{integrationId}` placeholder left for the CLI to fill in. Each maps to the function whose
 * route it describes, so the path itself is read from shared/config/functions.ts.
 */
export const CALLBACK_URL_TEMPLATE_OUTPUTS = [
  { outputKey: 'WeComCallbackUrlTemplate', functionName: 'wecom-callback' },
  { outputKey: 'WeComBotCallbackUrlTemplate', functionName: 'wecom-bot' },
  { outputKey: 'DingTalkEventsUrlTemplate', functionName: 'dingtalk-events' },
  { outputKey: 'DingTalkCardsUrlTemplate', functionName: 'dingtalk-cards' },
  // WeCom suite (issue 16): `{suiteId}` stays in these for `suites add` to fill in.
  { outputKey: 'WeComSuiteCommandUrlTemplate', functionName: 'wecom-suite-command' },
  { outputKey: 'WeComSuiteDataUrlTemplate', functionName: 'wecom-suite-data' },
] as const;

export type CallbackUrlTemplateOutputKey = (typeof CALLBACK_URL_TEMPLATE_OUTPUTS)[number]['outputKey'];

/** Thrown when an environment variable name cannot be turned into an output key. */
export class InvalidEnvironmentKeyError extends Error {
  constructor(envKey: string) {
    super(`"${envKey}" is not an UPPER_SNAKE_CASE environment variable name`);
    this.name = 'InvalidEnvironmentKeyError';
  }
}

/** Thrown when a callback output does not correspond to exactly one route path. */
export class CallbackRouteNotFoundError extends Error {
  constructor(functionName: string, pathCount: number) {
    super(`function "${functionName}" must declare exactly one route path for its URL template, found ${pathCount}`);
    this.name = 'CallbackRouteNotFoundError';
  }
}

const UPPER_SNAKE_CASE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/**
 * Output key for an environment variable: STATE_TABLE_NAME → StateTableName. CloudFormation
 * output logical ids must be alphanumeric, hence PascalCase rather than the env var itself.
 */
export function outputKeyForEnv(envKey: string): string {
  if (!UPPER_SNAKE_CASE.test(envKey)) throw new InvalidEnvironmentKeyError(envKey);
  return envKey
    .split('_')
    .map((word) => word.charAt(0) + word.slice(1).toLowerCase())
    .join('');
}

/**
 * Environment variables that name deployed resources (tables, queues, dead-letter queues and the
 * secret prefix). Every function receives them and the stateless stack exports each as an output.
 */
export function resourceEnvironmentKeys(): string[] {
  return [
    ...tables.map((table) => table.envKey),
    ...queues.flatMap((queue) => [queue.envKey, queue.dlqEnvKey]),
    SECRET_PREFIX_ENV,
  ];
}

/**
 * Path of the callback route behind a URL-template output, without the leading `/` so it can be
 * appended to the API URL (which ends with `/`).
 */
export function callbackRoutePath(functionName: string): string {
  const definition = functionDefinitions.find((candidate) => candidate.name === functionName);
  const paths = [...new Set((definition?.routes ?? []).map((route) => route.path))];
  if (paths.length !== 1) throw new CallbackRouteNotFoundError(functionName, paths.length);
  return paths[0].replace(/^\//, '');
}
