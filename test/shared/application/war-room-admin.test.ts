/**
 * WarRoomAdmin: pure logic over the IntegrationRepository port, so an in-memory repository (a Map)
 * stands in for DynamoDB here; the CLI integration test (test/cli/integrations-set-war-room.int.test.ts)
 * runs the same rules on the local stack.
 */
import { BadRequestError, NotFoundError } from '../../../shared/domain/errors';
import { integrationSchema, type Integration } from '../../../shared/domain/integration';
import { enabledWarRoom } from '../../../shared/domain/war-room-settings';
import type { IntegrationRepository } from '../../../shared/application/ports';
import { describeWarRoom, InvalidWarRoomSettingsError, WarRoomAdmin, WarRoomAlreadyEnabledError, WarRoomNotAllowedError, type WarRoomProbeAnswer } from '../../../shared/application/war-room-admin';

function memoryRepo(initial: Integration[]): IntegrationRepository & { items: Map<string, Integration>; puts: number } {
  const items = new Map(initial.map((i) => [i.id, i]));
  const repo = {
    items,
    puts: 0,
    get: async (id: string) => items.get(id),
    put: async (i: Integration) => {
      repo.puts++;
      items.set(i.id, i);
    },
    list: async () => [...items.values()],
    delete: async (id: string) => items.delete(id),
  };
  return repo;
}

const wecom = (id: string): Integration =>
  integrationSchema.parse({ id, platform: 'wecom', settings: { corpId: 'ww1', agentId: '1000002', apiBase: 'http://127.0.0.1:9' }, secretName: `s/${id}`, createdAt: '2026-12-01T00:00:00Z' });
const dingtalk = (id: string): Integration =>
  integrationSchema.parse({ id, platform: 'dingtalk', settings: { clientId: 'ding1', apiBase: 'http://127.0.0.1:9', oapiBase: 'http://127.0.0.1:9' }, secretName: `s/${id}`, createdAt: '2026-12-01T00:00:00Z' });

