/**
 * `npx dutybridge integrations set ID --smart-bot … --model …` as a user runs it (bin/dutybridge.js
 * in a child process on a fresh data folder of the local stack): the smart bot refused without its
 * Token and key, turned on with them from the secrets file (the bot callback URL and the console
 * hint printed, the secrets never), refused on DingTalk, the model on with its key on both
 * platforms and its bad URL refused before anything is written; `show` and `list` say so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
jest.setTimeout(60_000);
const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const BOT_AES = 'Qx3mZc9LbT2hV7nY4rK8pW1sD6fG0jH5aE3uI9oP2lC';

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-smart-bot-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DUTYBRIDGE_') && !k.startsWith('AWS_')));
  const r = spawnSync(process.execPath, ['bin/dutybridge.js', ...args], { cwd: root, env: { ...base, ...env, DUTYBRIDGE_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' }, input: '', encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const settings = (id: string) => JSON.parse(cli(['integrations', 'show', id, '--json']).stdout).integration.settings;
function secretsFile(content: object): string {
  const file = path.join(dataDir, `secrets-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(content), { mode: 0o600 });
  return file;
}

beforeAll(() => {
  expect(
    cli(['integrations', 'add', 'wecom', '--id', 'acme', '--corp-id', 'wwacme01', '--agent-id', '1000002', '--api-base', 'http://127.0.0.1:9'], {
      DUTYBRIDGE_WECOM_SECRET: 'app-secret-value-1234',
      DUTYBRIDGE_WECOM_TOKEN: 'tok123',
      DUTYBRIDGE_WECOM_AES_KEY: AES,
    }).status,
  ).toBe(0);
  expect(
    cli(['integrations', 'add', 'dingtalk', '--id', 'ding', '--client-id', 'dingacme', '--api-base', 'http://127.0.0.1:9'], {
      DUTYBRIDGE_DINGTALK_CLIENT_SECRET: 'ding-secret-value-1234',
      DUTYBRIDGE_DINGTALK_TOKEN: 'tok123',
      DUTYBRIDGE_DINGTALK_AES_KEY: AES,
      DUTYBRIDGE_DINGTALK_CARD_API_SECRET: 'card-api-secret-1',
    }).status,
  ).toBe(0);
});

it('refuses the smart bot without its Token and key, and writes nothing', () => {
  const r = cli(['integrations', 'set', 'acme', '--smart-bot', 'on', '--bot-id', 'aibacme']);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/botToken/);
  expect(settings('acme').smartBot).toBeUndefined();
});

it('turns the smart bot on with the secrets file, prints the bot callback URL and never a secret', () => {
  const r = cli(['integrations', 'set', 'acme', '--smart-bot', 'on', '--bot-id', 'aibacme', '--secrets-file', secretsFile({ botToken: 'BotTok1', botEncodingAesKey: BOT_AES })]);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/bot callback URL: http:\/\/\S+\/wecom\/acme\/bot/);
  expect(r.stdout).toContain('智能机器人');
  expect(r.stdout + r.stderr).not.toContain(BOT_AES);
  expect(settings('acme').smartBot).toEqual({ enabled: true, botId: 'aibacme' });
  const show = cli(['integrations', 'show', 'acme']).stdout;
  expect(show).toMatch(/smart bot: on/);
  expect(show).toMatch(/bot: http:\/\/\S+\/wecom\/acme\/bot/);
  expect(show).not.toContain(BOT_AES);
});

it('refuses the smart bot on DingTalk', () => {
  const r = cli(['integrations', 'set', 'ding', '--smart-bot', 'on', '--secrets-file', secretsFile({ botToken: 'BotTok1', botEncodingAesKey: BOT_AES })]);
  expect(r.status).not.toBe(0);
  expect(settings('ding').smartBot).toBeUndefined();
});

it('turns the model on for both platforms with its key; a bad base URL is refused first', () => {
  const bad = cli(['integrations', 'set', 'acme', '--model', 'on', '--model-base-url', 'https://api.example.com/v1/chat/completions', '--model-name', 'm1', '--secrets-file', secretsFile({ modelApiKey: 'sk-secret-1' })]);
  expect(bad.status).toBe(2);
  expect(settings('acme').ai).toBeUndefined();
  for (const id of ['acme', 'ding']) {
    const r = cli(['integrations', 'set', id, '--model', 'on', '--model-base-url', 'https://api.example.com/v1', '--model-name', 'm1', '--model-timeout', '12', '--secrets-file', secretsFile({ modelApiKey: 'sk-secret-1' })]);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('sk-secret-1');
    expect(settings(id).ai).toEqual({ enabled: true, baseUrl: 'https://api.example.com/v1', model: 'm1', timeoutSeconds: 12 });
  }
  expect(cli(['integrations', 'list']).stdout).toMatch(/^acme\twecom\twwacme01\toff\ton\ton\t/m);
  expect(cli(['integrations', 'list']).stdout).toMatch(/^ding\tdingtalk\tdingacme\toff\t-\ton\t/m);
  const off = cli(['integrations', 'set', 'acme', '--model', 'off', '--smart-bot', 'off']);
  expect(off.status).toBe(0);
  expect(settings('acme')).toMatchObject({ smartBot: { enabled: false }, ai: { enabled: false } });
});
