/** `integrations set … --war-room …` flags: parsed with the linking flags, mistakes refused before anything opens. */
import { INTEGRATIONS_SET_USAGE, parseIntegrationsSet, parseWarRoomFlags } from '../../cli/integrations-set';
import { CliUsageError } from '../../cli/target';

const io = { env: {}, readText: () => '' };

it('reads --war-room, the DingTalk ids, close-on-resolve and --allow-multiple-war-rooms', () => {
  expect(parseWarRoomFlags({ 'war-room': 'on' })).toEqual({ enabled: true });
  expect(parseWarRoomFlags({ 'war-room': 'off' })).toEqual({ enabled: false });
  expect(
    parseWarRoomFlags({ 'war-room': 'on', 'war-room-template-id': 'tpl', 'war-room-robot-code': 'rc', 'war-room-close-on-resolve': 'off', 'allow-multiple-war-rooms': true }),
  ).toEqual({ enabled: true, templateId: 'tpl', robotCode: 'rc', closeOnResolve: false, allowMultiple: true });
  expect(parseWarRoomFlags({ 'war-room-close-on-resolve': 'on' })).toEqual({ closeOnResolve: true });
  expect(parseWarRoomFlags({})).toBeUndefined();
});

it('goes with the linking flags in one call, and alone is something to set', () => {
  const both = parseIntegrationsSet('acme', { 'auto-match': 'off', 'war-room': 'on' }, io);
  expect(both.patch).toEqual({ autoMatch: false });
  expect(both.warRoom).toEqual({ enabled: true });
  const alone = parseIntegrationsSet('acme', { 'war-room': 'off' }, io);
  expect(alone.patch).toEqual({});
  expect(alone.warRoom).toEqual({ enabled: false });
  expect(parseIntegrationsSet('acme', { 'auto-match': 'on' }, io).warRoom).toBeUndefined();
});

it.each([
  [{ 'war-room': 'yes' }, '--war-room must be on or off'],
  [{ 'war-room': 'on', 'war-room-close-on-resolve': 'never' }, '--war-room-close-on-resolve must be on or off'],
  [{ 'allow-multiple-war-rooms': true }, '--allow-multiple-war-rooms goes with --war-room on'],
  [{ 'war-room': 'off', 'allow-multiple-war-rooms': true }, '--allow-multiple-war-rooms goes with --war-room on'],
  [{ 'war-room': 'on', 'war-room-template-id': ' ' }, '--war-room-template-id needs a value'],
])('refuses %j as a usage error', (flags, message) => {
  const parse = () => parseIntegrationsSet('acme', flags, io);
  expect(parse).toThrow(CliUsageError);
  expect(parse).toThrow(message);
});

it('the usage text names every War Room flag', () => {
  for (const flag of ['--war-room on|off', '--war-room-template-id', '--war-room-robot-code', '--war-room-close-on-resolve', '--allow-multiple-war-rooms']) {
    expect(INTEGRATIONS_SET_USAGE).toContain(flag);
  }
});
