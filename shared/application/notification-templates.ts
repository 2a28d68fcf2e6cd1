/**
 * Send time (issue 13): the text of a card or bot message from the integration's template for the
 * channel. Without a stored template the caller keeps its fixed rendering (undefined here). A
 * template that fails (a variable only reached in a rare branch, a filter error, a stored file that
 * no longer parses) never loses the notification: the built-in default renders with a short
 * "template error" note, the operation log gets `template_error` (line, column, message; never
 * the template) and `TemplateRenderErrors` is counted. Cut fields are logged as `template_truncated`
 * (a card refresh that renders the same text as before does not log them again).
 */
import type { Incident } from '../domain/incident';
import type { OperationRecord } from '../domain/operation-log';
import {
  parseTemplate,
  renderTemplateOrDefault,
  templateContextFor,
  TemplateSyntaxError,
  type ParsedTemplate,
  type TemplateChannel,
  type TemplateLocale,
} from '../domain/templates';
import type { Clock, OperationLog } from './ports';
import type { TemplateStore } from './template-ports';

export const TEMPLATE_RENDER_ERRORS_METRIC = 'TemplateRenderErrors';
/** How long one instance keeps a template it read (a saved template applies within this). */
export const TEMPLATE_CACHE_MS = 30_000;

export interface NotificationTemplatesDeps {
  readonly store: Pick<TemplateStore, 'get'>;
  readonly clock: Clock;
  readonly operationLog?: Pick<OperationLog, 'append'>;
  /** Counts TemplateRenderErrors (Powertools metrics in the functions). */
  readonly countError?: () => void;
  readonly cacheMs?: number;
}

export interface TemplateRenderTarget {
  readonly platform: 'wecom' | 'dingtalk';
  /** Operation-log channel: 'card', 'group_card', 'message'. */
  readonly logChannel: string;
  readonly locale?: TemplateLocale;
  readonly fallbackUrl?: string;
  /**
   * fieldsDigest() of the text the recipients already have (a card refresh): when the render gives
   * the same text, its cuts were logged when it was first sent and are not logged again.
   */
  readonly sameTextAs?: string;
}

/** A short digest of rendered fields (FNV-1a 32-bit over their JSON): equal text, equal digest. */
export function fieldsDigest(fields: Readonly<Record<string, string>>): string {
  const json = JSON.stringify(Object.keys(fields).sort().map((k) => [k, fields[k]]));
  let hash = 0x811c9dc5;
  for (let i = 0; i < json.length; i++) hash = Math.imul(hash ^ json.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

type Cached = { readonly atMs: number; readonly template: { readonly version: number; readonly parsed: ParsedTemplate | TemplateSyntaxError } | undefined };

export class NotificationTemplates {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly deps: NotificationTemplatesDeps) {}

  /** The rendered fields, or undefined when the integration has no template for the channel. */
  async fields(channel: TemplateChannel, integrationId: string, incident: Incident, target: TemplateRenderTarget): Promise<Record<string, string> | undefined> {
    const template = await this.current(integrationId, channel);
    if (!template) return undefined;
    const nowMs = this.deps.clock.nowMs();
    const context = templateContextFor(incident, { nowMs, locale: target.locale, integration: { id: integrationId }, fallbackUrl: target.fallbackUrl });
    const base = { atMs: nowMs, incidentId: incident.incidentId, integrationId, platform: target.platform, channel: target.logChannel };
    const records: OperationRecord[] = [];
    let rendered;
    if (template.parsed instanceof TemplateSyntaxError) {
      rendered = renderTemplateOrDefault(channel, brokenMarker(channel), context);
      records.push(errorRecord(base, channel, template.version, template.parsed.line, template.parsed.column, template.parsed.detail));
    } else {
      rendered = renderTemplateOrDefault(channel, template.parsed, context);
      if (rendered.error) records.push(errorRecord(base, channel, template.version, rendered.error.line, rendered.error.column, rendered.error.detail, rendered.error.field));
    }
    if (records.length > 0) this.deps.countError?.();
    const alreadyLogged = target.sameTextAs !== undefined && fieldsDigest(rendered.fields) === target.sameTextAs;
    for (const cut of alreadyLogged ? [] : rendered.truncations) {
      records.push({
        ...base,
        result: 'sent',
        reasonCode: 'template_truncated',
        reason: `${channel} template v${template.version}: field ${cut.field} cut to ${cut.limit} ${cut.unit} (was ${cut.originalLength})`,
      });
    }
    if (records.length > 0) await this.deps.operationLog?.append(records);
    return rendered.fields;
  }

  private async current(integrationId: string, channel: TemplateChannel): Promise<Cached['template']> {
    const key = `${integrationId}\u0000${channel}`;
    const nowMs = this.deps.clock.nowMs();
    const hit = this.cache.get(key);
    if (hit && nowMs - hit.atMs < (this.deps.cacheMs ?? TEMPLATE_CACHE_MS)) return hit.template;
    const stored = await this.deps.store.get(integrationId, channel);
    let template: Cached['template'];
    if (stored) {
      let parsed: ParsedTemplate | TemplateSyntaxError;
      try {
        parsed = parseTemplate(channel, stored.source);
      } catch (error) {
        if (!(error instanceof TemplateSyntaxError)) throw error;
        parsed = error;
      }
      template = { version: stored.version, parsed };
    }
    this.cache.set(key, { atMs: nowMs, template });
    return template;
  }
}

/**
 * A template that parses but always fails to render (a label key no incident has: labelMap keys are
 * only checked at render), so a stored file that no longer parses gets the default with the note.
 */
function brokenMarker(channel: TemplateChannel): ParsedTemplate {
  return parseTemplate(channel, `--- ${channelFirstField(channel)} ---\n{{ incident.labelMap["\u0000stored template no longer parses"] }}\n`);
}

function channelFirstField(channel: TemplateChannel): string {
  return channel === 'wecom.card' || channel === 'dingtalk.card' || channel === 'dingtalk.robot.markdown' ? 'title' : 'content';
}

function errorRecord(
  base: Pick<OperationRecord, 'atMs' | 'incidentId' | 'integrationId' | 'platform' | 'channel'>,
  channel: string,
  version: number,
  line: number | undefined,
  column: number | undefined,
  detail: string,
  field?: string,
): OperationRecord {
  const where = line !== undefined ? `line ${line}, column ${column ?? 1}` : 'unknown position';
  const message = detail.length > 300 ? `${detail.slice(0, 300)}…` : detail;
  return {
    ...base,
    result: 'sent',
    reasonCode: 'template_error',
    reason: `${channel} template v${version} failed at ${where}${field ? ` (${field})` : ''}: ${message}; sent with the default template and a "template error" note. Fix it with templates set.`,
  };
}
