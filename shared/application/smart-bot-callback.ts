/**
 * WeCom smart bot callback (issue 15; wecom.md §3, DOC-100719 / 101027 / 101031 / 101033), GET|POST
 * /wecom/{integrationId}/bot. Same signature and AES scheme as the app callback, but JSON, with the
 * bot's own Token and EncodingAESKey and an empty receiveid.
 *
 * The answer must come within WeCom's deadline, so this never runs a responder. A message opens a
 * stream (its id derived from the msgid, so WeCom's retry gets the same stream, not a second
 * answer), queues the reply job and answers with the stream unfinished; WeCom then polls with
 * refresh callbacks, answered from the stream as the worker writes it (cumulative content, finished
 * when the worker finishes or the 6-minute window ends).
 */
import { WeComCrypto } from '../crypto';
import { BadRequestError } from '../domain/errors';
import type { WeComIntegration } from '../domain/integration';
import { enabledSmartBot } from '../domain/smart-bot-settings';
import {
  botInboundSchema,
  botStreamId,
  messageContent,
  streamAnswer,
  streamReply,
  stripLeadingMention,
  textReply,
  type BotInbound,
  type BotMessage,
  type BotStream,
} from '../domain/smart-bot';
import { helpText } from '../domain/bot-replies';
import { checkSha1SignedQuery } from './callback-auth';
import { rejectionForCryptoError } from './crypto-errors';
import { emptyOk, parseQueryOnce, requireParams, type CallbackRequest, type CallbackResponse } from './http-types';
import { findWeComIntegration, PerKeyCache, UnknownIntegrationError } from './integration-lookup';
import type { Clock, IntegrationRepository, IntegrationSecretsReader } from './ports';
import type { BotReplyJobs, BotStreamStore } from './smart-bot-ports';

export interface SmartBotCallbackDeps {
  readonly integrations: IntegrationRepository;
  readonly secrets: IntegrationSecretsReader;
  readonly streams: BotStreamStore;
  readonly jobs: BotReplyJobs;
  readonly clock: Clock;
  readonly record?: (outcome: string, details: Record<string, unknown>) => void;
}

export type SmartBotCallbackOutcome = 'verified' | 'stream_opened' | 'duplicate' | 'stream_refreshed' | 'event_answered' | 'ignored';

export class SmartBotCallbackUseCase {
  private readonly cryptos = new PerKeyCache<WeComCrypto>();

  constructor(private readonly deps: SmartBotCallbackDeps) {}

