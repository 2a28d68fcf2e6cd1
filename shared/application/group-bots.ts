/**
 * Group bots as targets (issue 11 item 6): each bot named in `targets[].bots` posts the incident
 * into its group on the transitions that matter (shared/domain/group-bot.ts BOT_POSTED_EVENTS), at
 * most once per incident version (the dispatch ledger holds `bot:<integration>:<bot>:<incident>:
 * <version>`), @mentioning the responders by phone or through a mapping table.
 *
 *  - Per-robot limit (20 messages a minute, both platforms): every post and digest counts in one
 *    shared window per robot (RateLimitCounters `robot:<integration>:<bot>`), rolling so that no
 *    60 s span holds more than 20 even across a minute boundary (DingTalk blocks a robot for
 *    10 minutes past 20, custom-robots-send-group-messages). Over it, the
 *    alert becomes a line in the robot's digest buffer, sent as one "N more alerts" message by the
 *    flush-digests timer (every minute) once the window has room. Nothing is dropped.
 *  - WeCom group robots need no trusted IP and spend no quota: posted here (notify).
 *  - DingTalk custom robots spend the org's Webhook & Stream quota: queued on outgoing-im, and the
 *    dispatch worker meters, paces, degrades (Critical first) and sends them.
 *  - Each responder a bot cannot @mention is recorded in the operation log with the reason.
 */
import { randomUUID } from 'node:crypto';
import {
  BOT_LIMITS,
  botDigestLine,
  renderBotDigest,
  renderDingTalkBotAlert,
  renderWeComBotAlert,
  robotMobile,
  type BotDigestLine,
  type BotMentions,
  type BotOutcome,
  type BotPostedEvent,
  type BotSecrets,
  type GroupBot,
} from '../domain/group-bot';
import type { NotificationTemplates } from './notification-templates';
import type { Incident } from '../domain/incident';
import type { Integration } from '../domain/integration';
import type { OperationReasonCode, OperationRecord, OperationResult } from '../domain/operation-log';
import type { DispatchLedger } from './dispatch';
import type { MappingTables } from './people-ports';
import type { Clock, LinkStore, MemberDirectory, OperationLog, OutgoingCalls, RateLimitCounters } from './ports';

/** Bots of an integration (DynamoDB `BOT#<integrationId>`); the CLI writes them. */
export interface BotRegistry {
  get(integrationId: string, name: string): Promise<GroupBot | undefined>;
  list(integrationId: string): Promise<GroupBot[]>;
  put(bot: GroupBot): Promise<void>;
  remove(integrationId: string, name: string): Promise<boolean>;
}

/** A bot's webhook URL and sign secret (Secrets Manager). */
export interface BotSecretsReader {
  read(bot: GroupBot): Promise<BotSecrets>;
}

/** Posts to a WeCom group robot; answers what the robot said (never trusts HTTP 200 alone). */
export interface WeComRobotSender {
  send(webhookUrl: string, body: Readonly<Record<string, unknown>>): Promise<BotOutcome>;
}

/** Alerts held back per robot until `dueAtMs` (rate limit, throttle, quota above 95 %). */
export interface BotDigestBuffer {
  add(integrationId: string, bot: string, dueAtMs: number, line: BotDigestLine): Promise<void>;
  /** Removes and returns the robot's lines due at or before `nowMs` (each handed to one caller). */
  takeDue(integrationId: string, bot: string, nowMs: number): Promise<BotDigestLine[]>;
}

export interface GroupBotDeps {
  /** The integration's bot templates (issue 13); absent: the fixed text. */
  readonly templates?: Pick<NotificationTemplates, 'fields'>;
  readonly bots: Pick<BotRegistry, 'get' | 'list'>;
  readonly secrets: BotSecretsReader;
  readonly weCom: WeComRobotSender;
  /** The outgoing-im queue: DingTalk custom-robot sends go through dispatch (metered). */
  readonly outgoing: OutgoingCalls;
  readonly counters: RateLimitCounters;
  readonly ledger: Pick<DispatchLedger, 'begin' | 'finish' | 'abandon'>;
  readonly digests: BotDigestBuffer;
  readonly members: Pick<MemberDirectory, 'get'>;
  readonly mappings: Pick<MappingTables, 'lookup'>;
  readonly links: Pick<LinkStore, 'byEmails'>;
  readonly operationLog: Pick<OperationLog, 'append'>;
  readonly clock: Clock;
}

