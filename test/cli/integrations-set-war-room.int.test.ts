/**
 * `npx dutybridge integrations set ID --war-room …` as a user runs it: bin/dutybridge.js in a child
 * process on a fresh data folder of the local stack (as test/cli/integrations-set.int.test.ts).
 * WeCom on (with the visible-range hint; its WeCom unreachable, so the probe only warns), a
 * second integration refused naming the first,
 * `--allow-multiple-war-rooms` lifting that, DingTalk refused without its template id, and the
 * setting shown by `integrations show` and `list`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
jest.setTimeout(60_000);
const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-war-room-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DUTYBRIDGE_') && !k.startsWith('AWS_')));
  const r = spawnSync(process.execPath, ['bin/dutybridge.js', ...args], { cwd: root, env: { ...base, ...env, DUTYBRIDGE_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' }, input: '', encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const settings = (id: string) => JSON.parse(cli(['integrations', 'show', id, '--json']).stdout).integration.settings;

beforeAll(() => {
  const wecom = cli(['integrations', 'add', 'wecom', '--id', 'acme', '--corp-id', 'wwacme01', '--agent-id', '1000002', '--api-base', 'http://127.0.0.1:9'], {
    DUTYBRIDGE_WECOM_SECRET: 'app-secret-value-1234',
    DUTYBRIDGE_WECOM_TOKEN: 'tok123',
    DUTYBRIDGE_WECOM_AES_KEY: AES,
  });
  expect(wecom.status).toBe(0);
  // The card callback registration fails fast on a closed port (only warned about).
  const dingtalk = cli(['integrations', 'add', 'dingtalk', '--id', 'ding', '--client-id', 'dingacme', '--api-base', 'http://127.0.0.1:9'], {
    DUTYBRIDGE_DINGTALK_CLIENT_SECRET: 'ding-secret-value-1234',
    DUTYBRIDGE_DINGTALK_TOKEN: 'tok123',
    DUTYBRIDGE_DINGTALK_AES_KEY: AES,
    DUTYBRIDGE_DINGTALK_CARD_API_SECRET: 'card-api-secret-1',
  });
  expect(dingtalk.status).toBe(0);
});

it('turns War Room on for a WeCom integration, with the visible-range hint, in one call with a linking flag', () => {
  const r = cli(['integrations', 'set', 'acme', '--war-room', 'on', '--auto-match', 'off']);
  expect(r.status).toBe(0);
  // Its WeCom (a closed port) cannot be asked: a warning, once, and War Room is on anyway.
  expect(r.stderr.match(/warning: could not ask WeCom whether acme may use group chats \(network failure/g)).toHaveLength(1);
  expect(r.stdout).toContain('acme: War Room on (closes when the incident closes');
  expect(r.stdout).toContain("appchat needs the app's visible range to be the root department (48002 otherwise)");
  expect(settings('acme')).toMatchObject({ linking: { autoMatch: false }, warRoom: { enabled: true, closeOnResolve: true } });
  expect(cli(['integrations', 'show', 'acme']).stdout).toContain('  War Room: on (closes when the incident closes');
  expect(cli(['integrations', 'list']).stdout).toMatch(/^ID\tPLATFORM\tAPP\tWAR_ROOM\tSMART_BOT\tMODEL\tNAME\n(.*\n)*acme\twecom\twwacme01\ton\toff\toff\t/m);
});

it('refuses DingTalk without --war-room-template-id, and a second integration naming the first; nothing changes', () => {
  const before = cli(['integrations', 'show', 'ding', '--json']).stdout;
  const noTemplate = cli(['integrations', 'set', 'ding', '--war-room', 'on', '--war-room-robot-code', 'robot-1', '--allow-multiple-war-rooms']);
  expect(noTemplate.status).toBe(2);
  expect(noTemplate.stderr).toContain('--war-room-template-id');
  expect(noTemplate.stderr).not.toContain('--war-room-robot-code CODE');

  const second = cli(['integrations', 'set', 'ding', '--war-room', 'on', '--war-room-template-id', 'tpl-1', '--war-room-robot-code', 'robot-1', '--auto-match', 'off']);
  expect(second.status).not.toBe(0);
  expect(second.stderr).toContain('War Room is already on for integration acme (wecom)');
  expect(second.stderr).toContain('--allow-multiple-war-rooms');
  // Refused before the linking flag was written either.
  expect(cli(['integrations', 'show', 'ding', '--json']).stdout).toBe(before);
});

it('--allow-multiple-war-rooms turns it on for the DingTalk integration too; off needs no flag', () => {
  const r = cli(['integrations', 'set', 'ding', '--war-room', 'on', '--war-room-template-id', 'tpl-1', '--war-room-robot-code', 'robot-1', '--war-room-close-on-resolve', 'off', '--allow-multiple-war-rooms', '--json']);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout).settings.warRoom).toEqual({ enabled: true, templateId: 'tpl-1', robotCode: 'robot-1', closeOnResolve: false });
  expect(r.stdout).not.toContain('48002');
  expect(settings('acme').warRoom.enabled).toBe(true);

  const off = cli(['integrations', 'set', 'acme', '--war-room', 'off']);
  expect(off.status).toBe(0);
  expect(settings('acme').warRoom).toEqual({ enabled: false, closeOnResolve: true });
});

it('refuses bad War Room flags as usage errors before anything is opened', () => {
  for (const args of [
    ['integrations', 'set', 'acme', '--war-room', 'maybe'],
    ['integrations', 'set', 'acme', '--allow-multiple-war-rooms'],
    ['integrations', 'set', 'acme', '--war-room', 'on', '--war-room-close-on-resolve', 'sometimes'],
  ]) {
    const r = cli(args);
    expect({ args, status: r.status }).toEqual({ args, status: 2 });
    // Nothing was opened: the target line is printed only once the flags are accepted.
    expect(r.stderr).not.toContain('target:');
  }
});