it('turns War Room on for WeCom with closeOnResolve on by default, and stores it', async () => {
  const repo = memoryRepo([wecom('acme')]);
  const updated = await new WarRoomAdmin(repo).set('acme', { enabled: true });
  expect(updated.settings.warRoom).toEqual({ enabled: true, closeOnResolve: true });
  expect(repo.items.get('acme')!.settings.warRoom).toEqual({ enabled: true, closeOnResolve: true });
  expect(enabledWarRoom(updated)).toEqual({ platform: 'wecom', closeOnResolve: true });
  expect(describeWarRoom(updated)).toMatch(/^on \(closes when the incident closes/);
});

it('refuses War Room on a WeCom third-party (suite) integration: appchat is for self-built apps only (48002); nothing stored', async () => {
  const suite = integrationSchema.parse({ ...wecom('acme'), settings: { ...(wecom('acme').settings as object), suite: { suiteId: 'wwsuite01', kind: 'third-party' } } });
  const repo = memoryRepo([suite]);
  await expect(new WarRoomAdmin(repo).set('acme', { enabled: true })).rejects.toThrow(/third-party app \(suite wwsuite01\).*appchat, 48002/);
  expect(repo.puts).toBe(0);
});

it('refuses a second integration, naming the first with its platform and how to lift it; allowMultiple lifts it', async () => {
  const repo = memoryRepo([wecom('acme'), dingtalk('ding')]);
  const admin = new WarRoomAdmin(repo);
  await admin.set('acme', { enabled: true });
  const refused = admin.set('ding', { enabled: true, templateId: 'tpl-1', robotCode: 'robot-1' });
  await expect(refused).rejects.toBeInstanceOf(WarRoomAlreadyEnabledError);
  await expect(refused).rejects.toBeInstanceOf(BadRequestError);
  await expect(refused).rejects.toThrow(/acme \(wecom\).*--allow-multiple-war-rooms/);
  expect(repo.items.get('ding')!.settings.warRoom).toBeUndefined();

  const both = await admin.set('ding', { enabled: true, templateId: 'tpl-1', robotCode: 'robot-1', allowMultiple: true });
  expect(both.settings.warRoom).toEqual({ enabled: true, templateId: 'tpl-1', robotCode: 'robot-1', closeOnResolve: true });
  expect(enabledWarRoom(both)).toEqual({ platform: 'dingtalk', templateId: 'tpl-1', robotCode: 'robot-1', closeOnResolve: true });
});

it('an integration already on may be changed (or turned on again) without allowMultiple; turning off is always allowed', async () => {
  const repo = memoryRepo([wecom('acme'), wecom('beta')]);
  const admin = new WarRoomAdmin(repo);
  await admin.set('acme', { enabled: true });
  await admin.set('beta', { enabled: true, allowMultiple: true });
  expect((await admin.set('acme', { enabled: true, closeOnResolve: false })).settings.warRoom).toEqual({ enabled: true, closeOnResolve: false });
  expect((await admin.set('beta', { enabled: false })).settings.warRoom).toEqual({ enabled: false, closeOnResolve: true });
  expect((await admin.set('acme', { enabled: false })).settings.warRoom).toEqual({ enabled: false, closeOnResolve: false });
  // Nobody is on now: beta may be turned on alone.
  expect((await admin.set('beta', { enabled: true })).settings.warRoom?.enabled).toBe(true);
});

it('DingTalk on needs the template id and the robot code, naming each missing flag; both are kept while off', async () => {
  const repo = memoryRepo([dingtalk('ding')]);
  const admin = new WarRoomAdmin(repo);
  await expect(admin.set('ding', { enabled: true })).rejects.toThrow(/--war-room-template-id ID\) and the template's robot code \(--war-room-robot-code CODE\)/);
  await expect(admin.set('ding', { enabled: true, robotCode: 'r' })).rejects.toThrow(/needs the scene-group template id \(--war-room-template-id ID\)$/);
  await expect(admin.set('ding', { enabled: true, templateId: 't' })).rejects.toThrow(/needs the template's robot code \(--war-room-robot-code CODE\)$/);
  await expect(admin.set('ding', { enabled: true, templateId: 't' })).rejects.toBeInstanceOf(InvalidWarRoomSettingsError);
  expect(repo.puts).toBe(0);

  await admin.set('ding', { templateId: 't', robotCode: 'r' });
  expect(repo.items.get('ding')!.settings.warRoom).toEqual({ enabled: false, templateId: 't', robotCode: 'r', closeOnResolve: true });
  expect(enabledWarRoom(repo.items.get('ding')!)).toBeUndefined();
  expect((await admin.set('ding', { enabled: true })).settings.warRoom).toEqual({ enabled: true, templateId: 't', robotCode: 'r', closeOnResolve: true });
  await admin.set('ding', { enabled: false });
  expect(repo.items.get('ding')!.settings.warRoom).toEqual({ enabled: false, templateId: 't', robotCode: 'r', closeOnResolve: true });
});

it('refuses DingTalk settings on WeCom, bad values and unknown ids; plan() writes nothing', async () => {
  const repo = memoryRepo([wecom('acme'), dingtalk('ding')]);
  const admin = new WarRoomAdmin(repo);
  await expect(admin.set('acme', { enabled: true, templateId: 't' })).rejects.toThrow('--war-room-template-id is a DingTalk setting');
  await expect(admin.set('acme', { robotCode: 'r' })).rejects.toThrow('--war-room-robot-code is a DingTalk setting');
  await expect(admin.set('ding', { enabled: true, templateId: 't', robotCode: 'r'.repeat(129) })).rejects.toThrow(/^warRoom\.robotCode: /);
  await expect(admin.set('nope', { enabled: true })).rejects.toBeInstanceOf(NotFoundError);
  expect((await admin.plan('acme', { enabled: true })).settings.warRoom?.enabled).toBe(true);
  expect(repo.puts).toBe(0);
  expect(repo.items.get('acme')!.settings.warRoom).toBeUndefined();
});

it('the schema refuses a stored DingTalk War Room that is on without its ids, and fills closeOnResolve', () => {
  const base = dingtalk('ding');
  const on = (warRoom: unknown) => integrationSchema.safeParse({ ...base, settings: { ...base.settings, warRoom } });
  expect(on({ enabled: true, templateId: 't' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['settings.warRoom.robotCode']);
  expect(on({ enabled: false }).success).toBe(true);
  expect(on({ enabled: true, templateId: 't', robotCode: 'r' }).data?.settings.warRoom).toEqual({ enabled: true, templateId: 't', robotCode: 'r', closeOnResolve: true });
});

describe('with the WeCom probe (an answer per integration, as the CLI adapter gives)', () => {
  const probeAnswering = (answer: WarRoomProbeAnswer) => {
    const asked: string[] = [];
    return { asked, probe: { weComAppChat: async (i: Integration) => (asked.push(i.id), answer) } };
  };

  it('refused (48002) → WarRoomNotAllowedError with the reason, nothing stored', async () => {
    const repo = memoryRepo([wecom('acme')]);
    const { probe, asked } = probeAnswering({ verdict: 'refused', reason: 'appchat needs a self-built app whose visible range is the root department (48002)' });
    const refused = new WarRoomAdmin(repo, { probe }).set('acme', { enabled: true });
    await expect(refused).rejects.toBeInstanceOf(WarRoomNotAllowedError);
    await expect(refused).rejects.toThrow('War Room cannot be turned on: appchat needs a self-built app whose visible range is the root department (48002)');
    expect(asked).toEqual(['acme']);
    expect(repo.puts).toBe(0);
  });

  it('unknown → stored with a warning; allowed → stored silently; not asked when turning off, already on, or on DingTalk', async () => {
    const repo = memoryRepo([wecom('acme'), dingtalk('ding')]);
    const warnings: string[] = [];
    const unknown = probeAnswering({ verdict: 'unknown', reason: 'fetch failed' });
    expect((await new WarRoomAdmin(repo, { probe: unknown.probe, warn: (w) => warnings.push(w) }).set('acme', { enabled: true })).settings.warRoom?.enabled).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/^could not ask WeCom whether acme may use group chats \(fetch failed\); appchat needs the app's visible range to be the root department/)]);

    const allowed = probeAnswering({ verdict: 'allowed' });
    const admin = new WarRoomAdmin(repo, { probe: allowed.probe, warn: (w) => warnings.push(w) });
    await admin.set('acme', { enabled: true, closeOnResolve: false });
    await admin.set('ding', { enabled: true, templateId: 't', robotCode: 'r', allowMultiple: true });
    await admin.set('acme', { enabled: false });
    expect(allowed.asked).toEqual([]);
    await admin.set('acme', { enabled: true, allowMultiple: true });
    expect(allowed.asked).toEqual(['acme']);
    expect(warnings).toHaveLength(1);
  });
});
