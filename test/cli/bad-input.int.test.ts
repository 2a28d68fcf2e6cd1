/**
 * Every bad CLI input we know of, as a user types it (bin/dutybridge.js and `npm start` in child
 * processes, on a fresh data folder, the stack not running): each gets one error line that names
 * the fix, and the documented exit code (0 ok, 1 failed, 2 usage). Issue 12 item 5.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
jest.setTimeout(90_000);

const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const WECOM_SECRETS = ['--secret', 'CorpSecretFromFlag1234', '--token', 'Token1', '--aes-key', AES];
const DINGTALK_SECRETS = ['--client-secret', 'ClientSecretFromFlag1234', '--token', 'Token1', '--aes-key', AES];

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-bad-input-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DUTYBRIDGE_') && !k.startsWith('AWS_')));
  return { ...inherited, DUTYBRIDGE_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR', ...extra };
}

function run(argv: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, argv, { cwd: root, env: env(extraEnv), input: '', encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cli = (args: string[], extraEnv?: Record<string, string>) => run(['bin/dutybridge.js', ...args], extraEnv);

/** The error lines: what the CLI says is wrong (not the target it announces, not the pointer to --help). */
function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('dutybridge: target:') && !l.startsWith('run `dutybridge --help`') && !l.startsWith('secrets taken from') && !l.includes('warning:'));
}

/** One line naming the fix, no zod or Node wording, and the exit code. */
function expectOneLineError(r: { status: number | null; stderr: string }, fix: RegExp, status: 1 | 2): void {
  const lines = errorLines(r.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(fix);
  expect(lines[0]).not.toMatch(/Invalid input|ENOENT|at .*\.ts:\d+|Error:/);
  expect(r.status).toBe(status);
}

describe('usage errors (exit 2) name the flag as typed and what it must be', () => {
  const wecom = ['integrations', 'add', 'wecom', '--id', 'acme-wecom', '--corp-id', 'wwacme01', '--api-base', 'http://127.0.0.1:9', ...WECOM_SECRETS];
  const dingtalk = ['integrations', 'add', 'dingtalk', '--id', 'acme-ding', '--client-id', 'dingacme', '--api-base', 'http://127.0.0.1:9', ...DINGTALK_SECRETS];

  it.each<[string, string[], RegExp]>([
    ['a missing flag by its name as typed', wecom, /^dutybridge: --agent-id is missing$/],
    ['a bad flag value by its name and its rule', [...wecom, '--agent-id', 'abc'], /^dutybridge: --agent-id is not valid: agent id must be digits$/],
    ['allowed values of an enum flag', [...dingtalk, '--edition', 'gold'], /^dutybridge: --edition must be one of standard, professional$/],
    ['a bound of a number flag', [...dingtalk, '--qps', '99'], /^dutybridge: --qps must be at most 60$/],
    ['the severity values of demo-incident', ['demo-incident', '--severity', 'High'], /^dutybridge: --severity must be one of Critical, Warning, Info$/],
    ['a misspelt option, with the nearest one', ['integrations', 'add', 'wecom', '--agentid', '1'], /^dutybridge: unknown option --agentid; did you mean --agent-id\?$/],
    ['an option without its value', ['integrations', 'show', '--id'], /^dutybridge: --id needs a value$/],
    ['a misspelt command, with the nearest one', ['integration', 'list'], /^dutybridge: unknown command: integration list; did you mean `dutybridge integrations list`\?$/],
    ['a misspelt subcommand, with the nearest one', ['links', 'lst'], /^dutybridge: unknown command: links lst; did you mean `dutybridge links list`\?$/],
    ['an unknown command, with the commands there are', ['frobnicate'], /^dutybridge: unknown command: frobnicate; commands: .*integrations.*links/],
    ['--secrets-file with a file that does not exist', ['integrations', 'add', 'wecom', '--corp-id', 'wwacme01', '--agent-id', '1', '--secrets-file', 'no-such-secrets.json'], /^dutybridge: cannot read --secrets-file no-such-secrets\.json: no such file; give the path of a JSON file with the secrets/],
    ['--secrets-file with an empty path', ['integrations', 'add', 'wecom', '--corp-id', 'wwacme01', '--agent-id', '1', '--secrets-file', ''], /^dutybridge: --secrets-file needs a path \(or - for standard input\)$/],
    ['events publish without a file', ['events', 'publish'], /^dutybridge: events publish needs a FILE \(or - for standard input\)$/],
    ['events publish with an empty file argument', ['events', 'publish', ''], /^dutybridge: events publish needs a FILE/],
    ['events publish with a file that does not exist, named as typed', ['events', 'publish', 'no-such-event.json'], /^dutybridge: events publish: no such file: no-such-event\.json \(give the path of an incident event JSON file/],
  ])('%s', (_what, args, fix) => {
    expectOneLineError(cli(args), fix, 2);
  });

  it('an event that breaks the contract: each field with what it must be, before any stack is needed', () => {
    const file = path.join(dataDir, 'bad-event.json');
    writeFileSync(file, JSON.stringify({ type: 'incident.triggered', incidentId: 'inc-1', version: 1, occurredAt: '2026-11-22T02:00:00Z', severity: 'High' }));
    const r = cli(['events', 'publish', file]);
    expectOneLineError(r, /^dutybridge: the event does not match the contract: title is missing; severity must be one of Critical, Warning, Info$/, 2);
    expect(r.stderr).not.toContain('target:');
  });

  it('a command group alone lists its subcommands', () => {
    for (const [group, subcommands] of [
      ['integrations', ['add', 'list', 'show', 'remove', 'register-callback']],
      ['links', ['set', 'list', 'remove']],
      ['groups', ['list']],
      ['events', ['publish']],
    ] as const) {
      const r = cli([group]);
      expect(r.status).toBe(2);
      const first = r.stderr.split('\n')[0];
      expect(first).toMatch(new RegExp(`^dutybridge: ${group} needs a subcommand: `));
      for (const s of subcommands) expect(first).toContain(s);
      expect(r.stderr).toContain(`  ${group} ${subcommands[0]}`);
    }
  });
});

describe('what the CLI says about itself', () => {
  it('--version prints the package version (exit 0)', () => {
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe((require('../../package.json') as { version: string }).version);
  });

  it('--help documents the exit codes', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/exit codes:\n {2}0 {2}done\n {2}1 {2}failed.*\n {2}2 {2}usage/);
  });
});

