import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CHANNEL_LIMITS,
  TemplateRenderError,
  TemplateSyntaxError,
  channelFields,
  defaultTemplateSource,
  fitField,
  formatDuration,
  formatTime,
  parseTemplate,
  renderTemplate,
  templateChannels,
  templateContextFor,
  templateSampleContexts,
  templateSampleIncidents,
  validateTemplate,
  renderTemplateOrDefault,
  fieldRows,
  TEMPLATE_ERROR_NOTE,
  type TemplateContext,
} from '../../../shared/domain/templates';
import { codePointLength, utf8ByteLength } from '../../../shared/domain/text-budget';
import { TEMPLATE_CONTEXT_SHAPE } from '../../../shared/domain/templates/variables';

const samples = templateSampleContexts();
const graphemesOf = (s: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].map((x) => x.segment);
const sizeIn = (text: string, unit: 'bytes' | 'chars') => (unit === 'bytes' ? utf8ByteLength(text) : codePointLength(text));
const zh = samples.find((s) => s.locale === 'zh' && s.incident.id === 'sample-zh-long') as TemplateContext;
const en = samples.find((s) => s.locale === 'en' && s.incident.id === 'sample-en-labels') as TemplateContext;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('built-in default templates', () => {
  it.each(templateChannels)('%s renders every sample (zh and en) within every field limit', (channel) => {
    expect(new Set(samples.map((s) => s.locale))).toEqual(new Set(['zh', 'en']));
    for (const sample of samples) {
      const { fields } = renderTemplate(channel, undefined, sample);
      expect(Object.keys(fields)).toEqual([...channelFields(channel)]);
      for (const [field, value] of Object.entries(fields)) {
        const limit = CHANNEL_LIMITS[channel][field]!;
        expect(sizeIn(value, limit.unit)).toBeLessThanOrEqual(limit.max);
        if (limit.maxRows) expect(value.split('\n').length).toBeLessThanOrEqual(limit.maxRows);
        if (limit.singleLine) expect(value).not.toContain('\n');
      }
      expect(fields[channelFields(channel)[0]!]!.length).toBeGreaterThan(0);
    }
  });

  it('validates with no error: parseTemplate accepts every default source', () => {
    for (const channel of templateChannels) expect(validateTemplate(channel, defaultTemplateSource(channel), samples).errors).toEqual([]);
  });

  it('speaks the context locale', () => {
    expect(renderTemplate('wecom.card', undefined, zh).fields).toMatchObject({ title: expect.stringMatching(/^\[严重\] /), quote: '处理中（张三）' });
    expect(renderTemplate('wecom.card', undefined, en).fields).toMatchObject({ title: expect.stringMatching(/^\[Warning\] /), quote: 'Triggered, waiting for someone to respond' });
    expect(renderTemplate('dingtalk.card', undefined, en).fields.status).toBe('Triggered');
  });
});

describe('custom area: at most 8 rows', () => {
  const twelveRows = `--- title ---\n{{ incident.title }}\n--- customArea ---\n{% for label in incident.labels %}{{ label.key }}={{ label.value }}\n{% endfor %}`;

  it('a 12-line custom area is cut to 8 rows and the last kept row ends with the marker', () => {
    expect(en.incident.labels).toHaveLength(12);
    const { fields, truncations } = renderTemplate('wecom.card', parseTemplate('wecom.card', twelveRows), en);
    const rows = fields.customArea!.split('\n');
    expect(rows).toHaveLength(8);
    expect(rows.slice(0, 7)).toEqual(en.incident.labels.slice(0, 7).map((l) => `${l.key}=${l.value}`));
    expect(rows[7]).toBe(`${en.incident.labels[7]!.key}=${en.incident.labels[7]!.value}…`);
    expect(truncations).toContainEqual({ field: 'customArea', limit: 8, unit: 'rows', originalLength: 12 });
  });

  it('8 rows or fewer are left alone', () => {
    const eight = `--- customArea ---\n{% for i in (1..8) %}row {{ i }}\n{% endfor %}`;
    const { fields, truncations } = renderTemplate('wecom.card', parseTemplate('wecom.card', eight), en);
    expect(fields.customArea).toBe([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `row ${i}`).join('\n'));
    expect(truncations.filter((t) => t.field === 'customArea')).toEqual([]);
  });

  it('validation warns for each sample whose custom area would be cut, naming the field', () => {
    const { errors, warnings } = validateTemplate('wecom.card', twelveRows, samples);
    expect(errors).toEqual([]);
    const twelveLabelSamples = samples.filter((s) => s.incident.labels.length > 8).map((s) => `${s.incident.id} (${s.locale})`);
    expect(twelveLabelSamples.length).toBeGreaterThan(0);
    expect(warnings.filter((w) => w.field === 'customArea' && /8/.test(w.message)).map((w) => w.sample)).toEqual(twelveLabelSamples);
  });
});

