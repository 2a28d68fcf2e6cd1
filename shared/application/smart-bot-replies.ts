/**
 * The smart bot's reply worker (issue 15): answers one message whose stream the callback opened.
 *
 * Deterministic commands always win: status, ack, close, snooze, who, timeline, post-mortem, help,
 * in Chinese and English. Actions go through IncidentClicks like card clicks (compare-and-swap, one
 * incident.action per transition, the msgid as click key so a redelivered job changes nothing) and
 * need a linked person; an unlinked one gets the link prompt (the action is applied once linked).
 * Anything else is a question for the integration's model, when one is set, streamed into the
 * WeCom stream; the model only writes words and never triggers an action. A model that fails or is
 * too slow is replaced by the deterministic status with a note.
 */
import { actionResultText, helpText, mediaReceivedText, mediaRefusedText, modelFallbackNote, notVisibleText, statusText, timelineText, unknownIncidentText, whichIncidentText, whoText } from '../domain/bot-replies';
import { incidentIdCandidates, parseBotCommand, type BotCommand, type BotLocale } from '../domain/bot-commands';
import { incidentPrompt } from '../domain/incident-prompt';
import type { Incident, IncidentAction } from '../domain/incident';
import { callbackPaths, type WeComIntegration } from '../domain/integration';
import type { OperationReasonCode, OperationResult } from '../domain/operation-log';
import { renderPostmortem } from '../domain/postmortem';
import { DEFAULT_MEDIA_MAX_BYTES, STREAM_TIMEOUT_NOTE, STREAM_WINDOW_MS, fitStreamContent } from '../domain/smart-bot';
import { enabledAi, enabledSmartBot } from '../domain/smart-bot-settings';
import { createHash } from 'node:crypto';
import type { IncidentClicks } from './incident-clicks';
import type { LinkPrompts } from './link-prompt';
import type { Clock, IncidentRepository, IntegrationRepository, IntegrationSecretsReader, Link, LinkStore, MemberDirectory, OperationLog } from './ports';
import { BotMediaError, ModelCallError, type BotMediaFetcher, type BotReplyJob, type BotStreamStore, type ChatModels, type WarRoomChatIndex } from './smart-bot-ports';
import type { WarRoomStore } from './war-room-ports';

export interface SmartBotRepliesDeps {
  readonly integrations: IntegrationRepository;
  readonly secrets: IntegrationSecretsReader;
  readonly streams: BotStreamStore;
  readonly links: LinkStore;
  readonly members: MemberDirectory;
  readonly warRoomChats: WarRoomChatIndex;
  readonly rooms: Pick<WarRoomStore, 'listForIncident'>;
  readonly incidents: IncidentRepository;
  readonly clicks: IncidentClicks;
  /** Signs the pending action of an unlinked person's command; absent without PUBLIC_API_URL. */
  readonly linkPrompts?: LinkPrompts;
  /** The public API base URL, for the linking page of read-only commands. */
  readonly publicApiUrl?: string;
  readonly models: ChatModels;
  readonly media: BotMediaFetcher;
  readonly operationLog: OperationLog;
  readonly clock: Clock;
  /** Identifies this worker in the stream's lease. */
  readonly holder: string;
  /** Longest the model may take, whatever the integration says: the worker's own timeout bounds it. */
  readonly maxModelMs?: number;
  /** Least time between two writes of a growing model answer (DynamoDB writes, WeCom polls about once a second). */
  readonly writeEveryMs?: number;
}

export type SmartBotReplyOutcome =
  | { readonly kind: 'answered'; readonly command: BotCommand['kind']; readonly model?: 'streamed' | 'fallback' }
  | { readonly kind: 'skipped'; readonly reason: 'integration_gone' | 'claimed_elsewhere' | 'window_over' };

const DEFAULT_MAX_MODEL_MS = 80_000;
const DEFAULT_WRITE_EVERY_MS = 400;

export class SmartBotReplies {
  constructor(private readonly deps: SmartBotRepliesDeps) {}