describe('failures (exit 1) say the cause in one line', () => {
  it('publishing while the local stack is not running says to start it', () => {
    const file = path.join(dataDir, 'good-event.json');
    writeFileSync(file, JSON.stringify({ type: 'incident.triggered', incidentId: 'inc-1', version: 1, occurredAt: '2026-11-22T02:00:00Z', title: 'T', severity: 'Critical' }));
    expectOneLineError(cli(['events', 'publish', file]), /^dutybridge: the local stack is not running: start it with `npm start`/, 1);
    expectOneLineError(cli(['demo-incident']), /^dutybridge: the local stack is not running: start it with `npm start`/, 1);
  });

  it('a data folder in use by another process: the CLI and a second `npm start` say so in one line', () => {
    // The lock of a running process (this test's own pid) in the data folder, as a running `npm start` leaves it.
    writeFileSync(path.join(dataDir, 'lock'), `${process.pid}\n`);
    try {
      const busy = new RegExp(`the data folder ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by process ${process.pid} .*stop that one first, or set DUTYBRIDGE_DATA_DIR to another folder`);
      expectOneLineError(cli(['integrations', 'list']), busy, 1);
      const start = run(['scripts/run-ts.js', 'scripts/local-stack.ts'], { PORT: '0', SIM_PORT: '0', SIM_SMTP_PORT: '0' });
      expect(start.stdout).not.toContain('ready');
      const lines = `${start.stdout}${start.stderr}`.split('\n').filter((l) => l.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(busy);
      expect(start.status).toBe(1);
    } finally {
      rmSync(path.join(dataDir, 'lock'), { force: true });
    }
  });

  it('an id that names nothing: exit 1, the id named', () => {
    expectOneLineError(cli(['integrations', 'show', 'no-such-integration']), /^dutybridge: no integration with id no-such-integration$/, 1);
    const removed = cli(['integrations', 'remove', 'no-such-integration', '--yes']);
    expect(removed.stdout.trim()).toBe('no integration no-such-integration');
    expect(removed.status).toBe(1);
  });

  it('`npm start` on a port in use says which port and which variable changes it', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const [variable, env] of [
        ['PORT', { PORT: String(port), SIM_PORT: '0', SIM_SMTP_PORT: '0' }],
        ['SIM_PORT', { PORT: '0', SIM_PORT: String(port), SIM_SMTP_PORT: '0' }],
        ['SIM_SMTP_PORT', { PORT: '0', SIM_PORT: '0', SIM_SMTP_PORT: String(port) }],
      ] as const) {
        const start = run(['scripts/run-ts.js', 'scripts/local-stack.ts'], env);
        const lines = `${start.stdout}${start.stderr}`.split('\n').filter((l) => l.trim() !== '');
        expect(lines).toEqual([`dutybridge local stack failed to start: port ${port} is in use (another \`npm start\` or program): stop it, or choose another with ${variable}=…`]);
        expect(start.status).toBe(1);
      }
    } finally {
      server.close();
    }
  });

  it('a lock left by a process that is gone is taken over', () => {
    writeFileSync(path.join(dataDir, 'lock'), '2147483646\n');
    const r = cli(['integrations', 'list']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/no integrations/);
  });
});