describe('errors point to the file line and column', () => {
  it('a syntax error inside the second section', () => {
    const source = ['# my card', '--- title ---', '{{ incident.title }}', '--- description ---', 'ok', '  {% if incident.title %}', 'never closed'].join('\n');
    const error = thrown(() => parseTemplate('wecom.card', source));
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect(error).toMatchObject({ line: 6, column: 3 });
    expect(validateTemplate('wecom.card', source, samples).errors).toEqual([{ line: 6, column: 3, message: expect.stringContaining('if') }]);
  });

  it('an unknown tag', () => {
    const source = '--- title ---\n\nTitle: {% shout incident.title %}\n';
    expect(thrown(() => parseTemplate('wecom.card', source))).toMatchObject({ name: 'TemplateSyntaxError', line: 3, column: 8 });
  });

  it('an unknown filter is refused when parsing', () => {
    const source = '--- title ---\nx\n--- quote ---\n\n  {{ incident.title | shout }}';
    expect(thrown(() => parseTemplate('wecom.card', source))).toMatchObject({ line: 5, column: 3, detail: expect.stringContaining('shout') });
  });

  it('an unknown variable is refused when parsing, with its line and column, even in a branch no sample takes', () => {
    const source = "--- title ---\n{{ incident.title }}\n--- description ---\nline one\n  x {% if incident.status == 'Nope' %}{{ incident.owner }}{% endif %}";
    const error = thrown(() => parseTemplate('wecom.card', source));
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect(error).toMatchObject({ line: 5, column: 42, detail: 'unknown variable: incident.owner' });
    expect(validateTemplate('wecom.card', source, samples).errors).toEqual([{ line: 5, column: 42, message: 'unknown variable: incident.owner' }]);
  });

  it.each([
    ['{{ actor.nme }}', 'actor.nme'],
    ['{{ incident.labels.first.kee }}', 'incident.labels.first.kee'],
    ['{{ incident.title.size.x }}', 'incident.title.size'],
    ['{{ owner }}', 'owner'],
  ])('%s is an unknown variable', (expr, name) => {
    expect(thrown(() => parseTemplate('wecom.bot.text', `--- content ---\n${expr}`))).toMatchObject({ line: 2, detail: `unknown variable: ${name}` });
  });

  it('known paths, loop variables and assignments pass the static check', () => {
    const source = [
      '--- content ---',
      '{% assign who = actor.name %}{{ who }}{{ incident.labels.size }}{{ incident.labels[0].key }}{{ incident.labels.first.value }}{{ incident.title.size }}',
      '{% for r in incident.responders %}{{ r.email }}{{ forloop.index }}{% endfor %}{{ incident.labelMap.service }}{{ integration.name }}{{ links.detail }}',
    ].join('\n');
    expect(() => parseTemplate('wecom.bot.text', source)).not.toThrow();
  });

  it('an unknown label key (only data can tell) is refused at render with its line and column', () => {
    const source = '--- title ---\n{{ incident.title }}\n--- description ---\nline one\n  x {{ incident.labelMap.nope }}';
    const parsed = parseTemplate('wecom.card', source);
    const error = thrown(() => renderTemplate('wecom.card', parsed, en));
    expect(error).toBeInstanceOf(TemplateRenderError);
    expect(error).toMatchObject({ field: 'description', line: 5, column: 8, detail: expect.stringContaining('incident.labelMap.nope') });
    expect(validateTemplate('wecom.card', source, samples).errors).toEqual([{ line: 5, column: 8, message: expect.stringContaining('unknown variable: incident.labelMap.nope') }]);
  });

  it('a label an incident may lack is guarded with if (lenient conditions), and its value printed only when present', () => {
    const source = '--- content ---\n{% if incident.labelMap.service %}service={{ incident.labelMap.service }}{% else %}no service{% endif %}|{% assign svc = incident.labels | where: "key", "service" | first %}{% if svc %}{{ svc.value }}{% else %}none{% endif %}';
    const parsed = parseTemplate('wecom.bot.text', source);
    const withLabel = templateContextFor({ ...templateSampleIncidents()[0]!, labels: { service: 'orders' } }, { nowMs: Date.UTC(2026, 2, 1), integration: { id: 'x' } });
    const without = templateContextFor({ ...templateSampleIncidents()[0]!, labels: {} }, { nowMs: Date.UTC(2026, 2, 1), integration: { id: 'x' } });
    expect(renderTemplate('wecom.bot.text', parsed, withLabel).fields.content).toBe('service=orders|orders');
    expect(renderTemplate('wecom.bot.text', parsed, without).fields.content).toBe('no service|none');
    expect(validateTemplate('wecom.bot.text', source, samples).errors).toEqual([]);
    // A misspelt name is still refused at parse, inside a condition too.
    expect(thrown(() => parseTemplate('wecom.bot.text', '--- content ---\n{% if incident.sevrity %}x{% endif %}'))).toMatchObject({ name: 'TemplateSyntaxError', line: 2 });
  });

  it('the static shape matches the context templateContextFor builds', () => {
    const keysOf = (value: unknown, shape: unknown, path: string): string[] => {
      if (shape === 'any' || value === null || typeof value !== 'object') return [];
      if (Array.isArray(value)) return value.flatMap((item) => keysOf(item, (shape as unknown[])[0], `${path}[]`));
      const own = Object.keys(value as object).sort();
      const expected = Object.keys(shape as object).sort();
      expect({ path, keys: own }).toEqual({ path, keys: expected });
      return own.flatMap((k) => keysOf((value as Record<string, unknown>)[k], (shape as Record<string, unknown>)[k], `${path}.${k}`));
    };
    for (const sample of samples) keysOf(sample, TEMPLATE_CONTEXT_SHAPE, '');
  });

  it('an unknown label key is an unknown variable too', () => {
    const parsed = parseTemplate('wecom.bot.text', '--- content ---\n{{ incident.labelMap.nope }}');
    expect(thrown(() => renderTemplate('wecom.bot.text', parsed, en))).toMatchObject({ line: 2 });
  });

  it.each([
    ['text before the first section', 'hello\n--- title ---\nx', 1],
    ['an unknown field', '--- title ---\nx\n--- footer ---\ny', 3],
    ['a field twice', '--- title ---\nx\n--- title ---\ny', 3],
    ['no section at all', '# only a comment\n', 1],
    ['a malformed section line', '--- title\nx', 1],
  ])('%s is a syntax error', (_name, source, line) => {
    expect(thrown(() => parseTemplate('wecom.card', source))).toMatchObject({ name: 'TemplateSyntaxError', line });
  });

  it('a field the file leaves out renders with the default section', () => {
    const parsed = parseTemplate('wecom.card', '--- title ---\nCustom {{ incident.id }}');
    const { fields } = renderTemplate('wecom.card', parsed, en);
    expect(fields.title).toBe('Custom sample-en-labels');
    expect(fields.quote).toBe(renderTemplate('wecom.card', undefined, en).fields.quote);
    expect(parsed.customFields).toEqual(['title']);
  });
});

