/**
 * TemplateAdmin with in-memory fakes and the real template engine: a broken template is refused
 * with line and column and nothing is stored; a good one is rendered against the integration's
 * last incidents (from the operation log) or the built-in samples, with a warning per cut field;
 * versions, history, rollback; preview draws the card with the custom area cut to 8 rows.
 */
import { TemplateAdmin, TemplateChannelMismatchError, TemplateRejectedError, VALIDATION_INCIDENTS } from '../../../shared/application/template-admin';
import { TemplateVersionConflictError, type StoredTemplate, type TemplateStore } from '../../../shared/application/template-ports';
import { NotFoundError } from '../../../shared/domain/errors';
import type { Incident } from '../../../shared/domain/incident';
import type { Integration } from '../../../shared/domain/integration';
import type { OperationLogQuery, OperationRecord } from '../../../shared/domain/operation-log';

const weCom: Integration = { id: 'w', platform: 'wecom', settings: { corpId: 'ww1', agentId: '1', apiBase: 'http://127.0.0.1:1' }, secretName: 's', createdAt: '' };
const ding: Integration = { id: 'd', platform: 'dingtalk', settings: { clientId: 'dingapp', apiBase: 'http://127.0.0.1:1', oapiBase: 'http://127.0.0.1:1' }, secretName: 's', createdAt: '' };

class MemoryTemplates implements TemplateStore {
  readonly versions: StoredTemplate[] = [];
  async get(integrationId: string, channel: string) {
    return this.versions.filter((v) => v.integrationId === integrationId && v.channel === channel).sort((a, b) => b.version - a.version)[0];
  }
  async put(integrationId: string, channel: string, source: string, updatedBy: string, nowMs: number, expectedVersion: number) {
    if (((await this.get(integrationId, channel))?.version ?? 0) !== expectedVersion) throw new TemplateVersionConflictError(integrationId, channel, expectedVersion);
    const made = { integrationId, channel, version: expectedVersion + 1, source, updatedBy, updatedAt: nowMs };
    this.versions.push(made);
    return made;
  }
  async history(integrationId: string, channel: string) {
    return this.versions.filter((v) => v.integrationId === integrationId && v.channel === channel).sort((a, b) => b.version - a.version);
  }
  async rollback(integrationId: string, channel: string, toVersion: number, updatedBy: string, nowMs: number) {
    const old = (await this.history(integrationId, channel)).find((v) => v.version === toVersion);
    const current = await this.get(integrationId, channel);
    if (!old || !current) return undefined;
    const made = { ...(await this.put(integrationId, channel, old.source, updatedBy, nowMs, current.version)), rolledBackFrom: toVersion };
    this.versions[this.versions.length - 1] = made;
    return made;
  }
  async list(integrationId: string) {
    const channels = [...new Set(this.versions.filter((v) => v.integrationId === integrationId).map((v) => v.channel))];
    return Promise.all(channels.map(async (c) => (await this.get(integrationId, c))!));
  }
  async remove(integrationId: string, channel: string) {
    const before = this.versions.length;
    this.versions.splice(0, this.versions.length, ...this.versions.filter((v) => !(v.integrationId === integrationId && v.channel === channel)));
    return this.versions.length < before;
  }
}

const incident = (id: string, over: Partial<Incident> = {}): Incident => ({
  incidentId: id,
  version: 1,
  revision: 1,
  title: `Disk full ${id}`,
  severity: 'Critical',
  description: 'the disk is full',
  labels: {},
  responders: ['alice@example.com'],
  targets: [{ integrationId: 'w', persons: ['alice@example.com'], groups: [] }],
  status: 'Triggered',
  triggeredAt: 0,
  updatedAt: 0,
  ...over,
});

function setup(incidents: Incident[] = []) {
  const templates = new MemoryTemplates();
  const byId = new Map(incidents.map((i) => [i.incidentId, i]));
  const queries: OperationLogQuery[] = [];
  // The log holds several records per incident, newest first, as the adapter returns them.
  const records: OperationRecord[] = incidents.flatMap((i, n) => [0, 1].map((k) => ({ atMs: 1000 - n * 10 - k, result: 'sent' as const, reasonCode: 'delivered' as never, reason: 'sent', incidentId: i.incidentId, integrationId: 'w' })));
  const admin = new TemplateAdmin({
    templates,
    integrations: { get: async (id) => (id === 'w' ? weCom : id === 'd' ? ding : undefined) },
    incidents: { get: async (id) => byId.get(id) },
    operationLog: {
      query: async (q) => {
        queries.push(q);
        return records.filter((r) => r.integrationId === q.integrationId);
      },
    },
  });
  return { admin, templates, queries };
}

