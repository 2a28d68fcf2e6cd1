/**
 * Parsing, rendering and validating notification templates. A rendered field is always within
 * its channel limit (channel-limits.ts): text is cut on grapheme boundaries with a visible "…",
 * and every cut is reported so validation can warn and senders can record it.
 */
import { CHANNEL_LIMITS, channelFields, isTemplateChannel, type FieldLimit, type TemplateChannel } from '../channel-limits';
import { codePointLength, singleLine, toWellFormed, truncateAtWordBoundary, truncateText, utf8ByteLength, DEFAULT_ELLIPSIS } from '../text-budget';
import type { TemplateContext } from './context';
import { defaultTemplateSource } from './defaults';
import { templateEngine, type LiquidTemplate } from './engine';
import { TemplateChannelError, TemplateRenderError, TemplateSyntaxError, type TemplateProblem } from './errors';
import { splitTemplateSections } from './format';
import { unknownVariables } from './variables';

interface ParsedSection {
  readonly field: string;
  readonly startLine: number;
  readonly templates: LiquidTemplate;
}

export interface ParsedTemplate {
  readonly channel: TemplateChannel;
  /** Every field of the channel: from the file, or the built-in default's section when left out. */
  readonly sections: Readonly<Record<string, ParsedSection>>;
  /** Fields the file itself defines. */
  readonly customFields: readonly string[];
}

export interface Truncation {
  readonly field: string;
  readonly limit: number;
  readonly unit: 'bytes' | 'chars' | 'rows';
  readonly originalLength: number;
}

export interface RenderedTemplate {
  readonly fields: Record<string, string>;
  readonly truncations: Truncation[];
}

export interface TemplateValidation {
  readonly errors: TemplateProblem[];
  readonly warnings: { readonly sample: string; readonly field: string; readonly message: string }[];
}

const POSITION_SUFFIX = /,? ?line:\d+, col:\d+$/;

/** A liquidjs error's position inside a section (1-based), when it has one. */
function liquidPosition(error: unknown): [number, number] | undefined {
  const token = (error as { token?: { getPosition?: () => [number, number] } }).token;
  const position = token?.getPosition?.();
  return position && Number.isInteger(position[0]) ? position : undefined;
}

function liquidMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(POSITION_SUFFIX, '').replace(/^undefined variable: /, 'unknown variable: ');
}

function checkChannel(channel: string): asserts channel is TemplateChannel {
  if (!isTemplateChannel(channel)) throw new TemplateChannelError(`unknown template channel "${channel}"`);
}

function parseSections(channel: TemplateChannel, source: string): ParsedSection[] {
  return splitTemplateSections(channel, source).map((section) => {
    let templates: LiquidTemplate;
    try {
      templates = templateEngine.parse(section.source);
    } catch (error) {
      const [line, column] = liquidPosition(error) ?? [1, 1];
      throw new TemplateSyntaxError(section.startLine + line - 1, column, liquidMessage(error));
    }
    const [unknown] = unknownVariables(templates);
    if (unknown) throw new TemplateSyntaxError(section.startLine + unknown.line - 1, unknown.column, `unknown variable: ${unknown.name}`);
    return { field: section.field, startLine: section.startLine, templates };
  });
}

const defaults = new Map<TemplateChannel, ParsedTemplate>();

function defaultTemplate(channel: TemplateChannel): ParsedTemplate {
  let parsed = defaults.get(channel);
  if (!parsed) {
    const sections = Object.fromEntries(parseSections(channel, defaultTemplateSource(channel)).map((s) => [s.field, s]));
    parsed = { channel, sections, customFields: [] };
    defaults.set(channel, parsed);
  }
  return parsed;
}

/** Parses a template file; throws TemplateSyntaxError with the file's line and column. */
export function parseTemplate(channel: TemplateChannel, source: string): ParsedTemplate {
  checkChannel(channel);
  const own = parseSections(channel, source);
  const fallback = defaultTemplate(channel).sections;
  const sections: Record<string, ParsedSection> = {};
  for (const field of channelFields(channel)) {
    const section = own.find((s) => s.field === field) ?? fallback[field];
    if (section) sections[field] = section;
  }
  return { channel, sections, customFields: own.map((s) => s.field) };
}

/** Incident text in WeCom markdown cannot @mention anyone: `<@…>` only comes from the sender's mentions. */
function defuseMentions<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/<@/g, '<\u200B@') as T;
  if (Array.isArray(value)) return value.map(defuseMentions) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, defuseMentions(v)])) as T;
  return value;
}

function tidy(output: string): string {
  const lines = toWellFormed(output)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd());
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').replace(/^\n+|\n+$/g, '');
}

function sizeOf(text: string, unit: 'bytes' | 'chars'): number {
  return unit === 'bytes' ? utf8ByteLength(text) : codePointLength(text);
}

function budget(limit: number, unit: 'bytes' | 'chars') {
  return unit === 'bytes' ? { maxBytes: limit } : { maxChars: limit };
}

