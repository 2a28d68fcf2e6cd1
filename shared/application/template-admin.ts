/**
 * Managing an integration's notification templates (issue 13 items 3, 5, 6): `set` parses the
 * template, renders it against the integration's last 20 incidents (found through the operation
 * log, OPLOG#integration#…; the built-in Chinese and English samples when there are none) and
 * refuses it with every error's line and column, storing nothing; warnings (a sample whose render
 * would be cut, with the field) do not stop it. `preview` renders the stored template (or a file)
 * for one incident or a sample and draws the card. list / show / history / rollback / remove.
 */
import type { Incident } from '../domain/incident';
import { BadRequestError, NotFoundError } from '../domain/errors';
import { isTemplateChannel, templateChannels, type TemplateChannel } from '../domain/channel-limits';
import { cardButtonLabels, templatePicture } from '../domain/template-picture';
import {
  defaultTemplateSource,
  parseTemplate,
  renderTemplate,
  templateContextFor,
  templateSampleIncidents,
  TemplateRenderError,
  TemplateSyntaxError,
  validateTemplate,
  type ParsedTemplate,
  type TemplateContext,
  type Truncation,
} from '../domain/templates';
import type { IncidentRepository, IntegrationRepository, OperationLog } from './ports';
import type { StoredTemplate, TemplateStore } from './template-ports';

/** How many of the integration's recent incidents a template is checked against. */
export const VALIDATION_INCIDENTS = 20;
/** Operation-log records read to find them (an incident has a few records per recipient). */
const OPLOG_RECORDS_SCANNED = 2000;
/** Largest template file (characters): far below DynamoDB's 400 KB item, above any sane template. */
export const TEMPLATE_SOURCE_MAX_CHARS = 60_000;

