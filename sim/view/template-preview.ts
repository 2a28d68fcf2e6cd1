/**
 * Template preview in the simulator view (issue 13): `POST /_sim/preview {channel, source, incident?}`
 * renders a template file with the same engine and card builder dutybridge sends with, then shows
 * it with the view's card renderer. Nothing is sent or stored. A WeCom card goes through the
 * simulator's own template_card validation (the limits WeCom enforces), so the picture is what a
 * person would see; other channels show their rendered fields.
 */
import type { Incident } from '../../shared/domain/incident';
import {
  isTemplateChannel,
  parseTemplate,
  renderTemplateOrDefault,
  templateContextFor,
  templateSampleIncidents,
  TemplateSyntaxError,
  type TemplateLocale,
} from '../../shared/domain/templates';
import { renderWeComIncidentCard } from '../../shared/domain/wecom-card';
import type { RenderedCard } from '../core/contract';
import { validateTemplateCard } from '../wecom/template-card';
import { renderPreviewCard } from './render';

export interface PreviewResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const MAX_SOURCE_CHARS = 64 * 1024;

/** Renders a preview; a bad request is a 400 naming what is wrong (a template error with line and column). */
export function previewTemplate(input: unknown): PreviewResponse {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return bad('body must be a JSON object {channel, source, incident?, locale?}');
  const { channel, source, incident, locale } = input as Record<string, unknown>;
  if (typeof channel !== 'string' || !isTemplateChannel(channel)) return bad('channel must be one of wecom.card, wecom.bot.markdown, wecom.bot.text, dingtalk.card, dingtalk.robot.markdown');
  if (typeof source !== 'string' || source.length > MAX_SOURCE_CHARS) return bad(`source must be a template file of at most ${MAX_SOURCE_CHARS} characters`);
  if (incident !== undefined && (typeof incident !== 'object' || incident === null || Array.isArray(incident))) return bad('incident must be an object of incident fields');
  if (locale !== undefined && locale !== 'zh' && locale !== 'en') return bad('locale must be zh or en');
  const sample = templateSampleIncidents()[0]!;
  const subject = { ...sample, ...(incident as Partial<Incident> | undefined) } as Incident;
  let parsed;
  try {
    parsed = parseTemplate(channel, source);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return { status: 400, body: { error: error.message, line: error.line, column: error.column } };
    throw error;
  }
  const nowMs = Date.now();
  let rendered;
  try {
    rendered = renderTemplateOrDefault(channel, parsed, templateContextFor(subject, { nowMs, integration: { id: 'preview' }, ...(locale ? { locale: locale as TemplateLocale } : {}) }));
  } catch (error) {
    return bad(error instanceof Error ? error.message : String(error));
  }
  const warnings = rendered.truncations.map((t) => `${t.field} cut to ${t.limit} ${t.unit} (was ${t.originalLength})`);
  const templateError = rendered.error ? { message: rendered.error.message, line: rendered.error.line, column: rendered.error.column } : undefined;
  let card: RenderedCard;
  if (channel === 'wecom.card') {
    const f = rendered.fields;
    const payload = renderWeComIncidentCard(subject, {
      taskId: 'preview',
      nowMs,
      text: { title: f.title ?? '', description: f.description ?? '', customArea: f.customArea ?? '', quote: f.quote ?? '' },
    });
    card = { cardId: 'preview', ...validateTemplateCard(payload, 'app').rendered };
  } else {
    const f = rendered.fields;
    card = { cardId: 'preview', title: f.title ?? channel, body: f.content ?? f.text ?? [f.status, f.description].filter(Boolean).join('\n'), fields: [], buttons: [] };
  }
  return { status: 200, body: { channel, fields: rendered.fields, warnings, templateError, card, html: renderPreviewCard(card, channel.startsWith('dingtalk') ? 'dingtalk' : 'wecom') } };
}

function bad(message: string): PreviewResponse {
  return { status: 400, body: { error: message } };
}
