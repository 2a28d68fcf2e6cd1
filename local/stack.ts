/**
 * The whole product on one machine: local AWS (DynamoDB, SQS, Secrets Manager), the resources of
 * shared/config/resources.ts, the gateway serving the API routes and the queue pollers, all in this
 * process on 127.0.0.1. Used by `npm start`, the CLI's fallback and the integration tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import './env-defaults';
import { SQSClient } from '@aws-sdk/client-sqs';
import { getSqsClient } from '../shared/adapters/aws/clients';
import { incidentActionsQueue, queues } from '../shared/config/resources';
import { PUBLIC_API_URL_ENV } from '../shared/config/runtime-config';
import { actionsTapFile, installActionsTap } from './actions-tap';
import { startLocalAws, type LocalAws } from './aws';
import { functionDefinitions } from '../shared/config/functions';
import { startGateway, type LocalGateway } from './gateway';
import { lambdaContext, localHandlers } from './handlers';
import { startQueuePollers, type QueuePollers } from './pollers';
import { provisionLocalResources } from './provision';

export interface LocalStackOptions {
  /** Persist state here; omit for in-memory. */
  readonly dataDir?: string;
  /** Gateway port (0 = any free port). */
  readonly port?: number;
  readonly awsPorts?: { dynamodb?: number; sqs?: number; secretsManager?: number };
  /** Reuse already running local AWS servers (tests share one set across files). */
  readonly awsEnv?: Record<string, string>;
  /** Resource name prefix; lets several stacks share one set of servers. */
  readonly prefix?: string;
  /**
   * PUBLIC_API_URL of the functions (links in the account-linking prompt): e.g. a tunnel's URL when
   * phones must reach `npm start`. Default: the gateway's own URL.
   */
  readonly publicApiUrl?: string;
  /** Start queue pollers (Lambda event source mappings). Default true. */
  readonly pollers?: boolean;
  readonly log?: (line: string) => void;
}

export interface LocalStack {
  readonly gatewayUrl: string;
  /** Environment the functions run with (endpoints, table and queue names). */
  readonly env: Record<string, string>;
  readonly pollers?: QueuePollers;
  stop(): Promise<void>;
}

export const LOCAL_ENDPOINTS_FILE = 'endpoints.json';

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  let aws: LocalAws | undefined;
  let awsEnv = options.awsEnv;
  if (!awsEnv) {
    aws = await startLocalAws({
      dataDir: options.dataDir,
      dynamoPort: options.awsPorts?.dynamodb,
      sqsPort: options.awsPorts?.sqs,
      secretsPort: options.awsPorts?.secretsManager,
    });
    awsEnv = aws.env;
  }
  const resourcesEnv = await provisionLocalResources({
    endpoints: { dynamodb: awsEnv.AWS_ENDPOINT_URL_DYNAMODB, sqs: awsEnv.AWS_ENDPOINT_URL_SQS },
    prefix: options.prefix ?? 'dutybridge-local-',
  });
  const env: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: 'dutybridge',
    POWERTOOLS_METRICS_NAMESPACE: 'DutyBridge',
    ...awsEnv,
    ...resourcesEnv,
  };
  // The handler modules run in this process and read their configuration from process.env.
  Object.assign(process.env, env);
  // A copy of every incident.action for `dutybridge actions tail` (local/actions-tap.ts).
  const removeActionsTap = options.dataDir
    ? installActionsTap(getSqsClient(), resourcesEnv[incidentActionsQueue.envKey], actionsTapFile(options.dataDir), options.log)
    : undefined;

  const gateway: LocalGateway = await startGateway({ port: options.port, log: options.log });
  // Known only now that the gateway listens; the handlers read it on their first use.
  env[PUBLIC_API_URL_ENV] = (options.publicApiUrl ?? gateway.url).replace(/\/+$/, '');
  process.env[PUBLIC_API_URL_ENV] = env[PUBLIC_API_URL_ENV];
  let pollers: QueuePollers | undefined;
  if (options.pollers !== false) {
    const sqs = new SQSClient({ endpoint: awsEnv.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
    const queueUrls = Object.fromEntries(queues.map((q) => [q.id, resourcesEnv[q.envKey]]));
    pollers = startQueuePollers({ sqs, queueUrls, log: options.log });
  }

  // Scheduled functions (EventBridge rules in AWS) run on intervals here.
  const timers: NodeJS.Timeout[] = [];
  if (options.pollers !== false) {
    for (const fn of functionDefinitions) {
      if (fn.everyMinutes === undefined) continue;
      const timer = setInterval(() => {
        void localHandlers[fn.name]({} as never, lambdaContext(fn.name, fn.timeoutSeconds)).catch((error: unknown) =>
          options.log?.(`${fn.name} failed: ${error instanceof Error ? error.message : String(error)}`),
        );
      }, fn.everyMinutes * 60_000);
      timer.unref();
      timers.push(timer);
    }
  }

  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      path.join(options.dataDir, LOCAL_ENDPOINTS_FILE),
      JSON.stringify({ pid: process.pid, gatewayUrl: gateway.url, env }, null, 2),
      { mode: 0o600 },
    );
  }

  return {
    gatewayUrl: gateway.url,
    env,
    pollers,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      removeActionsTap?.();
      await pollers?.stop();
      await gateway.close();
      await aws?.stop();
    },
  };
}
