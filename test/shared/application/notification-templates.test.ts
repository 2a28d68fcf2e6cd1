import { fieldsDigest, NotificationTemplates } from '../../../shared/application/notification-templates';
import type { OperationRecord } from '../../../shared/domain/operation-log';
import type { StoredTemplate } from '../../../shared/application/template-ports';
import { templateSampleIncidents } from '../../../shared/domain/templates';

const incident = { ...templateSampleIncidents()[0]!, severity: 'Critical' as const };

function setup(source: string | undefined) {
  const records: OperationRecord[] = [];
  let errors = 0;
  let gets = 0;
  let now = 1_000_000;
  const stored = (s: string): StoredTemplate => ({ integrationId: 'i1', channel: 'wecom.card', version: 3, source: s, updatedBy: 'a', updatedAt: 1 });
  const templates = new NotificationTemplates({
    store: { get: async () => (gets++, source === undefined ? undefined : stored(source)) },
    clock: { nowMs: () => now },
    operationLog: { append: async (r: readonly OperationRecord[]) => void records.push(...r) },
    countError: () => void errors++,
  });
  const target = { platform: 'wecom', logChannel: 'card' } as const;
  return { templates, records, errors: () => errors, gets: () => gets, target, advance: (ms: number) => void (now += ms) };
}

it('is undefined without a stored template (the fixed text applies), cached 30 s', async () => {
  const s = setup(undefined);
  expect(await s.templates.fields('wecom.card', 'i1', incident, s.target)).toBeUndefined();
  await s.templates.fields('wecom.card', 'i1', incident, s.target);
  expect(s.gets()).toBe(1);
  s.advance(30_001);
  await s.templates.fields('wecom.card', 'i1', incident, s.target);
  expect(s.gets()).toBe(2);
});

it('renders the custom fields; a cut field is logged as template_truncated, not an error', async () => {
  const rows = Array.from({ length: 12 }, (_, i) => `r${i + 1}: v`).join('\n');
  const s = setup(`--- title ---\nCustom {{ incident.title }}\n--- customArea ---\n${rows}\n`);
  const fields = await s.templates.fields('wecom.card', 'i1', incident, s.target);
  expect(fields!.title).toMatch(/^Custom /);
  expect(fields!.customArea.split('\n')).toHaveLength(8);
  expect(new Set(s.records.map((r) => r.reasonCode))).toEqual(new Set(['template_truncated']));
  expect(s.records.map((r) => r.reason)).toContainEqual(expect.stringContaining('field customArea cut to 8 rows (was 12)'));
  expect(s.errors()).toBe(0);
});

it('a render error: default fields with the note, template_error with line and column, one metric', async () => {
  const s = setup(`--- title ---\n{% if incident.severity == 'Critical' %}{{ incident.labelMap.owner }}{% endif %} x\n`);
  const fields = await s.templates.fields('wecom.card', 'i1', incident, s.target);
  expect(fields!.quote).toMatch(/Template error|模板错误/);
  expect(fields!.title).toContain(incident.title.slice(0, 10));
  const error = s.records.find((r) => r.reasonCode === 'template_error')!;
  expect(error.reason).toMatch(/v3 failed at line 2, column \d+/);
  expect(error.reason).not.toContain('{{');
  expect(s.errors()).toBe(1);
});

it('a stored file that no longer parses: the default with the note, template_error', async () => {
  const s = setup(`--- title ---\n{% if %}\n`);
  const fields = await s.templates.fields('wecom.card', 'i1', incident, s.target);
  expect(fields!.quote).toMatch(/Template error|模板错误/);
  expect(s.records.map((r) => r.reasonCode)).toContain('template_error');
  expect(s.errors()).toBe(1);
});

it('does not log the same cut again when the text is the one the recipients already have (sameTextAs); a changed text logs it', async () => {
  const rows = Array.from({ length: 12 }, (_, i) => `r${i + 1}: {{ incident.status }}`).join('\n');
  const s = setup(`--- title ---\nCustom {{ incident.title }}\n--- customArea ---\n${rows}\n`);
  const first = await s.templates.fields('wecom.card', 'i1', incident, s.target);
  const logged = s.records.length;
  expect(logged).toBeGreaterThan(0);
  await s.templates.fields('wecom.card', 'i1', incident, { ...s.target, sameTextAs: fieldsDigest(first!) });
  expect(s.records).toHaveLength(logged);
  const changed = { ...incident, status: incident.status === 'Closed' ? ('Triggered' as const) : ('Closed' as const) };
  await s.templates.fields('wecom.card', 'i1', changed, { ...s.target, sameTextAs: fieldsDigest(first!) });
  expect(s.records.length).toBeGreaterThan(logged);
  expect(s.records.slice(logged).every((r) => r.reasonCode === 'template_truncated')).toBe(true);
  expect(fieldsDigest({ a: 'x', b: 'y' })).toBe(fieldsDigest({ b: 'y', a: 'x' }));
  expect(fieldsDigest({ a: 'x' })).not.toBe(fieldsDigest({ a: 'y' }));
});