/** A bot post failed in a way worth retrying (the notify message is retried; the version is not spent). */
export class BotPostRetryLaterError extends Error {
  override readonly name = 'BotPostRetryLaterError';
}

interface Unresolved {
  readonly email: string;
  readonly code: OperationReasonCode;
  readonly reason: string;
}

const windowMs = BOT_LIMITS.windowSeconds * 1000;
const nextWindow = (nowMs: number) => (Math.floor(nowMs / windowMs) + 1) * windowMs;
const counterKey = (integrationId: string, bot: string) => ({ key: `robot:${integrationId}:${bot}`, limit: BOT_LIMITS.messagesPerMinute });

export class GroupBotAlerts {
  constructor(private readonly deps: GroupBotDeps) {}

  /** Posts the incident through every bot its target names (a transition bots do not post is skipped). */
  async deliver(integration: Integration, incident: Incident, event: BotPostedEvent, botNames: readonly string[]): Promise<void> {
    for (const name of new Set(botNames)) await this.deliverOne(integration, incident, event, name);
  }

  /** Sends each robot's held-back alerts as one digest, when its window has room. */
  async flush(integration: Integration): Promise<{ digests: number; lines: number }> {
    let digests = 0;
    let lines = 0;
    for (const bot of await this.deps.bots.list(integration.id)) {
      const nowMs = this.deps.clock.nowMs();
      const due = await this.deps.digests.takeDue(integration.id, bot.name, nowMs);
      if (due.length === 0) continue;
      if (!(await this.deps.counters.hit([counterKey(integration.id, bot.name)], BOT_LIMITS.windowSeconds, { rolling: true }))) {
        await this.holdBack(integration.id, bot.name, due, nextWindow(nowMs));
        continue;
      }
      const ctx = { integrationId: integration.id, platform: integration.platform, bot: bot.name };
      const rendered = renderBotDigest(integration.platform, due, bot.keyword);
      if (integration.platform === 'dingtalk') {
        const worst = due.some((l) => l.severity === 'Critical') ? 'Critical' : due.some((l) => l.severity === 'Warning') ? 'Warning' : 'Info';
        await this.deps.outgoing.enqueue({
          kind: 'dingtalk.robotWebhook',
          integrationId: integration.id,
          idempotencyKey: `botdigest:${integration.id}:${bot.name}:${nowMs}:${randomUUID()}`,
          severity: worst,
          summary: `${due.length} held-back alerts`,
          payload: { bot: bot.name, body: { ...rendered.body, msgUuid: randomUUID() }, digest: true },
        });
      } else {
        const outcome = await this.postWeCom(bot, rendered.body);
        if (outcome.kind === 'retry' || outcome.kind === 'throttled') {
          await this.holdBack(integration.id, bot.name, due, nextWindow(nowMs));
          await this.append([this.record(ctx, undefined, 'retrying', outcome.reasonCode, `digest of ${due.length} alert(s) through bot ${bot.name} not sent yet: ${outcome.reason}`, outcome.code)]);
          continue;
        }
        const result: OperationResult = outcome.kind === 'ok' ? 'sent' : 'failed';
        await this.append([this.record(ctx, undefined, result, outcome.reasonCode, `digest of ${due.length} alert(s) through bot ${bot.name}: ${outcome.reason}`, outcome.code)]);
      }
      // The lines past the message's byte limit wait for the next digest: never dropped.
      if (rendered.rest.length > 0) await this.holdBack(integration.id, bot.name, rendered.rest, nextWindow(nowMs));
      digests += 1;
      lines += due.length - rendered.rest.length;
    }
    return { digests, lines };
  }

