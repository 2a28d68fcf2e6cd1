/**
 * `npx dutybridge integrations set ID …` (account linking) as a user runs it: bin/dutybridge.js in
 * a child process on a fresh data folder. Settings stored, secrets from a file merged into the
 * integration's secret (shown masked), bad input refused with nothing changed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
jest.setTimeout(60_000);
const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-set-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DUTYBRIDGE_') && !k.startsWith('AWS_')));
  const r = spawnSync(process.execPath, ['bin/dutybridge.js', ...args], { cwd: root, env: { ...base, ...env, DUTYBRIDGE_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' }, input: '', encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function stored(id: string): Record<string, string> {
  const all = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { name: string; secretString: string; deleted?: boolean }[];
  return JSON.parse(all.find((x) => x.name.endsWith(`/${id}`) && !x.deleted)!.secretString) as Record<string, string>;
}

it('sets auto-match, single sign-on and one-time codes; the secrets come from a file and are shown masked', () => {
  const add = cli(['integrations', 'add', 'wecom', '--id', 'acme', '--corp-id', 'wwacme01', '--agent-id', '1000002', '--api-base', 'http://127.0.0.1:9'], {
    DUTYBRIDGE_WECOM_SECRET: 'app-secret-value-1234',
    DUTYBRIDGE_WECOM_TOKEN: 'tok123',
    DUTYBRIDGE_WECOM_AES_KEY: AES,
  });
  expect(add.status).toBe(0);
  const file = path.join(dataDir, 'linking.json');
  writeFileSync(file, JSON.stringify({ oidcClientSecret: 'oidc-secret-abcdef', smtpUrl: 'smtp://u:p@127.0.0.1:2525' }), { mode: 0o600 });
  const set = cli(['integrations', 'set', 'acme', '--auto-match', 'off', '--oidc-issuer', 'https://idp.example.com', '--oidc-client-id', 'dutybridge', '--email-code-from', 'noreply@example.com', '--secrets-file', file]);
  expect(set.stderr).not.toContain('oidc-secret-abcdef');
  expect(set.status).toBe(0);
  expect(set.stdout).toContain('/link/wecom/acme');
  expect(stored('acme')).toMatchObject({ secret: 'app-secret-value-1234', oidcClientSecret: 'oidc-secret-abcdef', smtpUrl: 'smtp://u:p@127.0.0.1:2525' });
  const show = cli(['integrations', 'show', 'acme', '--json']);
  const shown = JSON.parse(show.stdout);
  expect(shown.integration.settings.linking).toEqual({ autoMatch: false, oidc: { issuer: 'https://idp.example.com', clientId: 'dutybridge' }, emailCode: { from: 'noreply@example.com' } });
  expect(show.stdout).not.toContain('oidc-secret-abcdef');

  const off = cli(['integrations', 'set', 'acme', '--oidc', 'off', '--auto-match', 'on']);
  expect(off.status).toBe(0);
  expect(JSON.parse(cli(['integrations', 'show', 'acme', '--json']).stdout).integration.settings.linking).toEqual({ autoMatch: true, emailCode: { from: 'noreply@example.com' } });
});

it('warns when the secrets file can be read by other users', () => {
  const file = path.join(dataDir, 'open.json');
  writeFileSync(file, JSON.stringify({ oidcClientSecret: 'another-oidc-secret' }), { mode: 0o644 });
  const r = cli(['integrations', 'set', 'acme', '--secrets-file', file]);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('chmod 600');
  expect(r.stderr).not.toContain('another-oidc-secret');
  expect(stored('acme').oidcClientSecret).toBe('another-oidc-secret');
});

it('refuses bad input and changes nothing', () => {
  const before = cli(['integrations', 'show', 'acme', '--json']).stdout;
  const cases = [
    ['integrations', 'set', 'acme', '--auto-match', 'maybe'],
    ['integrations', 'set', 'acme', '--oidc-issuer', 'https://idp.example.com'],
    ['integrations', 'set', 'acme', '--jsapi-url', 'https://example.com/dd.js'],
    ['integrations', 'set', 'acme', '--email-code-from', 'not-an-address'],
    ['integrations', 'set', 'acme', '--oidc-issuer', 'ftp://idp', '--oidc-client-id', 'x'],
    ['integrations', 'set', 'nope', '--auto-match', 'on'],
    ['integrations', 'set', 'acme'],
  ];
  for (const args of cases) {
    const r = cli(args);
    expect({ args, status: r.status }).toEqual({ args, status: expect.any(Number) });
    expect(r.status).not.toBe(0);
    expect(r.stderr.length).toBeGreaterThan(0);
  }
  expect(cli(['integrations', 'show', 'acme', '--json']).stdout).toBe(before);
});