  async answer(job: BotReplyJob): Promise<SmartBotReplyOutcome> {
    const integration = await this.deps.integrations.get(job.integrationId);
    if (!integration || integration.platform !== 'wecom' || !enabledSmartBot(integration)) {
      await this.deps.streams.write(job.integrationId, job.streamId, '', true);
      return { kind: 'skipped', reason: 'integration_gone' };
    }
    const startedAt = this.deps.clock.nowMs();
    const windowLeftMs = job.receivedAt + STREAM_WINDOW_MS - startedAt;
    if (windowLeftMs <= 1_000) {
      // WeCom stopped polling: nobody would see the answer, and an action nobody sees confirmed is worse than none.
      await this.deps.streams.write(job.integrationId, job.streamId, STREAM_TIMEOUT_NOTE.trim(), true);
      return { kind: 'skipped', reason: 'window_over' };
    }
    const leaseMs = Math.min(windowLeftMs, (this.deps.maxModelMs ?? DEFAULT_MAX_MODEL_MS) + 15_000);
    if (!(await this.deps.streams.claim(job.integrationId, job.streamId, this.deps.holder, startedAt + leaseMs))) {
      return { kind: 'skipped', reason: 'claimed_elsewhere' };
    }
    const { command, locale } = parseBotCommand(job.text);
    const parts: string[] = [];
    if (job.media.length > 0) parts.push(await this.describeMedia(integration, job, locale));
    if (job.text.trim() === '' && parts.length > 0) {
      await this.finish(job, parts.join('\n\n'));
      return { kind: 'answered', command: 'help' };
    }
    const reply = await this.run(integration, job, command, locale, windowLeftMs, parts);
    await this.finish(job, [...parts, reply.text].join('\n\n'));
    this.log(integration, job, 'done', reply.model === 'fallback' ? 'bot_model_fallback' : 'bot_answered', reply.logLine, reply.incidentId);
    return { kind: 'answered', command: command.kind, ...(reply.model ? { model: reply.model } : {}) };
  }

  private async run(
    integration: WeComIntegration,
    job: BotReplyJob,
    command: BotCommand,
    locale: BotLocale,
    windowLeftMs: number,
    before: readonly string[],
  ): Promise<{ text: string; logLine: string; incidentId?: string; model?: 'streamed' | 'fallback' }> {
    if (command.kind === 'help') return { text: helpText(locale, { inWarRoom: await this.inWarRoom(job) }), logLine: 'help' };
    const model = command.kind === 'text' ? await this.deps.models.forIntegration(integration) : undefined;
    if (command.kind === 'text' && !model) {
      // Not a command and no model: what the bot can do ("Unknown commands get help").
      return { text: helpText(locale, { inWarRoom: await this.inWarRoom(job) }), logLine: 'unknown command: help' };
    }
    const link = await this.deps.links.byUserId(integration.id, job.userId);
    const action = actionOf(command);
    if (!link) return { text: await this.linkPrompt(integration, job, action, 'incidentId' in command ? command.incidentId : undefined, locale), logLine: `${command.kind}: not linked, link prompt` };

    const incidentId =
      ('incidentId' in command ? command.incidentId : undefined) ??
      (job.chatId ? await this.deps.warRoomChats.incidentFor(integration.id, job.chatId) : undefined) ??
      (command.kind === 'text' ? await this.mentionedIncident(command.text) : undefined);
    if (!incidentId) return { text: whichIncidentText(locale), logLine: `${command.kind}: no incident named` };
    const incident = await this.deps.incidents.get(incidentId);
    if (!incident) return { text: unknownIncidentText(incidentId, locale), logLine: `${command.kind}: unknown incident`, incidentId };
    if (!(await this.mayView(integration, incident, job))) return { text: notVisibleText(locale), logLine: `${command.kind}: incident not shown on this integration`, incidentId };

    const nowMs = this.deps.clock.nowMs();
    switch (command.kind) {
      case 'status':
        return { text: statusText(incident, nowMs, locale), logLine: 'status', incidentId };
      case 'timeline':
        return { text: timelineText(incident, locale), logLine: 'timeline', incidentId };
      case 'who':
        return { text: await this.who(integration, incident, locale), logLine: 'who', incidentId };
      case 'postmortem': {
        const [rooms, records] = await Promise.all([this.deps.rooms.listForIncident(incidentId), this.deps.operationLog.query({ incidentId, limit: 500 })]);
        return { text: renderPostmortem({ incident, rooms, records, nowMs, locale }), logLine: 'postmortem draft', incidentId };
      }
      case 'snooze_invalid':
        return { text: actionResultText('no_change', { kind: 'snooze', minutes: 0 }, incident, `snooze length "${command.requested}" is not offered`, locale), logLine: 'snooze: invalid length', incidentId };
      case 'ack':
      case 'close':
      case 'snooze': {
        const outcome = await this.deps.clicks.apply(incidentId, action!, { email: link.email, platform: 'wecom', userId: job.userId }, `bot:${integration.id}:${job.msgid}`);
        const after = outcome.kind === 'unknown_incident' ? undefined : outcome.incident;
        return { text: actionResultText(outcome.kind, action!, after, outcome.kind === 'no_change' ? outcome.reason : undefined, locale), logLine: `${command.kind}: ${outcome.kind}`, incidentId };
      }
      case 'text':
        return this.askModel(integration, job, incident, command.text, locale, model!, windowLeftMs, before);
    }
  }