describe('sandbox', () => {
  it.each(["{% include 'etc/passwd' %}", "{% render '/etc/passwd' %}", "{% layout 'base' %}x", "{% block a %}x{% endblock %}"])('%s is refused: no file access', (tag) => {
    const error = thrown(() => parseTemplate('wecom.bot.text', `--- content ---\n${tag}`));
    expect(error).toMatchObject({ name: 'TemplateSyntaxError', line: 2, detail: expect.stringContaining('not available') });
  });

  it('no prototype access', () => {
    expect(thrown(() => parseTemplate('wecom.bot.text', '--- content ---\n{{ incident.constructor.name }}'))).toBeInstanceOf(TemplateSyntaxError);
    const parsed = parseTemplate('wecom.bot.text', '--- content ---\n{{ incident.labelMap.constructor.name }}');
    expect(thrown(() => renderTemplate('wecom.bot.text', parsed, en))).toBeInstanceOf(TemplateRenderError);
  });

  it('a runaway loop stops at the render time limit', () => {
    const parsed = parseTemplate('wecom.bot.text', '--- content ---\n{% for i in (1..3000) %}{% for j in (1..3000) %}{{ j }}{% endfor %}{% endfor %}');
    const started = Date.now();
    const error = thrown(() => renderTemplate('wecom.bot.text', parsed, en));
    expect(error).toMatchObject({ name: 'TemplateRenderError', detail: expect.stringContaining('render limit'), line: 2 });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a huge allocation stops at the memory limit', () => {
    const parsed = parseTemplate('wecom.bot.text', '--- content ---\n{% for i in (1..100000000) %}x{% endfor %}');
    expect(thrown(() => renderTemplate('wecom.bot.text', parsed, en))).toMatchObject({ detail: expect.stringContaining('memory') });
  });

  it('a section longer than the parse limit is refused', () => {
    expect(thrown(() => parseTemplate('wecom.bot.text', `--- content ---\n${'x'.repeat(30_000)}`))).toBeInstanceOf(TemplateSyntaxError);
  });

  it('incident text cannot @mention in WeCom markdown', () => {
    const incident = { ...templateSampleIncidents()[1]!, title: 'ping <@all> now' };
    const ctx = templateContextFor(incident, { nowMs: incident.triggeredAt, integration: { id: 'i1' } });
    expect(renderTemplate('wecom.bot.markdown', undefined, ctx).fields.content).not.toContain('<@all>');
    expect(renderTemplate('wecom.bot.text', undefined, ctx).fields.content).toContain('<@all>');
  });
});

