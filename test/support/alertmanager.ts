/**
 * A real Prometheus Alertmanager for integration tests (issue 18): one process per call, on a free
 * 127.0.0.1 port, with its own config and storage in a temp dir and no cluster gossip.
 *
 * The binary is ALERTMANAGER_BIN, else Debian's /usr/bin/prometheus-alertmanager (package
 * prometheus-alertmanager), else `alertmanager` on PATH. As with the browser suite and Chromium: a
 * missing binary skips these tests on a developer's machine, but fails them when CI is set.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface AlertmanagerOptions {
  /** Where the receiver `dutybridge` posts (webhook_config url); without it every alert goes to a receiver with no integrations. */
  readonly webhookUrl?: string;
  /** Sent as `Authorization: Bearer …` by the webhook (http_config.authorization, Alertmanager 0.22 and newer). */
  readonly webhookBearer?: string;
  /** route.group_wait; default '0s' so a test's first alert is sent at once. */
  readonly groupWait?: string;
  /** route.group_interval; default '1s' so changes to a group (resolved alerts) follow quickly. */
  readonly groupInterval?: string;
  /** route.repeat_interval; default '1h' so an unchanged group is not sent twice during a test. */
  readonly repeatInterval?: string;
  /** route.group_by; default ['alertname']. */
  readonly groupBy?: readonly string[];
}

export interface RunningAlertmanager {
  /** Base URL, e.g. http://127.0.0.1:40123 (API under /api/v2). */
  readonly url: string;
  readonly configFile: string;
  stop(): Promise<void>;
}

export class AlertmanagerStartError extends Error {
  override readonly name = 'AlertmanagerStartError';
}

const READY_TIMEOUT_MS = 15_000;
/** Set by CI services (and by .ci/run): there, a missing Alertmanager is a failure, not a skip. */
const IN_CI = ['true', '1', 'yes'].includes((process.env.CI ?? '').toLowerCase());

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Alertmanager binary this machine has, or undefined. */
export function alertmanagerBinary(): string | undefined {
  const fromEnv = process.env.ALERTMANAGER_BIN;
  if (fromEnv) return executable(fromEnv) ? fromEnv : undefined;
  if (executable('/usr/bin/prometheus-alertmanager')) return '/usr/bin/prometheus-alertmanager';
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, 'alertmanager'))) return path.join(dir, 'alertmanager');
  }
  return undefined;
}

export function alertmanagerAvailable(): boolean {
  return alertmanagerBinary() !== undefined;
}

/** Call at the top of a test file: throws in CI when Alertmanager is missing, else notes the skip. */
export function requireAlertmanager(): void {
  if (alertmanagerAvailable()) return;
  const missing = process.env.ALERTMANAGER_BIN
    ? `ALERTMANAGER_BIN=${process.env.ALERTMANAGER_BIN} is not executable`
    : 'Alertmanager not found (install prometheus-alertmanager, e.g. apt-get install prometheus-alertmanager, or set ALERTMANAGER_BIN)';
  if (IN_CI) throw new AlertmanagerStartError(`the Alertmanager tests cannot run in CI: ${missing}`);
  console.warn(`skipped: the Alertmanager tests: ${missing}. In CI (CI=true) this is a failure.`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new AlertmanagerStartError('no free port');
  return address.port;
}

/** The config as JSON, which is YAML too: every string is quoted, so a URL or token needs no escaping. */
function configOf(options: AlertmanagerOptions): string {
  const receiver = options.webhookUrl
    ? {
        name: 'dutybridge',
        webhook_configs: [
          {
            url: options.webhookUrl,
            send_resolved: true,
            max_alerts: 0,
            ...(options.webhookBearer ? { http_config: { authorization: { type: 'Bearer', credentials: options.webhookBearer } } } : {}),
          },
        ],
      }
    : { name: 'null' };
  const route = {
    receiver: receiver.name,
    group_by: options.groupBy ?? ['alertname'],
    group_wait: options.groupWait ?? '0s',
    group_interval: options.groupInterval ?? '1s',
    repeat_interval: options.repeatInterval ?? '1h',
  };
  return `${JSON.stringify({ route, receivers: [receiver] }, null, 2)}\n`;
}

export async function startAlertmanager(options: AlertmanagerOptions = {}): Promise<RunningAlertmanager> {
  const binary = alertmanagerBinary();
  if (!binary) throw new AlertmanagerStartError('Alertmanager not found (ALERTMANAGER_BIN, /usr/bin/prometheus-alertmanager, or alertmanager on PATH)');
  const dir = await mkdtemp(path.join(tmpdir(), 'dutybridge-alertmanager-'));
  const configFile = path.join(dir, 'alertmanager.yml');
  await writeFile(configFile, configOf(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Webhooks carry it as externalURL; without it Alertmanager uses the machine's host name.
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      stderr += error.message;
      resolve();
    });
  });
  let running = true;
  void exited.then(() => (running = false));

  const stop = async (): Promise<void> => {
    if (running) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!running) {
      await stop();
      throw new AlertmanagerStartError(`Alertmanager exited before it was ready (exit ${child.exitCode}):\n${stderr}`);
    }
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
    if (ready) return { url, configFile, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new AlertmanagerStartError(`Alertmanager was not ready at ${url}/-/ready within ${READY_TIMEOUT_MS} ms:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
