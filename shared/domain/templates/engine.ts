/**
 * The sandboxed Liquid engine templates run in (liquidjs: no code execution by design). Settings:
 * - strictVariables / strictFilters: an unknown variable or filter is an error, not an empty string;
 * - ownPropertyOnly: no reaching into prototypes (`incident.constructor`…);
 * - `templates: {}` (an empty in-memory file system) and `include` / `render` / `layout` replaced by
 *   tags that refuse at parse time: a template can read no file;
 * - parseLimit / renderLimit / memoryLimit: a runaway loop or a huge range stops with an error.
 * Filters: time, duration, severity (+ severity_zh, severity_icon), status.
 */
import { Liquid, type TagToken, type Template } from 'liquidjs';
import type { Severity, IncidentStatus } from '../incident';

/** Longest Liquid source of one section (characters). */
export const TEMPLATE_PARSE_LIMIT = 20_000;
/** Longest render of one field (ms). */
export const TEMPLATE_RENDER_LIMIT_MS = 200;
/** Largest allocation a render may make (liquidjs counts string and array lengths). */
export const TEMPLATE_MEMORY_LIMIT = 1_000_000;

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export type TemplateLocale = 'zh' | 'en';

const SEVERITY_TEXT: Record<'zh' | 'en' | 'icon', Record<Severity, string>> = {
  zh: { Critical: '严重', Warning: '警告', Info: '提示' },
  en: { Critical: 'Critical', Warning: 'Warning', Info: 'Info' },
  icon: { Critical: '🔴', Warning: '🟠', Info: '🔵' },
};

const STATUS_TEXT: Record<TemplateLocale, Record<IncidentStatus, string>> = {
  zh: { Triggered: '待处理', Processing: '处理中', Snoozed: '已暂缓', Closed: '已关闭' },
  en: { Triggered: 'Triggered', Processing: 'Processing', Snoozed: 'Snoozed', Closed: 'Closed' },
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    } catch {
      throw new Error(`time: unknown time zone "${zone}" (use an IANA name such as Asia/Shanghai)`);
    }
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Epoch ms → "YYYY-MM-DD HH:mm" in `zone` (IANA), default Asia/Shanghai. Empty for no time. */
export function formatTime(epochMs: unknown, zone: string = DEFAULT_TIME_ZONE): string {
  if (epochMs === null || epochMs === undefined || epochMs === '') return '';
  const ms = Number(epochMs);
  if (!Number.isFinite(ms)) throw new Error(`time: not a time in epoch milliseconds: ${String(epochMs)}`);
  const parts = Object.fromEntries(formatterFor(String(zone)).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** Milliseconds → "1h 5m" / "1小时5分" (days when ≥ 24 h; "0m" / "0分" under a minute). */
export function formatDuration(ms: unknown, locale: TemplateLocale = 'en'): string {
  if (ms === null || ms === undefined || ms === '') return '';
  const value = Number(ms);
  if (!Number.isFinite(value)) throw new Error(`duration: not a number of milliseconds: ${String(ms)}`);
  const totalMinutes = Math.floor(Math.abs(value) / 60_000);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const units = locale === 'zh' ? ['天', '小时', '分'] : ['d', 'h', 'm'];
  const parts: string[] = [];
  if (days) parts.push(`${days}${units[0]}`);
  if (hours) parts.push(`${hours}${units[1]}`);
  if (minutes || parts.length === 0) parts.push(`${minutes}${units[2]}`);
  return parts.join(locale === 'zh' ? '' : ' ');
}

function localeOf(value: unknown): TemplateLocale {
  return value === 'zh' ? 'zh' : 'en';
}

export function severityText(severity: unknown, style: string): string {
  const table = SEVERITY_TEXT[style as 'zh' | 'en' | 'icon'];
  if (!table) throw new Error(`severity: style must be zh, en or icon, got "${style}"`);
  return table[severity as Severity] ?? String(severity ?? '');
}

export function statusText(status: unknown, locale: TemplateLocale): string {
  return STATUS_TEXT[locale][status as IncidentStatus] ?? String(status ?? '');
}

function refusedTag(name: string) {
  return {
    parse(token: TagToken) {
      throw new Error(`{% ${name} %} is not available in notification templates (no files): ${token.name}`);
    },
    render() {
      return '';
    },
  };
}

function createEngine(): Liquid {
  const engine = new Liquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    templates: {},
    parseLimit: TEMPLATE_PARSE_LIMIT,
    renderLimit: TEMPLATE_RENDER_LIMIT_MS,
    memoryLimit: TEMPLATE_MEMORY_LIMIT,
    jsTruthy: false,
    // `{% if incident.labelMap.service %}` guards a label an incident may lack (strictVariables would
    // refuse the test itself); names unknown to the context are still refused at parse (variables.ts).
    lenientIf: true,
    cache: false,
  });
  for (const tag of ['include', 'render', 'layout', 'block']) engine.registerTag(tag, refusedTag(tag));
  // `this.context` is the render's context: the locale is the template context's `locale`.
  const contextLocale = (self: unknown): TemplateLocale => {
    const ctx = (self as { context?: { environments?: Record<string, unknown> } }).context;
    return localeOf(ctx?.environments?.locale);
  };
  engine.registerFilter('time', (value: unknown, zone?: string) => formatTime(value, zone ?? DEFAULT_TIME_ZONE));
  engine.registerFilter('duration', function (this: unknown, value: unknown, locale?: string) {
    return formatDuration(value, locale ? localeOf(locale) : contextLocale(this));
  });
  engine.registerFilter('severity', function (this: unknown, value: unknown, style?: string) {
    return severityText(value, style ?? contextLocale(this));
  });
  engine.registerFilter('severity_zh', (value: unknown) => severityText(value, 'zh'));
  engine.registerFilter('severity_icon', (value: unknown) => severityText(value, 'icon'));
  engine.registerFilter('status', function (this: unknown, value: unknown, locale?: string) {
    return statusText(value, locale ? localeOf(locale) : contextLocale(this));
  });
  return engine;
}

export const templateEngine: Liquid = createEngine();

export type LiquidTemplate = Template[];
