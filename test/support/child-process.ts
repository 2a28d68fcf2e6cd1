/**
 * Child processes as a user runs them (the CLI, `npm start`), shared by the CLI and local-stack
 * integration tests.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** The repository root: the working directory of every child process. */
export const repoRoot = path.resolve(__dirname, '../..');

/** This process's environment without DUTYBRIDGE_* and AWS_* (and the names in `drop`). */
export function cleanEnv(drop: readonly string[] = []): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DUTYBRIDGE_') && !k.startsWith('AWS_') && !drop.includes(k)));
}

/**
 * The local AWS endpoints and credentials the integration run's global setup provides, for
 * startLocalStack; throws when the test is not run through the integration project.
 */
export function integrationAwsEnv(): Record<string, string> {
  if (!process.env.DUTYBRIDGE_TEST_AWS) throw new Error('run integration tests through jest --selectProjects integration');
  return Object.fromEntries(
    ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_EC2_METADATA_DISABLED'].map((k) => [k, process.env[k]!]),
  );
}

/** The environment of a CLI child process that finds the stack through `dataDir` (errors only from Powertools). */
export function cliEnv(dataDir: string): NodeJS.ProcessEnv {
  return { ...cleanEnv(), DUTYBRIDGE_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' };
}

/** The CLI (bin/dutybridge.js) in a child process, asynchronously (the stack it talks to may run in this process). */
export function runCli(dataDir: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/dutybridge.js', ...args], { cwd: repoRoot, env: cliEnv(dataDir) }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `npm start` (scripts/local-stack.ts) in a child process, with `args` and exactly `env`. */
export function spawnLocalStack(args: string[], env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['scripts/run-ts.js', 'scripts/local-stack.ts', ...args], { cwd: repoRoot, env });
}

/** Appends each complete line of `stream` to `lines` as it arrives; `onLines` gets the lines of each chunk after they are appended. */
export function collectLines(stream: Readable, lines: string[], onLines?: (parts: string[]) => void): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    onLines?.(parts);
  });
}