describe('truncation on boundaries', () => {
  it('Chinese and emoji are cut between graphemes, within bytes and characters, with a visible marker', () => {
    const text = '🔥👨‍👩‍👧‍👦 支付回调失败 🇨🇳👍🏽é'.repeat(20);
    for (const [unit, max] of [['bytes', 50], ['bytes', 1024], ['chars', 36], ['chars', 7]] as const) {
      const truncations: { field: string }[] = [];
      const out = fitField('f', text, { max, unit, rule: 'test' }, truncations as never);
      expect(sizeIn(out, unit)).toBeLessThanOrEqual(max);
      expect(out.endsWith('…')).toBe(true);
      const kept = out.slice(0, -1);
      expect(text.startsWith(kept)).toBe(true);
      expect(graphemesOf(text).slice(0, graphemesOf(kept).length).join('')).toBe(kept);
      expect(truncations).toHaveLength(1);
    }
  });

  it('the emoji sample title is cut to 36 characters on a grapheme boundary', () => {
    const emoji = samples.find((s) => s.incident.id === 'sample-emoji' && s.locale === 'zh')!;
    const { fields } = renderTemplate('wecom.card', undefined, emoji);
    expect(codePointLength(fields.title!)).toBeLessThanOrEqual(36);
    const kept = fields.title!.slice(0, -1);
    expect(`[提示] ${emoji.incident.title}`.startsWith(kept)).toBe(true);
    expect(graphemesOf(`[提示] ${emoji.incident.title}`).slice(0, graphemesOf(kept).length).join('')).toBe(kept);
  });
});