/** Cuts one rendered field to its limit, recording every cut. */
export function fitField(field: string, text: string, limit: FieldLimit, truncations: Truncation[]): string {
  let value = limit.singleLine ? singleLine(text) : text;
  if (limit.maxRows !== undefined) {
    let rows = value.split('\n').filter((row) => row.trim() !== '');
    if (limit.rowMax !== undefined) {
      const rowMax = limit.rowMax;
      rows = rows.map((row) => {
        const cut = truncateText(row, budget(rowMax, limit.unit));
        if (cut !== row) truncations.push({ field, limit: rowMax, unit: limit.unit, originalLength: sizeOf(row, limit.unit) });
        return cut;
      });
    }
    if (rows.length > limit.maxRows) {
      truncations.push({ field, limit: limit.maxRows, unit: 'rows', originalLength: rows.length });
      rows = rows.slice(0, limit.maxRows);
      const last = rows[rows.length - 1] ?? '';
      // The marker shows rows were cut: "…" ends the last kept row (cut to make room if needed).
      if (!last.endsWith(DEFAULT_ELLIPSIS)) {
        const room = limit.rowMax !== undefined ? limit.rowMax - 1 : Number.POSITIVE_INFINITY;
        const kept = Number.isFinite(room) ? truncateText(last, { ...budget(room, limit.unit), ellipsis: '' }) : last;
        rows[rows.length - 1] = kept.trimEnd() + DEFAULT_ELLIPSIS;
      }
    }
    value = rows.join('\n');
  }
  if (sizeOf(value, limit.unit) > limit.max) {
    truncations.push({ field, limit: limit.max, unit: limit.unit, originalLength: sizeOf(value, limit.unit) });
    value = (limit.singleLine ? truncateAtWordBoundary : truncateText)(value, budget(limit.max, limit.unit));
  }
  return value;
}

/**
 * Renders every field of `channel` with `parsed` (or the built-in default when undefined), each
 * cut to its limit. Throws TemplateRenderError (file line/column) for an unknown variable or
 * filter, a filter error, a template over the render time or memory limit, or a required field
 * (title, content) that renders empty.
 */
export function renderTemplate(channel: TemplateChannel, parsed: ParsedTemplate | undefined, context: TemplateContext): RenderedTemplate {
  checkChannel(channel);
  const template = parsed ?? defaultTemplate(channel);
  if (template.channel !== channel) throw new TemplateChannelError(`template is for ${template.channel}, not ${channel}`);
  const scope = channel === 'wecom.bot.markdown' ? defuseMentions(context) : context;
  const fields: Record<string, string> = {};
  const truncations: Truncation[] = [];
  for (const field of channelFields(channel)) {
    const section = template.sections[field];
    let output = '';
    if (section) {
      try {
        output = String(templateEngine.renderSync(section.templates, scope as unknown as Record<string, unknown>));
      } catch (error) {
        const position = liquidPosition(error);
        throw new TemplateRenderError(
          liquidMessage(error),
          field,
          position ? section.startLine + position[0] - 1 : undefined,
          position ? position[1] : undefined,
        );
      }
    }
    const limit = CHANNEL_LIMITS[channel][field] as FieldLimit;
    const value = fitField(field, tidy(output), limit, truncations);
    if (limit.required && value.trim() === '') {
      // An empty title or content is refused by the platform: an error, so the sender falls back to the default.
      throw new TemplateRenderError(`renders empty; the platform refuses a message without ${field}`, field, section?.startLine, section ? 1 : undefined);
    }
    fields[field] = value;
  }
  return { fields, truncations };
}

function sampleName(context: TemplateContext): string {
  return `${context.incident.id} (${context.locale})`;
}

function describeTruncation(t: Truncation): string {
  return t.unit === 'rows'
    ? `${t.originalLength} rows, only the first ${t.limit} are shown (the last ends with "…")`
    : `${t.originalLength} ${t.unit}, cut to ${t.limit} ${t.unit} with "…"`;
}

/**
 * Parses `source` and renders it against every sample: syntax errors and render errors (unknown
 * variable or filter…) with file line and column; a warning per sample and field that would be cut.
 */
export function validateTemplate(channel: TemplateChannel, source: string, samples: readonly TemplateContext[]): TemplateValidation {
  checkChannel(channel);
  let parsed: ParsedTemplate;
  try {
    parsed = parseTemplate(channel, source);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return { errors: [{ line: error.line, column: error.column, message: error.detail }], warnings: [] };
    throw error;
  }
  const errors: TemplateProblem[] = [];
  const warnings: TemplateValidation['warnings'] = [];
  const seen = new Set<string>();
  for (const sample of samples) {
    try {
      const rendered = renderTemplate(channel, parsed, sample);
      const cut = new Set<string>();
      for (const t of rendered.truncations) {
        const key = `${t.field}:${t.unit}`;
        if (cut.has(key)) continue;
        cut.add(key);
        warnings.push({ sample: sampleName(sample), field: t.field, message: `${t.field} would be truncated: ${describeTruncation(t)}` });
      }
    } catch (error) {
      if (!(error instanceof TemplateRenderError)) throw error;
      const problem = { line: error.line ?? 1, column: error.column ?? 1, message: `${error.field}: ${error.detail}` };
      const key = `${problem.line}:${problem.column}:${problem.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        errors.push(problem);
      }
      // Over the time or memory limit once is enough: rendering every sample would only be slow.
      if (/limit exceeded/.test(error.detail)) break;
    }
  }
  return { errors, warnings };
}