  async handle(request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: SmartBotCallbackOutcome }> {
    const params = parseQueryOnce(request.rawQuery);
    const q = requireParams(params, ['msg_signature', 'timestamp', 'nonce']);
    // Shape and freshness before any lookup; an unknown id, a bot that is off and a wrong signature get the same 401.
    checkSha1SignedQuery({ signature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce }, this.deps.clock.nowMs());
    const echostr = request.method === 'GET' ? requireParams(params, ['echostr']).echostr : undefined;
    const integration = await findWeComIntegration(this.deps.integrations, request.integrationId);
    if (!enabledSmartBot(integration)) throw new UnknownIntegrationError();
    const crypto = await this.cryptoFor(integration);
    let inbound: BotInbound;
    try {
      if (echostr !== undefined) {
        const plain = crypto.verifyUrl({ msgSignature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce, echostr });
        return { response: { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: plain }, outcome: 'verified' };
      }
      const plaintext = crypto.decryptMessage({ msgSignature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce, encrypt: envelopeEncrypt(request.body) });
      const parsed = parseInbound(plaintext);
      if (parsed === 'unknown_msgtype') {
        // A message type WeCom added after this was written: acknowledged, not retried forever.
        this.deps.record?.('ignored', { integrationId: integration.id, reason: 'unknown msgtype' });
        return { response: emptyOk, outcome: 'ignored' };
      }
      inbound = parsed;
    } catch (error) {
      throw rejectionForCryptoError(error) ?? error;
    }
    const botId = enabledSmartBot(integration)?.botId;
    if (botId && inbound.aibotid && inbound.aibotid !== botId) {
      throw new BadRequestError('wrong_bot', `callback is for bot ${inbound.aibotid}, but this integration's smart bot is ${botId}`);
    }
    // The reply is sealed with the callback's own nonce and a timestamp in seconds (DOC-101031).
    const reply = (plaintext: Record<string, unknown>): CallbackResponse => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: crypto.encryptReplyJson(JSON.stringify(plaintext), String(Math.floor(this.deps.clock.nowMs() / 1000)), q.nonce, undefined, { numericTimestamp: true }),
    });

    switch (inbound.msgtype) {
      case 'stream': {
        const stream = await this.deps.streams.get(integration.id, inbound.stream.id);
        const answer = streamAnswer(stream, this.deps.clock.nowMs());
        if (!stream) this.deps.record?.('unknown_stream', { integrationId: integration.id });
        return { response: reply(streamReply(inbound.stream.id, answer)), outcome: 'stream_refreshed' };
      }
      case 'event':
        return this.answerEvent(integration, inbound, reply);
      default:
        return this.openStream(integration, inbound, reply);
    }
  }

  private async openStream(
    integration: WeComIntegration,
    message: BotMessage,
    reply: (plaintext: Record<string, unknown>) => CallbackResponse,
  ): Promise<{ response: CallbackResponse; outcome: SmartBotCallbackOutcome }> {
    const nowMs = this.deps.clock.nowMs();
    const streamId = botStreamId(integration.id, message.msgid);
    const fresh: BotStream = {
      integrationId: integration.id,
      streamId,
      msgid: message.msgid,
      userId: message.from.userid,
      ...(message.chatid ? { chatId: message.chatid } : {}),
      chatType: message.chattype ?? (message.chatid ? 'group' : 'single'),
      createdAt: nowMs,
      updatedAt: nowMs,
      content: '',
      finished: false,
      queued: false,
    };
    const { stream, created } = await this.deps.streams.open(fresh);
    // A retry of a message whose callback died before queueing its job queues it now; the worker's
    // claim on the stream makes a second job for the same stream harmless.
    if (!stream.queued) {
      const { text, media } = messageContent(message);
      await this.deps.jobs.request({
        kind: 'bot.reply',
        integrationId: integration.id,
        streamId,
        msgid: message.msgid,
        userId: stream.userId,
        ...(stream.chatId ? { chatId: stream.chatId } : {}),
        chatType: stream.chatType,
        text: stripLeadingMention(text),
        media,
        receivedAt: stream.createdAt,
      });
      await this.deps.streams.markQueued(integration.id, streamId);
    }
    const answer = streamAnswer(stream, nowMs);
    // The feedback id goes on the first reply only (DOC-101031); it lets people rate the answer.
    return { response: reply(streamReply(streamId, answer, created ? streamId : undefined)), outcome: created ? 'stream_opened' : 'duplicate' };
  }

  private answerEvent(
    integration: WeComIntegration,
    event: Extract<BotInbound, { msgtype: 'event' }>,
    reply: (plaintext: Record<string, unknown>) => CallbackResponse,
  ): { response: CallbackResponse; outcome: SmartBotCallbackOutcome } {
    const type = event.event.eventtype;
    this.deps.record?.('bot_event', { integrationId: integration.id, eventtype: type });
    if (type === 'enter_chat') {
      // The only event a text reply is accepted for (DOC-101031): a welcome with what the bot can do.
      const welcome = `${helpText('zh', { inWarRoom: false })}\n\n${helpText('en', { inWarRoom: false })}`;
      return { response: reply(textReply(welcome)), outcome: 'event_answered' };
    }
    // feedback_event: "仅支持回复空包"; template_card_event: dutybridge sends no bot cards, so nothing to update.
    return { response: emptyOk, outcome: type === 'feedback_event' ? 'event_answered' : 'ignored' };
  }

  private async cryptoFor(integration: WeComIntegration): Promise<WeComCrypto> {
    const secrets = await this.deps.secrets.weCom(integration);
    // A bot without its Token and key cannot authenticate anything: the same 401 as an unknown id.
    if (!secrets.botToken || !secrets.botEncodingAesKey) throw new UnknownIntegrationError();
    const cacheKey = `${integration.id}\u0000bot\u0000${secrets.botToken}\u0000${secrets.botEncodingAesKey}`;
    // receiveid is "" for an internal smart bot (DOC-101033).
    return this.cryptos.get(cacheKey, () => new WeComCrypto({ token: secrets.botToken!, encodingAesKey: secrets.botEncodingAesKey!, receiveId: '' }));
  }
}

/** The body is `{"encrypt":"…"}` (DOC-100719); anything else is a 400. */
function envelopeEncrypt(body: Buffer): string {
  const text = body.toString('utf8').trim();
  if (text.length === 0) throw new BadRequestError('empty_body', 'POST body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('invalid_json', 'body is not valid JSON (the smart bot callback is {"encrypt":"…"})');
  }
  const encrypt = (parsed as { encrypt?: unknown } | null)?.encrypt;
  if (typeof encrypt !== 'string' || encrypt.length === 0) throw new BadRequestError('missing_encrypt', 'JSON body has no "encrypt" string');
  return encrypt;
}

const KNOWN_MSGTYPES = new Set(['text', 'voice', 'image', 'file', 'mixed', 'stream', 'event']);

function parseInbound(plaintext: string): BotInbound | 'unknown_msgtype' {
  let json: unknown;
  try {
    json = JSON.parse(plaintext);
  } catch {
    throw new BadRequestError('invalid_message', 'decrypted message is not JSON');
  }
  const msgtype = (json as { msgtype?: unknown } | null)?.msgtype;
  if (typeof msgtype === 'string' && !KNOWN_MSGTYPES.has(msgtype)) return 'unknown_msgtype';
  const parsed = botInboundSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadRequestError('unsupported_message', `message ${typeof msgtype === 'string' ? `of msgtype "${msgtype}" ` : ''}does not fit the smart bot contract: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}