describe('context and filters', () => {
  it('templateContextFor fills every key, null when absent', () => {
    const [zhIncident, , , closed] = templateSampleIncidents();
    const ctx = templateContextFor(closed!, { nowMs: 1, integration: { id: 'int-1', name: 'Prod' } });
    expect(ctx).toMatchObject({ actor: { email: 'bob@example.com', name: 'Bob', action: 'resolve' }, links: { detail: null }, integration: { id: 'int-1', name: 'Prod' }, locale: 'en' });
    expect(ctx.incident).toMatchObject({ detailUrl: null, snoozedUntil: null, acknowledgedBy: null, labels: [], responders: [{ email: 'alice@example.com', name: null }, { email: 'bob@example.com', name: null }] });
    const withFallback = templateContextFor({ ...zhIncident!, detailUrl: undefined }, { nowMs: 1, integration: { id: 'i' }, fallbackUrl: 'https://x.example/i' });
    expect(withFallback.links.detail).toBe('https://x.example/i');
  });

  it('a snooze that ran out reads Triggered', () => {
    const snoozed = templateSampleIncidents()[2]!;
    expect(templateContextFor(snoozed, { nowMs: snoozed.snoozedUntil! + 1, integration: { id: 'i' } }).incident.status).toBe('Triggered');
  });

  it('time, duration, severity and status filters', () => {
    const t = Date.UTC(2026, 2, 1, 0, 5);
    expect(formatTime(t)).toBe('2026-03-01 08:05');
    expect(formatTime(t, 'Europe/Berlin')).toBe('2026-03-01 01:05');
    expect(formatDuration(3_900_000)).toBe('1h 5m');
    expect(formatDuration(3_900_000, 'zh')).toBe('1小时5分');
    expect(formatDuration(90_000_000)).toBe('1d 1h');
    const source = [
      '--- content ---',
      "{{ incident.triggeredAt | time }}|{{ incident.triggeredAt | time: 'UTC' }}|{{ now | minus: incident.triggeredAt | duration }}",
      "{{ incident.severity | severity }}|{{ incident.severity | severity: 'icon' }}|{{ incident.severity | severity_zh }}|{{ incident.severity | severity_icon }}|{{ incident.status | status }}",
    ].join('\n');
    const parsed = parseTemplate('wecom.bot.text', source);
    expect(renderTemplate('wecom.bot.text', parsed, zh).fields.content).toBe('2026-03-01 08:05|2026-03-01 00:05|1小时\n严重|🔴|严重|🔴|处理中');
    expect(renderTemplate('wecom.bot.text', parsed, en).fields.content).toBe('2026-03-01 08:05|2026-03-01 00:05|1h\nWarning|🟠|警告|🟠|Triggered');
  });

  it('a bad time zone or severity style is a render error with its line', () => {
    const parsed = parseTemplate('wecom.bot.text', "--- content ---\nok\n{{ now | time: 'Mars/Olympus' }}");
    expect(thrown(() => renderTemplate('wecom.bot.text', parsed, en))).toMatchObject({ line: 3, detail: expect.stringContaining('Mars/Olympus') });
    const style = parseTemplate('wecom.bot.text', "--- content ---\n{{ incident.severity | severity: 'loud' }}");
    expect(thrown(() => renderTemplate('wecom.bot.text', style, en))).toMatchObject({ line: 2 });
  });
});

