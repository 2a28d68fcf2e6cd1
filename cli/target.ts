/**
 * Where the CLI points: the local stack (default; started in-process on the data folder when
 * `npm start` is not running) or a deployed stack (`--stack NAME --region R`, names resolved from
 * the CloudFormation outputs).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

export interface CliTarget {
  /** `local`: the local stack (running or its data folder); `stack`: a deployed stack. */
  readonly kind: 'local' | 'stack';
  /** Where the CLI acts; for a deployed stack with its account, region and name (printed before acting). */
  readonly description: string;
  /** Base URL of the HTTP API (callback URLs are built from it). */
  readonly apiUrl: string;
  readonly tableName: string;
  readonly secretNamePrefix: string;
  /**
   * KMS key new integration secrets are encrypted with: the deployed stack's `SecretsKeyArn`
   * output (lib/outputs.ts SECRETS_KEY_ARN_OUTPUT_KEY); absent on the local stack and on stacks
   * deployed before the key existed (the AWS managed key is used then).
   */
  readonly secretsKmsKeyId?: string;
  /** Where incident events go (absent when the local stack is not running: nothing would consume them). */
  readonly incidentEventsQueueUrl?: string;
  close(): Promise<void>;
}

export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export function defaultDataDir(): string {
  return path.resolve(process.env.DUTYBRIDGE_DATA_DIR ?? path.join(process.cwd(), '.data'));
}

/** Account, region, partition and name of a stack, from its ARN (DescribeStacks' StackId). */
export function parseStackArn(arn: string | undefined): { partition: string; region: string; account: string; stackName: string } | undefined {
  const m = /^arn:([^:]+):cloudformation:([^:]+):(\d{12}):stack\/([^/]+)\//.exec(arn ?? '');
  return m ? { partition: m[1], region: m[2], account: m[3], stackName: m[4] } : undefined;
}

async function gatewayAlive(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function resolveTarget(options: { stack?: string; region?: string; dataDir?: string }): Promise<CliTarget> {
  if (options.stack) {
    const cfn = new CloudFormationClient({ region: options.region });
    const out = await cfn.send(new DescribeStacksCommand({ StackName: options.stack }));
    const stack = out.Stacks?.[0];
    const outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    // The account is in the stack's ARN (arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>): no STS call needed.
    const arn = parseStackArn(stack?.StackId);
    const region = arn?.region ?? options.region ?? (await cfn.config.region().catch(() => undefined)) ?? 'unknown';
    const need = (key: string): string => {
      const v = outputs[key];
      if (!v) throw new CliUsageError(`stack ${options.stack} has no output ${key}; is it a dutybridge stack?`);
      return v;
    };
    if (options.region) process.env.AWS_REGION = options.region;
    return {
      kind: 'stack',
      description: `stack ${arn?.stackName ?? options.stack} in account ${arn?.account ?? 'unknown'}, region ${region}${arn && arn.partition !== 'aws' ? ` (partition ${arn.partition})` : ''}`,
      apiUrl: need('ApiUrl'),
      tableName: need('StateTableName'),
      secretNamePrefix: need('SecretNamePrefix'),
      secretsKmsKeyId: outputs.SecretsKeyArn,
      incidentEventsQueueUrl: outputs.IncidentEventsQueueUrl,
      close: async () => cfn.destroy(),
    };
  }

  const dataDir = options.dataDir ?? defaultDataDir();
  const endpointsFile = path.join(dataDir, 'endpoints.json');
  if (existsSync(endpointsFile)) {
    const running = JSON.parse(readFileSync(endpointsFile, 'utf8')) as { gatewayUrl: string; env: Record<string, string> };
    if (await gatewayAlive(running.gatewayUrl)) {
      Object.assign(process.env, running.env);
      return {
        kind: 'local',
        description: `local stack at ${running.gatewayUrl}`,
        apiUrl: running.gatewayUrl,
        tableName: running.env.STATE_TABLE_NAME,
        secretNamePrefix: running.env.SECRET_NAME_PREFIX,
        incidentEventsQueueUrl: running.env.INCIDENT_EVENTS_QUEUE_URL,
        close: async () => undefined,
      };
    }
  }
  // Not running: open the same persisted state in-process (no gateway, no pollers).
  const { startLocalAws } = await import('../local/aws');
  const { provisionLocalResources } = await import('../local/provision');
  const aws = await startLocalAws({ dataDir });
  const env = await provisionLocalResources({ endpoints: { dynamodb: aws.env.AWS_ENDPOINT_URL_DYNAMODB, sqs: aws.env.AWS_ENDPOINT_URL_SQS }, prefix: 'dutybridge-local-' });
  Object.assign(process.env, aws.env, env);
  const port = process.env.PORT ?? '8787';
  return {
    kind: 'local',
    description: `local data in ${dataDir} (stack not running)`,
    apiUrl: `http://127.0.0.1:${port}`,
    tableName: env.STATE_TABLE_NAME,
    secretNamePrefix: env.SECRET_NAME_PREFIX,
    close: () => aws.stop(),
  };
}
