/**
 * Local AWS for the laptop and the tests, without Docker: dynalite (DynamoDB, LevelDB-persisted),
 * fauxqs (SQS, JSON protocol of the current SDK) and the local Secrets Manager, all in-process
 * on 127.0.0.1. Application code needs no changes: the SDK reads AWS_ENDPOINT_URL_* variables.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import dynalite from 'dynalite';
import { lockDataDir, type DataLock } from './data-lock';
import { startLocalSecrets, type LocalSecretsServer } from './secrets-store';

export interface LocalAwsOptions {
  /** Folder for persisted state; omit for in-memory (tests). */
  readonly dataDir?: string;
  readonly dynamoPort?: number;
  readonly sqsPort?: number;
  readonly secretsPort?: number;
}

export interface LocalAws {
  readonly env: Record<string, string>;
  readonly endpoints: { dynamodb: string; sqs: string; secretsManager: string };
  stop(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // One process per data folder (a second `npm start` is told so in one line, not a LevelDB stack trace).
  const lock: DataLock | undefined = options.dataDir ? lockDataDir(options.dataDir) : undefined;
  try {
    return await startServers(options, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function startServers(options: LocalAwsOptions, lock: DataLock | undefined): Promise<LocalAws> {
  const dynamo = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    path: options.dataDir ? path.join(options.dataDir, 'dynamodb') : undefined,
  });
  const dynamoPort = await listen(dynamo, options.dynamoPort ?? 0);

  // fauxqs is ESM-only; import() keeps working under CommonJS because swc/esbuild leave it alone.
  const { buildApp } = await import('fauxqs');
  const sqsApp = buildApp({ logger: false, host: '127.0.0.1' });
  const sqsUrl = await sqsApp.listen({ port: options.sqsPort ?? 0, host: '127.0.0.1' });

  let secrets: LocalSecretsServer;
  try {
    secrets = await startLocalSecrets({
      port: options.secretsPort,
      file: options.dataDir ? path.join(options.dataDir, 'secrets.json') : undefined,
    });
  } catch (e) {
    await sqsApp.close();
    await new Promise((r) => dynamo.close(() => r(undefined)));
    throw e;
  }

  const endpoints = { dynamodb: `http://127.0.0.1:${dynamoPort}`, sqs: sqsUrl.replace('localhost', '127.0.0.1'), secretsManager: secrets.url };
  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return {
    env,
    endpoints,
    async stop() {
      await Promise.allSettled([
        sqsApp.close(),
        secrets.close(),
        new Promise((r) => {
          dynamo.close(() => r(undefined));
          // dynalite keeps LevelDB open until its server closes; closeAllConnections lets it finish.
          (dynamo as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
      ]);
      lock?.release();
    },
  };
}