describe('required fields', () => {
  it('a required field that renders empty is a render error at its section, so the sender falls back to the default', () => {
    const source = '--- content ---\n{% if incident.labels.size > 0 %}{{ incident.title }}{% endif %}';
    const parsed = parseTemplate('wecom.bot.text', source);
    expect(renderTemplate('wecom.bot.text', parsed, en).fields.content).toBe(en.incident.title);
    const noLabels = samples.find((s) => s.incident.labels.length === 0)!;
    expect(thrown(() => renderTemplate('wecom.bot.text', parsed, noLabels))).toMatchObject({ name: 'TemplateRenderError', field: 'content', line: 2 });
    expect(validateTemplate('wecom.bot.text', source, samples).errors).toEqual([{ line: 2, column: 1, message: expect.stringContaining('renders empty') }]);
  });

  it('an optional field may be empty', () => {
    const parsed = parseTemplate('wecom.card', '--- quote ---\n');
    expect(renderTemplate('wecom.card', parsed, en).fields.quote).toBe('');
  });

  it('validation stops after a template runs over the render limit once', () => {
    const started = Date.now();
    const { errors } = validateTemplate('wecom.bot.text', '--- content ---\n{% for i in (1..3000) %}{% for j in (1..3000) %}{{ j }}{% endfor %}{% endfor %}', samples);
    expect(errors).toEqual([{ line: 2, column: expect.any(Number), message: expect.stringContaining('render limit') }]);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('send-time fallback', () => {
  const broken = parseTemplate('wecom.card', '--- title ---\n{{ incident.labelMap.nope }}');

  it.each(templateChannels)('%s: a render error gives the default with a template-error note, within limits', (channel) => {
    const field = { 'wecom.card': 'title', 'wecom.bot.markdown': 'content', 'wecom.bot.text': 'content', 'dingtalk.card': 'title', 'dingtalk.robot.markdown': 'title' }[channel];
    const parsed = parseTemplate(channel, `--- ${field} ---\n{{ incident.labelMap.nope }}`);
    for (const sample of samples) {
      const result = renderTemplateOrDefault(channel, parsed, sample);
      expect(result.error).toBeInstanceOf(TemplateRenderError);
      const all = Object.values(result.fields).join('\n');
      expect(all).toContain(sample.locale === 'zh' ? TEMPLATE_ERROR_NOTE.zh : TEMPLATE_ERROR_NOTE.en);
      for (const [name, value] of Object.entries(result.fields)) {
        const limit = CHANNEL_LIMITS[channel][name]!;
        expect(sizeIn(value, limit.unit)).toBeLessThanOrEqual(limit.max);
      }
      const fallback = renderTemplate(channel, undefined, sample).fields[field]!;
      expect(result.fields[field]!.startsWith(fallback.split('\n')[0]!.slice(0, 10))).toBe(true);
    }
  });

  it('the note stays visible when the default already fills the field', () => {
    const huge = templateContextFor({ ...templateSampleIncidents()[0]!, description: '很长的描述🔥'.repeat(2000) }, { nowMs: 1, locale: 'zh', integration: { id: 'i' } });
    const parsed = parseTemplate('wecom.bot.text', '--- content ---\n{{ incident.labelMap.nope }}');
    const { fields, truncations } = renderTemplateOrDefault('wecom.bot.text', parsed, huge);
    expect(fields.content!.endsWith(TEMPLATE_ERROR_NOTE.zh)).toBe(true);
    expect(utf8ByteLength(fields.content!)).toBeLessThanOrEqual(CHANNEL_LIMITS['wecom.bot.text'].content!.max);
    expect(truncations.map((t) => t.field)).toContain('content');
  });

  it('a template that works renders as is, without error', () => {
    const ok = renderTemplateOrDefault('wecom.card', parseTemplate('wecom.card', '--- title ---\nT {{ incident.id }}'), en);
    expect(ok.error).toBeUndefined();
    expect(ok.fields.title).toBe('T sample-en-labels');
    expect(renderTemplateOrDefault('wecom.card', broken, en).error).toMatchObject({ line: 2 });
    expect(fieldRows(ok.fields.customArea!).length).toBeGreaterThan(0);
    expect(fieldRows('')).toEqual([]);
  });
});

describe('wecom.card default description', () => {
  it('opens with the full title only when the title field had to cut it', () => {
    const short = samples.find((s) => s.incident.id === 'sample-en-closed' && s.locale === 'en')!;
    const long = renderTemplate('wecom.card', undefined, en);
    expect(long.fields.description!.startsWith(en.incident.title)).toBe(true);
    const withDescription = { ...short, incident: { ...short.incident, description: 'Disk is filling up.' } };
    expect(renderTemplate('wecom.card', undefined, withDescription).fields.description).toBe('Disk is filling up.');
  });
});

describe('the README example', () => {
  it('validates against the built-in samples and renders its custom area', () => {
    const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const source = /```liquid\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(source).toBeDefined();
    expect(validateTemplate('wecom.card', source!, samples).errors).toEqual([]);
    const { fields } = renderTemplate('wecom.card', parseTemplate('wecom.card', source!), zh);
    expect(fields.customArea).toContain('服务：订单');
  });
});
