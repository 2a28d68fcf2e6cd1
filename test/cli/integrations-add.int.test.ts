/**
 * `npx dutybridge integrations add` as a user runs it (bin/dutybridge.js in a child process, on a
 * fresh data folder, the stack not running): secrets from --secrets-file, standard input and the
 * environment, flags winning with a warning, clear refusals, and masks that hide the length.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
jest.setTimeout(60_000);

const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const AES_2 = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
// On the local stack the endpoints must be on loopback (cli/safety.ts); nothing is called here.
const WECOM_ARGS = ['--corp-id', 'wwacme01', '--agent-id', '1000002', '--api-base', 'http://127.0.0.1:9'];
// Registration of the card callback fails fast on a closed port (and is only warned about).
const DINGTALK_ARGS = ['--client-id', 'dingacme', '--api-base', 'http://127.0.0.1:9'];

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-secrets-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The CLI with only the given DUTYBRIDGE_* variables (none inherited from whoever runs the tests). */
function cli(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DUTYBRIDGE_') && !k.startsWith('AWS_')));
  const r = spawnSync(process.execPath, ['bin/dutybridge.js', ...args], {
    cwd: root,
    env: { ...env, ...options.env, DUTYBRIDGE_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    input: options.input ?? '',
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the local Secrets Manager holds for an integration (the data folder's secrets.json). */
function stored(id: string): Record<string, string> | undefined {
  const all = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { name: string; secretString: string; deleted?: boolean }[];
  const s = all.find((x) => /\/integrations\/(wecom|dingtalk)\/[^/]+$/.test(x.name) && x.name.endsWith(`/${id}`) && !x.deleted);
  return s ? (JSON.parse(s.secretString) as Record<string, string>) : undefined;
}

function secretsFile(name: string, content: unknown): string {
  const file = path.join(dataDir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

it('takes the secrets from --secrets-file, without a warning', () => {
  const file = secretsFile('wecom.json', { secret: 'CorpSecretFromFile1234', token: 'FileToken', encodingAesKey: AES });
  const r = cli(['integrations', 'add', 'wecom', '--id', 'from-file', ...WECOM_ARGS, '--secrets-file', file]);
  expect(r.stderr).not.toMatch(/warning/);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('added from-file (wecom)');
  expect(stored('from-file')).toEqual({ secret: 'CorpSecretFromFile1234', token: 'FileToken', encodingAesKey: AES });
  expect(r.stderr).toContain(`secret ← "secret" in --secrets-file ${file}`);
});

it('takes the secrets from standard input with --secrets-file -', () => {
  const secrets = { clientSecret: 'DingSecretFromStdin99', token: 'StdinToken', aesKey: AES, cardApiSecret: 'CardApiSecretStdin' };
  const r = cli(['integrations', 'add', 'dingtalk', '--id', 'from-stdin', ...DINGTALK_ARGS, '--secrets-file', '-'], { input: `${JSON.stringify(secrets)}\n` });
  expect(r.status).toBe(0);
  expect(stored('from-stdin')).toEqual(secrets);
});

it('takes the secrets from DUTYBRIDGE_<PLATFORM>_<FLAG> environment variables', () => {
  const env = { DUTYBRIDGE_WECOM_SECRET: 'CorpSecretFromEnv5678', DUTYBRIDGE_WECOM_TOKEN: 'EnvToken', DUTYBRIDGE_WECOM_AES_KEY: AES };
  const r = cli(['integrations', 'add', 'wecom', '--id', 'from-env', ...WECOM_ARGS], { env });
  expect(r.stderr).not.toMatch(/warning/);
  expect(r.status).toBe(0);
  expect(stored('from-env')).toEqual({ secret: 'CorpSecretFromEnv5678', token: 'EnvToken', encodingAesKey: AES });
});

it('prefers a flag to the file and the file to the environment, and warns about the flag', () => {
  const file = secretsFile('partial.json', { token: 'FileToken', encodingAesKey: AES });
  const env = { DUTYBRIDGE_WECOM_SECRET: 'CorpSecretFromEnv5678', DUTYBRIDGE_WECOM_TOKEN: 'EnvToken', DUTYBRIDGE_WECOM_AES_KEY: AES_2 };
  const r = cli(['integrations', 'add', 'wecom', '--id', 'precedence', ...WECOM_ARGS, '--secrets-file', file, '--token', 'FlagToken'], { env });
  expect(r.status).toBe(0);
  expect(stored('precedence')).toEqual({ secret: 'CorpSecretFromEnv5678', token: 'FlagToken', encodingAesKey: AES });
  expect(r.stderr).toMatch(/warning: --token on the command line ends up in shell history/);
  expect(r.stderr).not.toContain('FlagToken');
});

it('refuses a missing secret with a non-zero exit, naming it and the ways to pass it, and stores nothing', () => {
  const r = cli(['integrations', 'add', 'dingtalk', '--id', 'missing', ...DINGTALK_ARGS], {
    env: { DUTYBRIDGE_DINGTALK_CLIENT_SECRET: 'DingSecretFromEnv77', DUTYBRIDGE_DINGTALK_TOKEN: 'EnvToken' },
  });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('missing DingTalk event subscription aes_key: pass it as "aesKey" in --secrets-file PATH (or - for standard input), in the environment variable DUTYBRIDGE_DINGTALK_AES_KEY, or with --aes-key');
  expect(r.stderr).not.toContain('DingSecretFromEnv77');
  expect(r.stdout).toBe('');
  expect(JSON.parse(cli(['integrations', 'list', '--json']).stdout).map((i: { id: string }) => i.id)).not.toContain('missing');

  // A bad id is the first thing to fix, before any secret.
  const badId = cli(['integrations', 'add', 'wecom', '--id', 'Bad Id', ...WECOM_ARGS]);
  expect(badId.status).toBe(2);
  expect(badId.stderr).toMatch(/^dutybridge: --id: integration id/);
});

it('refuses a secrets file that is not JSON or has unknown keys, quoting no secret', () => {
  // A bare secret instead of JSON (the JSON parser's own message would quote its first characters).
  const notJson = secretsFile('not.json', 'CorpSecretBare123\n');
  const a = cli(['integrations', 'add', 'wecom', '--id', 'bad-file', ...WECOM_ARGS, '--secrets-file', notJson]);
  expect(a.status).toBe(2);
  expect(a.stderr).toContain(`--secrets-file ${notJson} is not valid JSON`);
  expect(a.stderr).not.toContain('CorpSecret');

  const unknown = secretsFile('unknown.json', { corpSecret: 'CorpSecretMisnamed123', token: 'T', encodingAesKey: AES });
  const b = cli(['integrations', 'add', 'wecom', '--id', 'bad-file', ...WECOM_ARGS, '--secrets-file', unknown]);
  expect(b.status).toBe(2);
  expect(b.stderr).toContain('unknown key "corpSecret"; the keys for wecom are "secret", "token", "encodingAesKey"');
  expect(b.stderr).not.toContain('CorpSecretMisnamed123');
  expect(stored('bad-file')).toBeUndefined();
});

it('masks secrets with a fixed mask and the last 4 characters, so a 12- and a 40-character secret look alike in length', () => {
  const short12 = 'Abcdefgh1234';
  const long40 = `${'Z'.repeat(36)}9876`;
  for (const [id, secret] of [['mask-12', short12], ['mask-40', long40]]) {
    const file = secretsFile(`${id}.json`, { secret, token: 'Tok8char', encodingAesKey: AES });
    expect(cli(['integrations', 'add', 'wecom', '--id', id, ...WECOM_ARGS, '--secrets-file', file]).status).toBe(0);
  }
  const show = (id: string) => JSON.parse(cli(['integrations', 'show', id, '--json']).stdout).secrets as Record<string, string>;
  const m12 = show('mask-12');
  const m40 = show('mask-40');
  expect(m12.secret).toBe('••••1234');
  expect(m40.secret).toBe('••••9876');
  expect(m12.secret.length).toBe(m40.secret.length);
  expect(m12.token).toBe('••••'); // 8 characters: nothing shown
  expect(m12.encodingAesKey).toBe(`••••${AES.slice(-4)}`);

  const text = cli(['integrations', 'show', 'mask-40']).stdout;
  expect(text).toContain('secret: ••••9876');
  expect(text).not.toContain('ZZZZ');
});

it('gives an integration without --id an id with a random suffix, so its callback URLs cannot be guessed', () => {
  const env = { DUTYBRIDGE_WECOM_SECRET: 'CorpSecretFromEnv5678', DUTYBRIDGE_WECOM_TOKEN: 'EnvToken', DUTYBRIDGE_WECOM_AES_KEY: AES };
  const first = cli(['integrations', 'add', 'wecom', ...WECOM_ARGS], { env });
  const second = cli(['integrations', 'add', 'wecom', ...WECOM_ARGS], { env });
  expect(first.status).toBe(0);
  const ids = [first, second].map((r) => /added (wecom-[a-z0-9]{10}) \(wecom\)/.exec(r.stdout)?.[1]);
  expect(ids[0]).toBeDefined();
  expect(ids[1]).toBeDefined();
  expect(ids[0]).not.toBe(ids[1]);
  expect(first.stdout).toContain(`/wecom/${ids[0]}/callback`);
  expect(stored(ids[0] as string)).toEqual({ secret: 'CorpSecretFromEnv5678', token: 'EnvToken', encodingAesKey: AES });
});