  /** Streams the model's answer into the stream; a failure or timeout gives the deterministic status with a note. */
  private async askModel(
    integration: WeComIntegration,
    job: BotReplyJob,
    incident: Incident,
    question: string,
    locale: BotLocale,
    model: NonNullable<Awaited<ReturnType<ChatModels['forIntegration']>>>,
    windowLeftMs: number,
    before: readonly string[],
  ): Promise<{ text: string; logLine: string; incidentId: string; model: 'streamed' | 'fallback' }> {
    const configuredMs = (enabledAi(integration)?.timeoutSeconds ?? 30) * 1000;
    // Bounded by the integration's setting, the worker's own timeout, and what is left of WeCom's window.
    const budgetMs = Math.max(1_000, Math.min(configuredMs, this.deps.maxModelMs ?? DEFAULT_MAX_MODEL_MS, windowLeftMs - 5_000));
    const writeEvery = this.deps.writeEveryMs ?? DEFAULT_WRITE_EVERY_MS;
    let lastWrite = 0;
    let writing: Promise<void> = Promise.resolve();
    const prefix = before.length ? `${before.join('\n\n')}\n\n` : '';
    try {
      const text = await model.complete({
        messages: incidentPrompt(incident, question, locale, this.deps.clock.nowMs()),
        signal: AbortSignal.timeout(budgetMs),
        onText: (cumulative) => {
          const now = this.deps.clock.nowMs();
          if (now - lastWrite < writeEvery) return;
          lastWrite = now;
          // Writes are chained, so an older content never lands after a newer one.
          writing = writing.then(() => this.deps.streams.write(job.integrationId, job.streamId, fitStreamContent(prefix + cumulative), false));
          return writing;
        },
      });
      await writing;
      return { text, logLine: 'question: model answer', incidentId: incident.incidentId, model: 'streamed' };
    } catch (error) {
      await writing.catch(() => undefined);
      if (!(error instanceof ModelCallError)) throw error;
      const note = modelFallbackNote(error.kind === 'timeout' ? 'timeout' : 'error', locale);
      return {
        text: `${statusText(incident, this.deps.clock.nowMs(), locale)}\n\n${note}`,
        logLine: `question: model ${error.kind}${error.status ? ` ${error.status}` : ''}, deterministic answer given`,
        incidentId: incident.incidentId,
        model: 'fallback',
      };
    }
  }

  /** Downloads and decrypts each image/file in memory; says what arrived, or why it was refused. */
  private async describeMedia(integration: WeComIntegration, job: BotReplyJob, locale: BotLocale): Promise<string> {
    const secrets = await this.deps.secrets.weCom(integration);
    const received: { type: 'image' | 'file'; bytes: number; kind: string; sha256: string }[] = [];
    const refused: string[] = [];
    for (const item of job.media) {
      try {
        const bytes = await this.deps.media.fetch(item.url, secrets.botEncodingAesKey ?? '', DEFAULT_MEDIA_MAX_BYTES);
        received.push({ type: item.type, bytes: bytes.length, kind: sniff(bytes), sha256: createHash('sha256').update(bytes).digest('hex') });
      } catch (error) {
        if (!(error instanceof BotMediaError)) throw error;
        refused.push(mediaRefusedText(error.kind, locale));
        this.log(integration, job, 'dropped', 'bot_media_refused', `${item.type} refused: ${error.kind}`);
      }
    }
    return [received.length ? mediaReceivedText(received, locale) : '', ...refused].filter(Boolean).join('\n\n');
  }