  private async deliverOne(integration: Integration, incident: Incident, event: BotPostedEvent, name: string): Promise<void> {
    const ctx = { integrationId: integration.id, platform: integration.platform, bot: name, incidentId: incident.incidentId };
    const bot = await this.deps.bots.get(integration.id, name);
    if (!bot) {
      await this.append([this.record(ctx, undefined, 'dropped', 'no_target', `no group bot "${name}" in integration ${integration.id}: nothing was posted. Add it (\`dutybridge bots add --integration ${integration.id} --name ${name} …\`) or fix the event's targets[].bots`)]);
      return;
    }
    const key = `bot:${integration.id}:${name}:${incident.incidentId}:${incident.version}`;
    const claim = await this.deps.ledger.begin(key, 60_000);
    if (claim.kind === 'finished') return; // this version was posted (or held back) already
    if (claim.kind === 'busy') throw new BotPostRetryLaterError(`another attempt is posting ${key}`);
    try {
      const { mentions, unresolved } = await this.mentionsFor(integration, bot, incident.responders);
      const records = unresolved.map((u) => this.record(ctx, u.email, 'dropped', u.code, `${u.email} is not @mentioned by bot ${name}: ${u.reason}`));
      const nowMs = this.deps.clock.nowMs();
      const line = botDigestLine({ incident, event });
      const granted = await this.deps.counters.hit([counterKey(integration.id, name)], BOT_LIMITS.windowSeconds, { rolling: true });
      if (!granted) {
        await this.deps.digests.add(integration.id, name, nextWindow(nowMs), line);
        records.push(this.record(ctx, undefined, 'deferred', 'robot_rate_limited', `bot ${name} posted ${BOT_LIMITS.messagesPerMinute} messages within the last minute (the robot's limit): the alert goes out in its digest as soon as a minute holds room for it`));
        await this.finish(key, 'deferred', records);
        return;
      }
      if (integration.platform === 'dingtalk') {
        const msgUuid = randomUUID();
        const f = await this.deps.templates?.fields('dingtalk.robot.markdown', integration.id, incident, { platform: 'dingtalk', logChannel: 'message' });
        const template = f ? { text: f.text ?? '', title: f.title ?? '' } : undefined;
        const rendered = renderDingTalkBotAlert({ incident, event, mentions, ...(bot.keyword ? { keyword: bot.keyword } : {}), ...(template ? { template } : {}) }, msgUuid);
        await this.deps.outgoing.enqueue({
          kind: 'dingtalk.robotWebhook',
          integrationId: integration.id,
          idempotencyKey: `botsend:${integration.id}:${name}:${incident.incidentId}:${incident.version}`,
          severity: incident.severity,
          incidentId: incident.incidentId,
          summary: line.text,
          payload: { bot: name, body: rendered.body },
        });
        if (rendered.truncated) records.push(this.record(ctx, undefined, 'sent', 'message_too_long', `the description was cut to fit DingTalk's 20000-byte robot message (ends with "…")`));
        await this.finish(key, 'sent', records);
        return;
      }
      // Mentions by phone need `text` (mentioned_mobile_list), else markdown: the matching template.
      const channel = mentions.mobiles.length > 0 ? 'wecom.bot.text' : 'wecom.bot.markdown';
      const f = await this.deps.templates?.fields(channel, integration.id, incident, { platform: 'wecom', logChannel: 'message' });
      const rendered = renderWeComBotAlert({ incident, event, mentions, ...(f ? { template: { text: f.content ?? '' } } : {}) });
      const outcome = await this.postWeCom(bot, rendered.body);
      if (outcome.kind === 'retry') {
        await this.append(records);
        await this.deps.ledger.abandon(key);
        throw new BotPostRetryLaterError(`bot ${name}: ${outcome.reason}`);
      }
      if (outcome.kind === 'throttled') {
        await this.deps.digests.add(integration.id, name, nextWindow(nowMs), line);
        records.push(this.record(ctx, undefined, 'deferred', outcome.reasonCode, outcome.reason, outcome.code));
        await this.finish(key, 'deferred', records);
        return;
      }
      const cut = rendered.truncated ? ` (the description was cut to fit the ${rendered.body.msgtype === 'text' ? BOT_LIMITS.weComTextBytes : BOT_LIMITS.weComMarkdownBytes}-byte ${String(rendered.body.msgtype)} limit, ending with "…")` : '';
      records.push(this.record(ctx, undefined, outcome.kind === 'ok' ? 'sent' : 'failed', outcome.reasonCode, `bot ${name}: ${outcome.reason}${cut}`, outcome.code));
      await this.finish(key, outcome.kind === 'ok' ? 'sent' : 'rejected', records);
    } catch (error) {
      if (!(error instanceof BotPostRetryLaterError)) await this.deps.ledger.abandon(key);
      throw error;
    }
  }

  private async postWeCom(bot: GroupBot, body: Record<string, unknown>): Promise<BotOutcome> {
    const secrets = await this.deps.secrets.read(bot);
    return this.deps.weCom.send(secrets.webhookUrl, body);
  }

