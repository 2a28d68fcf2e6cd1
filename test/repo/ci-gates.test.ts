/**
 * CI cannot pass without running the browser suite: the suite fails (not skips) under CI=true when
 * Chromium is missing, and .ci/run stops loudly when it cannot install Chromium and a CJK font,
 * before `npm ci` and `npm test`, which it runs otherwise.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

jest.setTimeout(60_000);
const ROOT = path.resolve(__dirname, '../..');

function env(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete e[k];
  return e;
}

describe('the browser suite without Chromium', () => {
  const runSuite = (ci: string | undefined) =>
    spawnSync(process.execPath, ['scripts/run-ts.js', 'test/browser/run.ts'], { cwd: ROOT, encoding: 'utf8', env: env({ CI: ci, CHROMIUM_PATH: '/nonexistent/chromium' }) });

  it('fails under CI=true, saying why', () => {
    const out = runSuite('true');
    expect(out.stdout).toMatch(/1 failed/);
    expect(out.stdout).toMatch(/cannot run in CI: \/nonexistent\/chromium not found/);
    expect(out.status).toBe(1);
  });

  it('skips with a clear message outside CI', () => {
    const out = runSuite(undefined);
    expect(out.stdout).toMatch(/1 skipped/);
    expect(out.stdout).toMatch(/not found .*In CI \(CI=true\) this is a failure/);
    expect(out.status).toBe(0);
  });
});

describe('.ci/run', () => {
  let bin: string;
  const log = () => path.join(bin, 'calls.log');
  const calls = () => readFileSync(log(), 'utf8').trim().split('\n').filter(Boolean);
  const stub = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${log()}"\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  const runCi = (extra: Record<string, string> = {}) =>
    spawnSync('bash', [path.join(ROOT, '.ci/run')], { cwd: ROOT, encoding: 'utf8', env: env({ PATH: `${bin}:${process.env.PATH}`, CI: undefined, ...extra }) });

  beforeEach(() => {
    bin = mkdtempSync(path.join(os.tmpdir(), 'ci-run-'));
    writeFileSync(log(), '');
    // npm, sudo and fc-list are stand-ins: nothing is installed and no test suite runs here.
    stub('npm', 'echo "CI=$CI" >> "' + path.join(bin, 'calls.log') + '"; exit 0');
    stub('sudo', 'exec "$@"');
    stub('fc-list', 'exit 0'); // no CJK font
  });
  afterEach(() => rmSync(bin, { recursive: true, force: true }));

  it('stops when apt-get cannot install chromium and a CJK font, before npm', () => {
    stub('apt-get', 'exit 100');
    const out = runCi({ CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(out.status).not.toBe(0);
    expect(calls()).toEqual(['apt-get update -qq']);
  });

  it('stops when apt-get reports success but chromium is still missing', () => {
    stub('apt-get', 'exit 0');
    const out = runCi({ CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/chromium is not installed/);
    expect(calls().some((c) => /^apt-get install .*\bchromium\b.*\bfonts-wqy-zenhei\b/.test(c))).toBe(true);
    expect(calls().filter((c) => c.startsWith('npm'))).toEqual([]);
  });

  it('asks for a CJK font even when chromium is there, and stops without one', () => {
    stub('apt-get', 'exit 0');
    const out = runCi({ CHROMIUM_PATH: '/bin/sh' });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/no CJK font/);
    expect(calls().filter((c) => c.startsWith('npm'))).toEqual([]);
  });

  it('with both present runs npm ci and npm test, with CI=true', () => {
    stub('apt-get', 'exit 100');
    stub('fc-list', 'echo "WenQuanYi Zen Hei"');
    const out = runCi({ CHROMIUM_PATH: '/bin/sh' });
    expect(out.status).toBe(0);
    expect(calls().filter((c) => !c.startsWith('fc-list'))).toEqual(['npm ci --no-audit --no-fund', 'CI=true', 'npm test', 'CI=true']);
  });
});