  private async who(integration: WeComIntegration, incident: Incident, locale: BotLocale): Promise<string> {
    const linked = await this.deps.links.byEmails(integration.id, incident.responders);
    const people = await Promise.all(
      incident.responders.map(async (email) => {
        const member = await this.deps.members.get(email);
        return { email, ...(member?.name ? { name: member.name } : {}), linked: linked.has(email) };
      }),
    );
    return whoText(incident, people, locale);
  }

  /**
   * What an asking person may see: an incident shown on this integration (one of its targets), or
   * the incident of the War Room they are asking in.
   */
  private async mayView(integration: WeComIntegration, incident: Incident, job: BotReplyJob): Promise<boolean> {
    if (incident.targets.some((t) => t.integrationId === integration.id)) return true;
    return job.chatId !== undefined && (await this.deps.warRoomChats.incidentFor(integration.id, job.chatId)) === incident.incidentId;
  }

  /** The first incident a free question names ("what broke in INC-42?"), when one exists. */
  private async mentionedIncident(text: string): Promise<string | undefined> {
    for (const candidate of incidentIdCandidates(text)) {
      if (await this.deps.incidents.get(candidate)) return candidate;
    }
    return undefined;
  }

  private async inWarRoom(job: BotReplyJob): Promise<boolean> {
    return job.chatId !== undefined && (await this.deps.warRoomChats.incidentFor(job.integrationId, job.chatId)) !== undefined;
  }

  private async linkPrompt(integration: WeComIntegration, job: BotReplyJob, action: IncidentAction | undefined, incidentId: string | undefined, locale: BotLocale): Promise<string> {
    const targetIncident = incidentId ?? (job.chatId ? await this.deps.warRoomChats.incidentFor(integration.id, job.chatId) : undefined);
    if (action && targetIncident && this.deps.linkPrompts) {
      // Signed pending action: applied once the person has linked (the same path as an unlinked card click).
      const prompt = await this.deps.linkPrompts.issue(integration, { userId: job.userId, incidentId: targetIncident, action, clickKey: `bot:${integration.id}:${job.msgid}` });
      return prompt.text;
    }
    const homepage = this.deps.publicApiUrl ? `${this.deps.publicApiUrl.replace(/\/$/, '')}${callbackPaths(integration).homepage}` : undefined;
    return locale === 'zh'
      ? `账号未绑定，无法查看或处理事件。${homepage ? `请先[绑定账号](${homepage})。` : '请联系管理员绑定账号。'}`
      : `Your account is not linked yet, so the bot cannot show or change incidents for you. ${homepage ? `[Link your account](${homepage}) first.` : 'Ask an administrator to link it.'}`;
  }

  private async finish(job: BotReplyJob, content: string): Promise<void> {
    await this.deps.streams.write(job.integrationId, job.streamId, fitStreamContent(content), true);
  }

  private log(integration: WeComIntegration, job: BotReplyJob, result: OperationResult, reasonCode: OperationReasonCode, reason: string, incidentId?: string): void {
    const record = {
      atMs: this.deps.clock.nowMs(),
      result,
      reasonCode,
      reason: `smart bot: ${reason}`,
      integrationId: integration.id,
      platform: 'wecom' as const,
      channel: 'bot',
      recipient: job.userId,
      ...(incidentId ? { incidentId } : {}),
    };
    // The log never fails an answer.
    void this.deps.operationLog.append([record]).catch(() => undefined);
  }
}

function actionOf(command: BotCommand): IncidentAction | undefined {
  switch (command.kind) {
    case 'ack':
      return { kind: 'acknowledge' };
    case 'close':
      return { kind: 'resolve' };
    case 'snooze':
      return { kind: 'snooze', minutes: command.minutes };
    default:
      return undefined;
  }
}

/** The file type by its first bytes (what arrived, without trusting a name). */
function sniff(bytes: Buffer): string {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'PNG';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'JPEG';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'GIF';
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'PDF';
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'ZIP';
  return 'binary';
}