  private async mentionsFor(integration: Integration, bot: GroupBot, responders: readonly string[]): Promise<{ mentions: BotMentions; unresolved: Unresolved[] }> {
    const emails = [...new Set(responders.map((e) => e.toLowerCase()))];
    const unresolved: Unresolved[] = [];
    if (emails.length === 0) return { mentions: { mobiles: [], userIds: [] }, unresolved };
    if (bot.mention === 'phone') {
      const mobiles: string[] = [];
      for (const email of emails) {
        const member = await this.deps.members.get(email);
        if (member?.mobile) mobiles.push(robotMobile(member.mobile));
        else unresolved.push({ email, code: 'no_phone', reason: member ? 'the member directory has no mobile for them (member.upserted without mobile)' : 'they are not in the member directory (publish member.upserted with their mobile)' });
      }
      return { mentions: { mobiles, userIds: [] }, unresolved };
    }
    if (integration.platform === 'wecom') {
      const table = bot.mappingTable ?? '';
      const found = table ? await this.deps.mappings.lookup(table, emails) : new Map<string, string>();
      const userIds: string[] = [];
      for (const email of emails) {
        const userId = found.get(email);
        if (userId) userIds.push(userId);
        else unresolved.push({ email, code: 'not_in_mapping_table', reason: `mapping table ${table || '(none set)'} has no row for them (\`dutybridge mappings import\`)` });
      }
      return { mentions: { mobiles: [], userIds }, unresolved };
    }
    const links = await this.deps.links.byEmails(integration.id, emails);
    const userIds: string[] = [];
    for (const email of emails) {
      const link = links.get(email);
      if (link) userIds.push(link.userId);
      else unresolved.push({ email, code: 'app_not_linked', reason: `no DingTalk link in ${integration.id} (\`dutybridge links set --integration ${integration.id} --email ${email} --user-id …\`)` });
    }
    return { mentions: { mobiles: [], userIds }, unresolved };
  }

  private async holdBack(integrationId: string, bot: string, lines: readonly BotDigestLine[], dueAtMs: number): Promise<void> {
    for (const line of lines) await this.deps.digests.add(integrationId, bot, dueAtMs, line);
  }

  private async finish(key: string, outcome: 'sent' | 'deferred' | 'rejected', records: OperationRecord[]): Promise<void> {
    await this.append(records);
    await this.deps.ledger.finish(key, { outcome, atMs: this.deps.clock.nowMs() });
  }

  private append(records: readonly OperationRecord[]): Promise<void> {
    return records.length > 0 ? this.deps.operationLog.append(records) : Promise.resolve();
  }

  private record(
    ctx: { integrationId: string; platform: 'wecom' | 'dingtalk'; bot: string; incidentId?: string },
    email: string | undefined,
    result: OperationResult,
    reasonCode: OperationReasonCode,
    reason: string,
    platformCode?: number,
  ): OperationRecord {
    return {
      atMs: this.deps.clock.nowMs(),
      result,
      reasonCode,
      reason: reason.slice(0, 1000),
      integrationId: ctx.integrationId,
      platform: ctx.platform,
      channel: 'group_bot',
      requestKind: ctx.platform === 'wecom' ? 'webhook/send' : 'robot/send',
      recipient: email ?? `bot:${ctx.bot}`,
      ...(ctx.incidentId ? { incidentId: ctx.incidentId } : {}),
      ...(platformCode !== undefined ? { platformCode } : {}),
    };
  }
}

/** Sends queued DingTalk custom-robot messages for dispatch (RobotWebhookDispatch), with the bot's secrets. */
export function robotWebhookDispatch(deps: {
  bots: Pick<BotRegistry, 'get'>;
  secrets: BotSecretsReader;
  digests: BotDigestBuffer;
  post: (secrets: BotSecrets, body: Readonly<Record<string, unknown>>) => Promise<void>;
  /** The failure when the bot no longer exists (a DingTalkCallFailure of kind permanent). */
  missing: (integrationId: string, bot: string) => Error;
}) {
  return {
    async send(integrationId: string, bot: string, body: Readonly<Record<string, unknown>>): Promise<void> {
      const config = await deps.bots.get(integrationId, bot);
      if (!config) throw deps.missing(integrationId, bot);
      await deps.post(await deps.secrets.read(config), body);
    },
    holdBack: (integrationId: string, bot: string, line: BotDigestLine, dueAtMs: number) => deps.digests.add(integrationId, bot, dueAtMs, line),
  };
}
