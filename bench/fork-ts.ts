/** Forks a bench helper written in TypeScript: bundled once with esbuild (as scripts/run-ts.js does), then forked with an IPC channel. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { buildSync } from 'esbuild';
import { ROOT } from './bundle';

const built = new Map<string, string>();

/**
 * `dropLines`: output lines of the children (stdout and stderr) that match are not passed on,
 * e.g. a library's notice repeated on every invocation.
 */
export function forkTs(entry: string, env: Record<string, string | undefined>, count = 1, dropLines?: RegExp): ChildProcess[] {
  let outfile = built.get(entry);
  if (!outfile) {
    outfile = path.join(ROOT, '.build', 'bench', `${path.basename(entry, '.ts')}.cjs`);
    buildSync({ entryPoints: [path.join(ROOT, entry)], bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', sourcemap: 'inline', outfile, logLevel: 'error' });
    built.set(entry, outfile);
  }
  return Array.from({ length: count }, () => {
    const child = fork(outfile, [], { env, execArgv: ['--enable-source-maps'], stdio: dropLines ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (dropLines) {
      for (const [from, to] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ] as const) {
        if (from) createInterface({ input: from }).on('line', (line) => dropLines.test(line) || to.write(`${line}\n`));
      }
    }
    return child;
  });
}

/** Resolves with the child's first IPC message; rejects if it exits first. */
export function firstMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`process ${child.pid} exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
  });
}

/** Asks the child to stop (IPC 'stop') and waits for it to exit; kills it after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill(), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send({ id: 0, type: 'stop' });
  });
}