export interface TemplateProblemAt {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface TemplateWarning {
  /** Which incident (or sample) and locale rendered too long. */
  readonly sample: string;
  readonly field: string;
  readonly message: string;
}

/** The template was refused: syntax errors or unknown variables, each with its line and column. Nothing was stored. */
export class TemplateRejectedError extends BadRequestError {
  constructor(readonly problems: readonly TemplateProblemAt[]) {
    super('template_rejected', `the template has ${problems.length} error${problems.length === 1 ? '' : 's'}: ${problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message}`).join('; ')}`);
    this.name = 'TemplateRejectedError';
  }
}

/** A channel kind that does not exist or is not the integration's platform. */
export class TemplateChannelMismatchError extends BadRequestError {
  constructor(message: string) {
    super('template_channel', message);
    this.name = 'TemplateChannelMismatchError';
  }
}

export interface TemplateAdminDeps {
  readonly templates: TemplateStore;
  readonly integrations: Pick<IntegrationRepository, 'get'>;
  readonly incidents: Pick<IncidentRepository, 'get'>;
  readonly operationLog: Pick<OperationLog, 'query'>;
}

export interface SetResult {
  readonly stored: StoredTemplate;
  readonly warnings: readonly TemplateWarning[];
  /** What the template was rendered against: the integration's incidents, or the built-in samples. */
  readonly checkedAgainst: { readonly kind: 'incidents' | 'samples'; readonly count: number };
}

export interface PreviewResult {
  readonly channel: TemplateChannel;
  /** `stored v3`, `default` or `file`. */
  readonly template: string;
  /** The incident id (or sample id) rendered, and the locale. */
  readonly incident: string;
  readonly locale: 'zh' | 'en';
  readonly fields: Readonly<Record<string, string>>;
  readonly truncations: readonly Truncation[];
  /** The text picture of the card (or message). */
  readonly picture: string;
}

export class TemplateAdmin {
  constructor(private readonly deps: TemplateAdminDeps) {}

  async set(input: { integrationId: string; channel: string; source: string; updatedBy: string; nowMs: number }): Promise<SetResult> {
    const channel = await this.channelOf(input.integrationId, input.channel);
    if (input.source.length > TEMPLATE_SOURCE_MAX_CHARS) {
      throw new TemplateRejectedError([{ line: 1, column: 1, message: `the template is ${input.source.length} characters; at most ${TEMPLATE_SOURCE_MAX_CHARS}` }]);
    }
    parsedOrRejected(channel, input.source);
    const { contexts, kind, count } = await this.validationContexts(input.integrationId, input.nowMs);
    const report = validateTemplate(channel, input.source, contexts);
    if (report.errors.length > 0) throw new TemplateRejectedError(report.errors);
    const current = await this.deps.templates.get(input.integrationId, channel);
    const stored = await this.deps.templates.put(input.integrationId, channel, input.source, input.updatedBy, input.nowMs, current?.version ?? 0);
    return { stored, warnings: report.warnings, checkedAgainst: { kind, count } };
  }

  /**
   * Renders the template in use (or `source`, a file not stored) for `incidentId`, else the
   * integration's latest incident, else a built-in sample; nothing is sent or stored.
   */
  async preview(input: { integrationId: string; channel: string; incidentId?: string; source?: string; locale?: 'zh' | 'en'; nowMs: number }): Promise<PreviewResult> {
    const channel = await this.channelOf(input.integrationId, input.channel);
    const stored = input.source === undefined ? await this.deps.templates.get(input.integrationId, channel) : undefined;
    const source = input.source ?? stored?.source;
    const parsed = source === undefined ? undefined : parsedOrRejected(channel, source);
    let incident: Incident | undefined;
    if (input.incidentId !== undefined) {
      incident = await this.deps.incidents.get(input.incidentId);
      if (!incident) throw new NotFoundError('incident_not_found', `no incident ${input.incidentId}`);
    } else {
      incident = (await this.recentIncidents(input.integrationId, 1))[0] ?? templateSampleIncidents()[0];
    }
    const locale = input.locale ?? 'en';
    const integration = await this.deps.integrations.get(input.integrationId);
    const context = templateContextFor(incident, { nowMs: input.nowMs, locale, integration: { id: input.integrationId, name: integration?.name } });
    const rendered = renderedOrRejected(channel, parsed, context);
    const fields = rendered.fields;
    return {
      channel,
      template: input.source !== undefined ? 'file' : stored ? `stored v${stored.version}` : 'default',
      incident: incident.incidentId,
      locale,
      fields,
      truncations: rendered.truncations,
      picture: templatePicture(channel, fields, cardButtonLabels(channel, context.incident.status)),
    };
  }

  async list(integrationId: string): Promise<StoredTemplate[]> {
    await this.integration(integrationId);
    return this.deps.templates.list(integrationId);
  }

  /** The template in use: the stored one (or version `version` of it), else the built-in default. */
  async show(integrationId: string, channel: string, version?: number): Promise<{ stored?: StoredTemplate; source: string; isDefault: boolean }> {
    const kind = await this.channelOf(integrationId, channel);
    if (version !== undefined) {
      const found = (await this.deps.templates.history(integrationId, kind)).find((v) => v.version === version);
      if (!found) throw new NotFoundError('template_version_not_found', `no version ${version} of the ${kind} template of ${integrationId} (templates history lists them)`);
      return { stored: found, source: found.source, isDefault: false };
    }
    const stored = await this.deps.templates.get(integrationId, kind);
    return stored ? { stored, source: stored.source, isDefault: false } : { source: defaultTemplateSource(kind), isDefault: true };
  }

  async history(integrationId: string, channel: string): Promise<StoredTemplate[]> {
    return this.deps.templates.history(integrationId, await this.channelOf(integrationId, channel));
  }

  /** A new version with version `toVersion`'s source (checked to still parse: the engine may have changed since). */
  async rollback(input: { integrationId: string; channel: string; toVersion: number; updatedBy: string; nowMs: number }): Promise<StoredTemplate> {
    const channel = await this.channelOf(input.integrationId, input.channel);
    const old = (await this.deps.templates.history(input.integrationId, channel)).find((v) => v.version === input.toVersion);
    if (!old) throw new NotFoundError('template_version_not_found', `no version ${input.toVersion} of the ${channel} template of ${input.integrationId} (templates history lists them)`);
    parsedOrRejected(channel, old.source);
    const made = await this.deps.templates.rollback(input.integrationId, channel, input.toVersion, input.updatedBy, input.nowMs);
    if (!made) throw new NotFoundError('template_version_not_found', `no version ${input.toVersion} of the ${channel} template of ${input.integrationId}`);
    return made;
  }

  async remove(integrationId: string, channel: string): Promise<boolean> {
    return this.deps.templates.remove(integrationId, await this.channelOf(integrationId, channel));
  }

  private async integration(integrationId: string) {
    const integration = await this.deps.integrations.get(integrationId);
    if (!integration) throw new NotFoundError('integration_not_found', `no integration ${integrationId}`);
    return integration;
  }

  private async channelOf(integrationId: string, channel: string): Promise<TemplateChannel> {
    if (!isTemplateChannel(channel)) throw new TemplateChannelMismatchError(`--channel: "${channel}" is not a template channel; one of ${templateChannels.join(', ')}`);
    const integration = await this.integration(integrationId);
    if (!channel.startsWith(`${integration.platform}.`)) {
      const fitting = templateChannels.filter((c) => c.startsWith(`${integration.platform}.`));
      throw new TemplateChannelMismatchError(`${integrationId} is a ${integration.platform} integration: its channels are ${fitting.join(', ')}`);
    }
    return channel;
  }

  /** The integration's newest incidents, newest first, from its operation log (no incident listing exists). */
  private async recentIncidents(integrationId: string, max: number): Promise<Incident[]> {
    const records = await this.deps.operationLog.query({ integrationId, limit: OPLOG_RECORDS_SCANNED });
    const ids: string[] = [];
    for (const r of records) {
      if (r.incidentId && !ids.includes(r.incidentId)) ids.push(r.incidentId);
      if (ids.length >= max) break;
    }
    const found = await Promise.all(ids.map((id) => this.deps.incidents.get(id)));
    return found.filter((i): i is Incident => i !== undefined);
  }

  private async validationContexts(integrationId: string, nowMs: number): Promise<{ contexts: TemplateContext[]; kind: 'incidents' | 'samples'; count: number }> {
    const integration = await this.integration(integrationId);
    const recent = await this.recentIncidents(integrationId, VALIDATION_INCIDENTS);
    const incidents = recent.length > 0 ? recent : templateSampleIncidents();
    // Both locales: a template may say `{% if locale == "zh" %}`.
    const contexts = incidents.flatMap((incident) =>
      (['zh', 'en'] as const).map((locale) => templateContextFor(incident, { nowMs, locale, integration: { id: integrationId, name: integration.name } })),
    );
    return { contexts, kind: recent.length > 0 ? 'incidents' : 'samples', count: incidents.length };
  }
}

function parsedOrRejected(channel: TemplateChannel, source: string) {
  try {
    return parseTemplate(channel, source);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) throw new TemplateRejectedError([{ line: error.line, column: error.column, message: error.detail }]);
    throw error;
  }
}

function renderedOrRejected(channel: TemplateChannel, parsed: ParsedTemplate | undefined, context: TemplateContext) {
  try {
    return renderTemplate(channel, parsed, context);
  } catch (error) {
    if (error instanceof TemplateRenderError) throw new TemplateRejectedError([{ line: error.line ?? 1, column: error.column ?? 1, message: `${error.field}: ${error.detail}` }]);
    throw error;
  }
}
