/** Notification templates (issue 13): sandboxed Liquid per channel, cut to platform limits. */
export { templateChannels, isTemplateChannel, channelFields, CHANNEL_LIMITS, type TemplateChannel, type FieldLimit } from '../channel-limits';
export { TemplateSyntaxError, TemplateRenderError, TemplateChannelError, type TemplateProblem } from './errors';
export { splitTemplateSections, type TemplateSection } from './format';
export { formatTime, formatDuration, DEFAULT_TIME_ZONE, TEMPLATE_RENDER_LIMIT_MS, TEMPLATE_MEMORY_LIMIT, TEMPLATE_PARSE_LIMIT, type TemplateLocale } from './engine';
export { templateContextFor, type TemplateContext, type TemplateContextOptions, type TemplateActor } from './context';
export { templateSampleIncidents, templateSampleContexts } from './samples';
export { defaultTemplateSource } from './defaults';
export { parseTemplate, renderTemplate, validateTemplate, fitField, type ParsedTemplate, type RenderedTemplate, type Truncation, type TemplateValidation } from './render';
export { renderTemplateOrDefault, fieldRows, TEMPLATE_ERROR_NOTE, type RenderedWithFallback } from './fallback';
