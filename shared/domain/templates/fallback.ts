/**
 * Send time: a template that fails to render never loses the notification. The built-in default
 * renders instead and one field carries a short "template error" note; the caller records `error`
 * (operation log, metric).
 */
import { CHANNEL_LIMITS, type FieldLimit, type TemplateChannel } from '../channel-limits';
import type { TemplateContext } from './context';
import { TemplateRenderError } from './errors';
import { fitField, renderTemplate, type ParsedTemplate, type RenderedTemplate } from './render';

/** The field that carries the note, per channel, and whether it goes first or last. */
const NOTE_FIELD: Record<TemplateChannel, { readonly field: string; readonly at: 'start' | 'end' }> = {
  'wecom.card': { field: 'quote', at: 'start' },
  'wecom.bot.markdown': { field: 'content', at: 'end' },
  'wecom.bot.text': { field: 'content', at: 'end' },
  'dingtalk.card': { field: 'description', at: 'start' },
  'dingtalk.robot.markdown': { field: 'text', at: 'end' },
};

export const TEMPLATE_ERROR_NOTE = { zh: '⚠ 模板错误，已使用默认模板', en: '⚠ Template error: default template used' } as const;

export interface RenderedWithFallback extends RenderedTemplate {
  /** Set when the custom template failed and the default rendered instead. */
  readonly error?: TemplateRenderError;
}

/** One row for the custom area, lines for multi-line fields: a rendered field split for a card builder. */
export function fieldRows(value: string): string[] {
  return value === '' ? [] : value.split('\n');
}

/**
 * Renders with `parsed`; on a TemplateRenderError renders the default and adds the note. The note's
 * field is cut again, so the result stays within every limit. Other errors (a bug) propagate.
 */
export function renderTemplateOrDefault(channel: TemplateChannel, parsed: ParsedTemplate | undefined, context: TemplateContext): RenderedWithFallback {
  try {
    return renderTemplate(channel, parsed, context);
  } catch (error) {
    if (!(error instanceof TemplateRenderError) || parsed === undefined) throw error;
    const rendered = renderTemplate(channel, undefined, context);
    const { field, at } = NOTE_FIELD[channel];
    const note = TEMPLATE_ERROR_NOTE[context.locale === 'zh' ? 'zh' : 'en'];
    const current = rendered.fields[field] ?? '';
    const joined = current === '' ? note : at === 'start' ? `${note}\n${current}` : `${current}\n\n${note}`;
    const limit = CHANNEL_LIMITS[channel][field] as FieldLimit;
    // When the body is full, the note replaces its end rather than being cut off.
    const truncations = [...rendered.truncations];
    let value = fitField(field, joined, limit, truncations);
    if (!value.includes(note)) value = at === 'start' ? fitField(field, `${note}\n${current}`, limit, []) : `${fitField(field, current, { ...limit, max: limit.max - sizeOfNote(note, limit) }, [])}\n\n${note}`;
    return { fields: { ...rendered.fields, [field]: value }, truncations, error };
  }
}

function sizeOfNote(note: string, limit: FieldLimit): number {
  const withGap = `\n\n${note}`;
  return limit.unit === 'bytes' ? Buffer.byteLength(withGap, 'utf8') : Array.from(withGap).length;
}