const CARD = (title: string) => `--- title ---\n${title}\n--- customArea ---\n{% for label in incident.labels %}{{ label.key }}: {{ label.value }}\n{% endfor %}`;

describe('set', () => {
  it('refuses a syntax error with its line and column and stores nothing', async () => {
    const { admin, templates } = setup();
    const error = await admin.set({ integrationId: 'w', channel: 'wecom.card', source: '--- title ---\nok\n--- description ---\n{{ incident.title \n', updatedBy: 'alice', nowMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateRejectedError);
    expect((error as TemplateRejectedError).problems[0]).toMatchObject({ line: 4 });
    expect((error as TemplateRejectedError).problems[0].column).toBeGreaterThan(0);
    expect(templates.versions).toEqual([]);
  });

  it('refuses an unknown variable with its line, found by rendering the samples', async () => {
    const { admin, templates } = setup();
    const error = await admin.set({ integrationId: 'w', channel: 'wecom.card', source: '--- title ---\nok\n\n--- quote ---\n{{ incident.nope }}\n', updatedBy: 'alice', nowMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateRejectedError);
    expect((error as TemplateRejectedError).problems).toEqual([expect.objectContaining({ line: 5, message: expect.stringContaining('nope') })]);
    expect(templates.versions).toEqual([]);
  });

  it('renders against the built-in samples when the integration has no incidents, and warns per cut field', async () => {
    const { admin } = setup();
    const result = await admin.set({ integrationId: 'w', channel: 'wecom.card', source: CARD('{{ incident.title }}'), updatedBy: 'alice', nowMs: 1 });
    expect(result.stored).toMatchObject({ version: 1, updatedBy: 'alice', updatedAt: 1 });
    expect(result.checkedAgainst.kind).toBe('samples');
    // The English sample with 12 labels: the custom area is cut to 8 rows.
    expect(result.warnings).toContainEqual(expect.objectContaining({ sample: 'sample-en-labels (en)', field: 'customArea' }));
    expect(result.warnings).toContainEqual(expect.objectContaining({ field: 'title' }));
  });

  it('renders against the integration’s last 20 incidents from its operation log', async () => {
    const many = Array.from({ length: 25 }, (_, i) => incident(`inc-${i}`, { labels: i === 3 ? Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`k${k}`, 'v'])) : {} }));
    const { admin, queries } = setup(many);
    const result = await admin.set({ integrationId: 'w', channel: 'wecom.card', source: CARD('{{ incident.id }}'), updatedBy: 'alice', nowMs: 1 });
    expect(result.checkedAgainst).toEqual({ kind: 'incidents', count: VALIDATION_INCIDENTS });
    expect(queries[0]).toMatchObject({ integrationId: 'w' });
    expect(result.warnings.map((w) => w.sample)).toEqual(['inc-3 (zh)', 'inc-3 (en)']);
  });

  it('makes version 2 on a second save; a channel of the other platform or an unknown integration is refused', async () => {
    const { admin } = setup();
    await admin.set({ integrationId: 'w', channel: 'wecom.bot.text', source: '--- content ---\nv1 {{ incident.title }}', updatedBy: 'alice', nowMs: 1 });
    const v2 = await admin.set({ integrationId: 'w', channel: 'wecom.bot.text', source: '--- content ---\nv2 {{ incident.title }}', updatedBy: 'bob', nowMs: 2 });
    expect(v2.stored).toMatchObject({ version: 2, updatedBy: 'bob' });
    await expect(admin.set({ integrationId: 'w', channel: 'dingtalk.card', source: '--- title ---\nx', updatedBy: 'a', nowMs: 1 })).rejects.toBeInstanceOf(TemplateChannelMismatchError);
    await expect(admin.set({ integrationId: 'w', channel: 'sms', source: 'x', updatedBy: 'a', nowMs: 1 })).rejects.toBeInstanceOf(TemplateChannelMismatchError);
    await expect(admin.set({ integrationId: 'nope', channel: 'wecom.card', source: 'x', updatedBy: 'a', nowMs: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('history, rollback, show, remove', () => {
  it('rolls back as a new version with the old source; shows the default when none is set', async () => {
    const { admin } = setup();
    expect(await admin.show('w', 'wecom.card')).toMatchObject({ isDefault: true, source: expect.stringContaining('--- title ---') });
    await admin.set({ integrationId: 'w', channel: 'wecom.card', source: CARD('one'), updatedBy: 'alice', nowMs: 1 });
    await admin.set({ integrationId: 'w', channel: 'wecom.card', source: CARD('two'), updatedBy: 'bob', nowMs: 2 });
    const v3 = await admin.rollback({ integrationId: 'w', channel: 'wecom.card', toVersion: 1, updatedBy: 'carol', nowMs: 3 });
    expect(v3).toMatchObject({ version: 3, source: CARD('one'), updatedBy: 'carol', rolledBackFrom: 1 });
    expect((await admin.history('w', 'wecom.card')).map((v) => v.version)).toEqual([3, 2, 1]);
    expect((await admin.show('w', 'wecom.card', 2)).source).toBe(CARD('two'));
    await expect(admin.rollback({ integrationId: 'w', channel: 'wecom.card', toVersion: 7, updatedBy: 'carol', nowMs: 4 })).rejects.toBeInstanceOf(NotFoundError);
    expect((await admin.list('w')).map((t) => [t.channel, t.version])).toEqual([['wecom.card', 3]]);
    expect(await admin.remove('w', 'wecom.card')).toBe(true);
    expect(await admin.show('w', 'wecom.card')).toMatchObject({ isDefault: true });
  });
});

describe('preview', () => {
  const twelve = Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`row${String(k + 1).padStart(2, '0')}`, `value ${k + 1}`]));

  it('draws the card of an incident with a 12-row custom area cut to 8 and the marker', async () => {
    const { admin } = setup([incident('inc-12', { labels: twelve })]);
    await admin.set({ integrationId: 'w', channel: 'wecom.card', source: CARD('{{ incident.title }}'), updatedBy: 'alice', nowMs: 1 });
    const p = await admin.preview({ integrationId: 'w', channel: 'wecom.card', incidentId: 'inc-12', nowMs: 2 });
    expect(p.template).toBe('stored v1');
    expect(p.fields.customArea.split('\n')).toHaveLength(8);
    expect(p.fields.customArea.split('\n')[7]).toMatch(/…$/);
    expect(p.truncations).toContainEqual(expect.objectContaining({ field: 'customArea', unit: 'rows', originalLength: 12 }));
    expect(p.picture).toContain('row08: value 8');
    expect(p.picture).not.toContain('row09');
    expect(p.picture).toContain('[ Start Processing ]');
    expect(p.picture.split('\n')[0]).toMatch(/^┌─ WeCom card ─+┐$/);
  });

  it('previews a file not stored, or the default; a broken file is refused with its line', async () => {
    const { admin, templates } = setup();
    const file = await admin.preview({ integrationId: 'd', channel: 'dingtalk.card', source: '--- title ---\nFILE {{ incident.title }}', nowMs: 2 });
    expect(file).toMatchObject({ template: 'file', incident: 'sample-zh-long' });
    expect(file.fields.title).toMatch(/^FILE /);
    expect(file.picture).toContain('DingTalk card');
    expect((await admin.preview({ integrationId: 'd', channel: 'dingtalk.robot.markdown', nowMs: 2 })).template).toBe('default');
    const error = await admin.preview({ integrationId: 'd', channel: 'dingtalk.card', source: '--- title ---\n\n{{ incident.unknown }}', nowMs: 2 }).catch((e: unknown) => e);
    expect((error as TemplateRejectedError).problems).toEqual([expect.objectContaining({ line: 3 })]);
    await expect(admin.preview({ integrationId: 'w', channel: 'wecom.card', incidentId: 'missing', nowMs: 2 })).rejects.toBeInstanceOf(NotFoundError);
    expect(templates.versions).toEqual([]);
  });
});
