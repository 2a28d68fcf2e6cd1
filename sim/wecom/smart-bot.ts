/**
 * The WeCom smart bot (智能机器人, API mode) of the simulator: the people who talk to a bot and the
 * WeCom server that carries their messages to the bot's callback URL and polls its streamed answer.
 *
 * - Callbacks are JSON, POST `{"encrypt"}` with `msg_signature`, `timestamp`, `nonce` in the query,
 *   the same SHA1 signature and AES-256-CBC / PKCS#7-32 framing as the app callback, receiveid ''
 *   for an internal smart bot (DOC-101033). URL check: GET with an encrypted echostr → bare plaintext.
 * - Messages (DOC-100719): text / image / mixed / voice / file; group text starts with "@<bot name>";
 *   image, voice and file arrive in single chats only.
 * - A stream reply (DOC-100719 / DOC-101031) is polled with refresh callbacks until finish=true, for
 *   at most 6 minutes from the user's message ("最多等待6min，超过6min结束推送"); content is
 *   cumulative, ≤ 20480 bytes; msg_item only with finish=true, ≤ 10; feedback.id ≤ 256 bytes, only on
 *   the first reply. Passive text only for enter_chat; feedback_event only with an empty body; a
 *   template_card_event with `response_type: 'update_template_card'` and its task_id (DOC-101027).
 * - "用户跟同一个智能机器人最多同时有三条消息交互中" (DOC-100719): a 4th message in flight is refused.
 * - Media URLs are "五分钟内有效" and the bytes are AES-256-CBC encrypted with the bot's key, IV = the
 *   key's first 16 bytes, PKCS#7 to 32, no framing (DOC-100719).
 *
 * Every reply is checked strictly: envelope, signature, nonce, plaintext. A reply WeCom would not
 * take ends the conversation as `rejected`, with each reason recorded (README, "What the WeCom
 * simulator plays where the docs are silent").
 */
import { createCipheriv, createHash, randomBytes, randomInt } from 'node:crypto';
import { WeComCrypto } from '../../shared/crypto';
import { sendCallbackWithRetries } from '../core/callback-sender';
import { urlCheckFailure, urlCheckRequest } from './url-check';
import { SimContext, SimRequest, SimResponse } from '../core/contract';
import { BotSummary, renderBotConversations, renderBotConversationsPage } from '../view/bot-conversations';

const MINUTE_MS = 60_000;
/** DOC-100719: WeCom polls a stream for at most 6 minutes from the user's message. */
export const BOT_STREAM_WINDOW_MS = 6 * MINUTE_MS;
/** DOC-101031: stream.content "最长不超过20480个字节". */
export const BOT_STREAM_CONTENT_MAX_BYTES = 20_480;
/** DOC-101031: stream.msg_item at most 10 images, only when finish=true. */
export const BOT_STREAM_MAX_MSG_ITEMS = 10;
/** DOC-101031: stream.feedback.id "长度不超过256字节". */
export const BOT_FEEDBACK_ID_MAX_BYTES = 256;
/** DOC-100719: "用户跟同一个智能机器人最多同时有三条消息交互中". */
export const BOT_MAX_IN_FLIGHT_PER_USER = 3;
/** DOC-100719: image / file url "五分钟内有效". */
export const BOT_MEDIA_TTL_MS = 5 * MINUTE_MS;
/** DOC-100719: file "最大支持100M". */
export const BOT_FILE_MAX_BYTES = 100 * 1024 * 1024;
/** response_url: valid 1 hour and usable once (UNCONFIRMED for the smart bot; same as the other response urls). */
const RESPONSE_URL_TTL_MS = 60 * MINUTE_MS;
const DEFAULT_REFRESH_INTERVAL_MS = 500;
const DEFAULT_MAX_WAIT_MS = BOT_STREAM_WINDOW_MS;
/**
 * UNCONFIRMED: the smart bot pages do not state a retry schedule; the app callback's is played
 * (one attempt plus 3 retries on timeout / connection failure, DOC-90930), so msgid dedupe is exercised.
 */
const CALLBACK_RETRIES = 3;
const DEFAULT_CALLBACK_TIMEOUT_MS = 5000;
/** Path segments under /_sim/wecom/bots/ that are not bots. */
const RESERVED_BOT_IDS: readonly string[] = ['conversations', 'view'];

type Json = Record<string, unknown>;

export type BotChatType = 'single' | 'group';
export type BotMsgType = 'text' | 'voice' | 'image' | 'file' | 'mixed';
export type BotEventType = 'enter_chat' | 'feedback_event' | 'template_card_event';
export type BotConversationStatus = 'streaming' | 'finished' | 'timed_out' | 'rejected' | 'empty';

export interface SmartBotConfig {
  readonly botId: string;
  readonly corpId?: string;
  readonly token: string;
  readonly encodingAesKey: string;
  readonly callbackUrl: string;
  readonly name: string;
}

/** One passive reply as received: how its envelope looked and what it carried. */
export interface BotReplyRecord {
  readonly phase: 'message' | 'refresh';
  readonly at: number;
  readonly status: number;
  readonly empty: boolean;
  /** DOC-101031's example writes the timestamp as a number; strings are accepted too. */
  readonly timestampType?: 'number' | 'string';
  readonly violations: readonly string[];
}

/** What `GET /_sim/wecom/bots/conversations/{id}` answers. */
export interface BotConversation {
  readonly id: string;
  readonly botId: string;
  readonly userId: string;
  readonly chatId: string | null;
  readonly chatType: BotChatType;
  readonly msgtype: BotMsgType;
  /** What the user typed (text, voice transcription, mixed text); '' for image / file. */
  readonly text: string;
  readonly msgid: string;
  streamId: string | null;
  status: BotConversationStatus;
  /** Every stream content seen, in order (cumulative: the client shows the latest). */
  readonly contents: string[];
  /** The content shown when the conversation ended (finished / timed out), else null. */
  final: string | null;
  refreshes: number;
  readonly violations: string[];
  /** Raw decrypted plaintexts of the replies, in order. */
  readonly replies: string[];
  readonly envelopes: BotReplyRecord[];
  /** The first reply's stream.feedback.id, when given. */
  feedbackId: string | null;
  /** Bodies posted to the message's response_url. */
  readonly responses: unknown[];
  readonly mediaUrls: string[];
  readonly startedAt: number;
  endedAt: number | null;
}

export class SmartBotControlError extends Error {
  override readonly name = 'SmartBotControlError';
  constructor(
    message: string,
    readonly httpStatus: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

interface StoredMedia {
  readonly encrypted: Buffer;
  readonly expiresAt: number;
  readonly contentType: string;
}

interface ResponseUrlState {
  readonly conversationId: string;
  readonly expiresAt: number;
  used: boolean;
}

interface MessageInput {
  readonly userId: string;
  readonly chatType: BotChatType;
  readonly chatId?: string;
  readonly msgtype: BotMsgType;
  readonly text?: string;
  readonly imageBase64?: string;
  readonly fileBase64?: string;
  readonly wait: boolean;
  readonly refreshIntervalMs: number;
  readonly maxWaitMs: number;
}

/** The outcome of checking one passive reply. */
interface CheckedReply {
  /** HTTP status of the callback's last attempt (0: no answer); set by `post`. */
  readonly status?: number;
  readonly violations: string[];
  readonly empty: boolean;
  readonly plaintext?: string;
  readonly reply?: Json;
  readonly timestampType?: 'number' | 'string';
}

type ReplyPhase = 'message' | 'refresh' | 'enter_chat' | 'feedback_event' | 'template_card_event';

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

function decodeBase64(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || value.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new SmartBotControlError(`${field} must be non-empty base64`);
  }
  return Buffer.from(value, 'base64');
}

/**
 * Media encryption (DOC-100719): AES-256-CBC, key = base64decode(EncodingAESKey + "="), IV = the
 * key's first 16 bytes, PKCS#7 padded to a multiple of 32 bytes, no random prefix / length / receiveid.
 */
export function encryptBotMedia(plain: Buffer, encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]);
}

function sniffContentType(bytes: Buffer, kind: 'image' | 'file'): string {
  if (kind === 'image') {
    if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
    if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
    if (bytes.subarray(0, 3).toString('latin1') === 'GIF') return 'image/gif';
  }
  // The bytes are encrypted, so the type is a hint only (UNCONFIRMED what WeCom sends).
  return 'application/octet-stream';
}

export class WeComSmartBotSim {
  private readonly bots = new Map<string, SmartBotConfig>();
  private readonly conversations = new Map<string, BotConversation>();
  private readonly media = new Map<string, StoredMedia>();
  private readonly responseCodes = new Map<string, ResponseUrlState>();
  /** Aborted on reset: polling loops in flight stop at their next step. */
  private lifetime = new AbortController();
  private seq = 0;

  reset(): void {
    this.lifetime.abort();
    this.lifetime = new AbortController();
    this.bots.clear();
    this.conversations.clear();
    this.media.clear();
    this.responseCodes.clear();
  }

  // ---------------------------------------------------------------------------- configuration

  configure(botId: string, input: Json): SmartBotConfig {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(botId)) throw new SmartBotControlError('botId must be 1..128 letters, digits, _ or -');
    // These names are routes of their own under /_sim/wecom/bots/.
    if (RESERVED_BOT_IDS.includes(botId)) throw new SmartBotControlError(`botId ${botId} is reserved (${RESERVED_BOT_IDS.join(', ')} are routes)`);
    // Token "由英文或数字组成且长度不超过32位"; EncodingAESKey "由英文或数字组成且长度为43位" (DOC-101033, as DOC-90930).
    if (typeof input.token !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(input.token)) throw new SmartBotControlError('token must be 1..32 letters/digits');
    if (typeof input.encodingAesKey !== 'string' || !/^[A-Za-z0-9]{43}$/.test(input.encodingAesKey)) throw new SmartBotControlError('encodingAesKey must be 43 letters/digits');
    if (typeof input.callbackUrl !== 'string') throw new SmartBotControlError('callbackUrl is required');
    try {
      const url = new URL(input.callbackUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not http');
    } catch {
      throw new SmartBotControlError('callbackUrl must be an absolute http(s) URL');
    }
    if (input.corpId !== undefined && (typeof input.corpId !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(input.corpId))) throw new SmartBotControlError('corpId must be 1..64 letters/digits');
    if (input.name !== undefined && (typeof input.name !== 'string' || input.name.trim() === '' || /\s/.test(input.name))) {
      throw new SmartBotControlError('name must be a non-empty word (it is @mentioned in groups)');
    }
    const config: SmartBotConfig = {
      botId,
      ...(typeof input.corpId === 'string' ? { corpId: input.corpId } : {}),
      token: input.token,
      encodingAesKey: input.encodingAesKey,
      callbackUrl: input.callbackUrl,
      name: typeof input.name === 'string' ? input.name : botId,
    };
    this.bots.set(botId, config);
    return config;
  }

  bot(botId: string): SmartBotConfig | undefined {
    return this.bots.get(botId);
  }

  /** Newest first. */
  list(botId?: string): BotConversation[] {
    return [...this.conversations.values()].filter((c) => botId === undefined || c.botId === botId).reverse();
  }

  conversation(id: string): BotConversation | undefined {
    return this.conversations.get(id);
  }

  private requireBot(botId: string): SmartBotConfig {
    const bot = this.bots.get(botId);
    if (!bot) throw new SmartBotControlError(`unknown bot ${botId}`, 404);
    return bot;
  }

  private cryptoFor(bot: SmartBotConfig): WeComCrypto {
    // DOC-101033: the receiveid of an internal smart bot is the empty string.
    return new WeComCrypto({ token: bot.token, encodingAesKey: bot.encodingAesKey, receiveId: '' });
  }

  // ---------------------------------------------------------------------------- URL verification

  /** The console's URL check: GET with an encrypted echostr; the answer must be the bare plaintext (DOC-101033). */
  async verifyUrl(botId: string, ctx: SimContext): Promise<{ ok: boolean; status: number; reply: string; expected: string; reason?: string }> {
    const bot = this.requireBot(botId);
    const crypto = this.cryptoFor(bot);
    const { url, expected } = urlCheckRequest(crypto, bot.callbackUrl, ctx.clock.now());
    const outcome = await sendCallbackWithRetries({
      fetch: ctx.fetch, url, method: 'GET', timeoutMs: ctx.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS, maxRetries: 0, retryOnHttpError: false,
    });
    const reason = urlCheckFailure(outcome, expected);
    ctx.record({
      platform: 'wecom', endpoint: 'aibot/verify-url', method: 'GET', path: new URL(url).pathname, query: Object.fromEntries(new URL(url).searchParams),
      requestBody: undefined, status: outcome.status, resultCode: reason ? outcome.status || 'failed' : 0, responseBody: outcome.body, reason,
    });
    return { ok: reason === undefined, status: outcome.status, reply: outcome.body, expected, ...(reason ? { reason } : {}) };
  }

  // ---------------------------------------------------------------------------- messages

  private parseMessageInput(body: Json): MessageInput {
    const { userId, chatType, chatId, msgtype } = body;
    if (typeof userId !== 'string' || !/^[A-Za-z0-9_.@-]{1,64}$/.test(userId)) throw new SmartBotControlError('userId must be 1..64 characters [A-Za-z0-9_.@-]');
    if (chatType !== 'single' && chatType !== 'group') throw new SmartBotControlError("chatType must be 'single' or 'group'");
    if (chatId !== undefined && (typeof chatId !== 'string' || chatId === '')) throw new SmartBotControlError('chatId must be a non-empty string');
    if (chatType === 'group' && chatId === undefined) throw new SmartBotControlError('chatId is required in a group chat');
    if (!['text', 'voice', 'image', 'file', 'mixed'].includes(String(msgtype))) throw new SmartBotControlError("msgtype must be 'text', 'voice', 'image', 'file' or 'mixed'");
    const number = (field: string, fallback: number, min: number, max: number): number => {
      const value = body[field];
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw new SmartBotControlError(`${field} must be a number ${min}..${max}`);
      return value;
    };
    if (body.wait !== undefined && typeof body.wait !== 'boolean') throw new SmartBotControlError('wait must be a boolean');
    for (const field of ['text', 'imageBase64', 'fileBase64']) {
      if (body[field] !== undefined && typeof body[field] !== 'string') throw new SmartBotControlError(`${field} must be a string`);
    }
    return {
      userId,
      chatType,
      ...(typeof chatId === 'string' ? { chatId } : {}),
      msgtype: msgtype as BotMsgType,
      ...(typeof body.text === 'string' ? { text: body.text } : {}),
      ...(typeof body.imageBase64 === 'string' ? { imageBase64: body.imageBase64 } : {}),
      ...(typeof body.fileBase64 === 'string' ? { fileBase64: body.fileBase64 } : {}),
      wait: body.wait === true,
      refreshIntervalMs: number('refreshIntervalMs', DEFAULT_REFRESH_INTERVAL_MS, 10, BOT_STREAM_WINDOW_MS),
      maxWaitMs: number('maxWaitMs', DEFAULT_MAX_WAIT_MS, 0, 24 * 60 * MINUTE_MS),
    };
  }

  private storeMedia(bot: SmartBotConfig, bytes: Buffer, kind: 'image' | 'file', baseUrl: string, ctx: SimContext): string {
    const id = randomBytes(16).toString('hex');
    this.media.set(id, { encrypted: encryptBotMedia(bytes, bot.encodingAesKey), expiresAt: ctx.clock.now() + BOT_MEDIA_TTL_MS, contentType: sniffContentType(bytes, kind) });
    return `${baseUrl}/_sim/wecom/bot-media/${id}`;
  }

  /** Builds the DOC-100719 message, sends it and follows the stream (awaited when `wait`). */
  async sendMessage(botId: string, body: Json, baseUrl: string, ctx: SimContext): Promise<{ conversationId: string; done: Promise<void> }> {
    const bot = this.requireBot(botId);
    const input = this.parseMessageInput(body);
    // DOC-100719: image, voice and file messages exist in single chats only.
    if (input.chatType === 'group' && (input.msgtype === 'image' || input.msgtype === 'voice' || input.msgtype === 'file')) {
      throw new SmartBotControlError(`${input.msgtype} messages are only sent in single chats (DOC-100719)`);
    }
    const inFlight = [...this.conversations.values()].filter((c) => c.botId === botId && c.userId === input.userId && c.status === 'streaming').length;
    if (inFlight >= BOT_MAX_IN_FLIGHT_PER_USER) {
      throw new SmartBotControlError(`user ${input.userId} already has ${inFlight} messages in flight with bot ${botId} ("用户跟同一个智能机器人最多同时有三条消息交互中", DOC-100719)`, 409);
    }
    const mediaUrls: string[] = [];
    let text = input.text ?? '';
    const payload: Json = {};
    switch (input.msgtype) {
      case 'text': {
        if (text === '') throw new SmartBotControlError('text is required for a text message');
        // DOC-100719: in a group the content starts with the @mention ("@RobotA hello robot").
        payload.text = { content: input.chatType === 'group' ? `@${bot.name} ${text}` : text };
        break;
      }
      case 'voice':
        if (text === '') throw new SmartBotControlError('text (the transcription) is required for a voice message');
        payload.voice = { content: text };
        break;
      case 'image':
        mediaUrls.push(this.storeMedia(bot, decodeBase64(input.imageBase64, 'imageBase64'), 'image', baseUrl, ctx));
        payload.image = { url: mediaUrls[0] };
        text = '';
        break;
      case 'file': {
        const bytes = decodeBase64(input.fileBase64, 'fileBase64');
        if (bytes.length > BOT_FILE_MAX_BYTES) throw new SmartBotControlError('file is over 100 MB (DOC-100719)');
        mediaUrls.push(this.storeMedia(bot, bytes, 'file', baseUrl, ctx));
        payload.file = { url: mediaUrls[0] };
        text = '';
        break;
      }
      case 'mixed': {
        const items: Json[] = [];
        if (text !== '') items.push({ msgtype: 'text', text: { content: input.chatType === 'group' ? `@${bot.name} ${text}` : text } });
        if (input.imageBase64 !== undefined) {
          mediaUrls.push(this.storeMedia(bot, decodeBase64(input.imageBase64, 'imageBase64'), 'image', baseUrl, ctx));
          items.push({ msgtype: 'image', image: { url: mediaUrls[0] } });
        }
        if (items.length < 2) throw new SmartBotControlError('a mixed message needs text and imageBase64');
        payload.mixed = { msg_item: items };
        break;
      }
    }
    const msgid = this.newMsgId();
    const responseCode = randomBytes(24).toString('hex');
    const startedAt = ctx.clock.now();
    this.responseCodes.set(responseCode, { conversationId: msgid, expiresAt: startedAt + RESPONSE_URL_TTL_MS, used: false });
    const message: Json = {
      msgid,
      aibotid: bot.botId,
      ...(input.chatType === 'group' ? { chatid: input.chatId } : {}),
      chattype: input.chatType,
      from: { userid: input.userId },
      response_url: `${baseUrl}/cgi-bin/aibot/response?response_code=${responseCode}`,
      msgtype: input.msgtype,
      ...payload,
    };
    const conversation: BotConversation = {
      id: msgid,
      botId,
      userId: input.userId,
      chatId: input.chatId ?? null,
      chatType: input.chatType,
      msgtype: input.msgtype,
      text,
      msgid,
      streamId: null,
      status: 'streaming',
      contents: [],
      final: null,
      refreshes: 0,
      violations: [],
      replies: [],
      envelopes: [],
      feedbackId: null,
      responses: [],
      mediaUrls,
      startedAt,
      endedAt: null,
    };
    this.conversations.set(conversation.id, conversation);
    const done = this.converse(bot, conversation, message, input, ctx).catch((error: unknown) => {
      this.end(conversation, 'rejected', ctx, `simulator error: ${(error as Error).message}`);
    });
    return { conversationId: conversation.id, done };
  }

  private newMsgId(): string {
    this.seq += 1;
    return `${randomBytes(12).toString('hex')}${this.seq.toString(16).padStart(4, '0')}`;
  }

  private end(conversation: BotConversation, status: BotConversationStatus, ctx: SimContext, violation?: string): void {
    if (conversation.status !== 'streaming') return;
    if (violation) conversation.violations.push(violation);
    conversation.status = status;
    conversation.endedAt = ctx.clock.now();
    if (status === 'finished' || status === 'timed_out') conversation.final = conversation.contents.at(-1) ?? null;
    if (conversation.violations.length > 0) ctx.log(`wecom smart bot ${conversation.botId} conversation ${conversation.id} ${status}: ${conversation.violations.join('; ')}`);
  }

  private async converse(bot: SmartBotConfig, conversation: BotConversation, message: Json, input: MessageInput, ctx: SimContext): Promise<void> {
    const lifetime = this.lifetime.signal;
    const realStart = Date.now();
    const first = await this.post(bot, message, 'message', conversation, ctx);
    if (!this.takeReply(conversation, first, 'message', ctx)) return;
    while (conversation.status === 'streaming') {
      await sleep(input.refreshIntervalMs, lifetime);
      if (lifetime.aborted) return;
      // The window counts on the simulator's clock, so a test that advances it sees the end.
      if (ctx.clock.now() - conversation.startedAt >= BOT_STREAM_WINDOW_MS) {
        this.end(conversation, 'timed_out', ctx);
        return;
      }
      if (Date.now() - realStart >= input.maxWaitMs) {
        this.end(conversation, 'timed_out', ctx, `maxWaitMs ${input.maxWaitMs} reached before finish=true (simulator limit, not WeCom's)`);
        return;
      }
      conversation.refreshes += 1;
      const refresh: Json = {
        msgid: this.newMsgId(),
        aibotid: bot.botId,
        ...(conversation.chatType === 'group' ? { chatid: conversation.chatId } : {}),
        chattype: conversation.chatType,
        from: { userid: conversation.userId },
        msgtype: 'stream',
        stream: { id: conversation.streamId },
      };
      const checked = await this.post(bot, refresh, 'refresh', conversation, ctx);
      if (lifetime.aborted) return;
      this.takeReply(conversation, checked, 'refresh', ctx);
    }
  }

  /** Applies one checked reply to the conversation; false when it ended the conversation. */
  private takeReply(conversation: BotConversation, checked: CheckedReply, phase: 'message' | 'refresh', ctx: SimContext): boolean {
    if (checked.violations.length > 0) {
      conversation.violations.push(...checked.violations);
      this.end(conversation, 'rejected', ctx);
      return false;
    }
    if (checked.empty) {
      // "可以选择直接回复空包" (DOC-101031): the message gets no answer. CHOICE: an empty answer to a
      // refresh shows nothing new and WeCom keeps polling until the window ends.
      if (phase === 'message') {
        this.end(conversation, 'empty', ctx);
        return false;
      }
      return true;
    }
    const reply = checked.reply!;
    if (reply.msgtype === 'template_card') {
      this.end(conversation, 'finished', ctx);
      return false;
    }
    const stream = reply.stream as Json;
    if (phase === 'message') {
      conversation.streamId = stream.id as string;
      const feedback = stream.feedback as Json | undefined;
      if (feedback) conversation.feedbackId = feedback.id as string;
    }
    if (typeof stream.content === 'string') conversation.contents.push(stream.content);
    if (stream.finish === true) {
      this.end(conversation, 'finished', ctx);
      return false;
    }
    return true;
  }

  /** Encrypts, signs and POSTs one callback (DOC-101033), then checks the passive reply. */
  private async post(bot: SmartBotConfig, plaintext: Json, phase: ReplyPhase, conversation: BotConversation | undefined, ctx: SimContext): Promise<CheckedReply> {
    const crypto = this.cryptoFor(bot);
    const timestamp = String(Math.floor(ctx.clock.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const json = JSON.stringify(plaintext);
    const encrypt = crypto.encrypt(json);
    const url = new URL(bot.callbackUrl);
    url.searchParams.set('msg_signature', crypto.signature(timestamp, nonce, encrypt));
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('nonce', nonce);
    const outcome = await sendCallbackWithRetries({
      fetch: ctx.fetch,
      url: url.toString(),
      body: JSON.stringify({ encrypt }),
      headers: { 'content-type': 'application/json' },
      timeoutMs: ctx.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS,
      maxRetries: phase === 'refresh' ? 0 : CALLBACK_RETRIES,
    });
    let checked: CheckedReply;
    if (!outcome.delivered) {
      checked = { violations: [`${phase} callback not answered with HTTP 200: ${outcome.attempts.map((a) => a.error ?? `HTTP ${a.status}`).join('; ')}`], empty: false };
    } else {
      const cardEvent = phase === 'template_card_event' && isRecord(plaintext.event) ? plaintext.event.template_card_event : undefined;
      const eventTaskId = isRecord(cardEvent) && typeof cardEvent.task_id === 'string' ? cardEvent.task_id : undefined;
      checked = this.checkReply(crypto, outcome.body, nonce, phase, conversation, eventTaskId);
    }
    if (conversation) {
      if (checked.plaintext !== undefined) conversation.replies.push(checked.plaintext);
      conversation.envelopes.push({
        phase: phase === 'refresh' ? 'refresh' : 'message',
        at: ctx.clock.now(),
        status: outcome.status,
        empty: checked.empty,
        ...(checked.timestampType ? { timestampType: checked.timestampType } : {}),
        violations: checked.violations,
      });
    }
    ctx.record({
      platform: 'wecom',
      endpoint: `aibot/callback/${phase}`,
      method: 'POST',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      requestBody: { plaintext: json },
      status: outcome.status,
      resultCode: checked.violations.length === 0 ? 0 : outcome.status || 'failed',
      responseBody: checked.plaintext ?? outcome.body,
      ...(checked.violations.length > 0 ? { reason: checked.violations.join('; ') } : {}),
    });
    return { ...checked, status: outcome.status };
  }

  /**
   * The passive reply, strictly (DOC-101031 / DOC-101033): empty, or the JSON envelope
   * {encrypt, msgsignature, timestamp, nonce} with the callback's nonce, a valid signature, a
   * plaintext that decrypts with receiveid '', and a plaintext WeCom accepts in this phase.
   */
  checkReply(crypto: WeComCrypto, body: string, callbackNonce: string, phase: ReplyPhase, conversation?: BotConversation, eventTaskId?: string): CheckedReply {
    if (body.trim() === '') {
      return { violations: [], empty: true };
    }
    const violations: string[] = [];
    let envelope: unknown;
    try {
      envelope = JSON.parse(body);
    } catch {
      return { violations: ['reply is neither empty nor JSON (DOC-101031: the encrypted JSON envelope)'], empty: false };
    }
    if (!isRecord(envelope)) return { violations: ['reply envelope is not a JSON object'], empty: false };
    const { encrypt, msgsignature, timestamp, nonce } = envelope;
    let timestampType: 'number' | 'string' | undefined;
    if (typeof timestamp === 'number' && Number.isInteger(timestamp) && timestamp >= 0) timestampType = 'number';
    else if (typeof timestamp === 'string' && /^\d{1,20}$/.test(timestamp)) timestampType = 'string';
    else violations.push('envelope timestamp must be whole seconds (a number, or a numeric string)');
    // "要求为秒级别的" (DOC-101031): a millisecond timestamp is refused.
    if (timestampType && Number(timestamp) > 99_999_999_999) violations.push(`envelope timestamp ${String(timestamp)} looks like milliseconds, not seconds`);
    if (typeof encrypt !== 'string' || encrypt === '') violations.push('envelope encrypt is missing');
    if (typeof msgsignature !== 'string' || msgsignature === '') violations.push('envelope msgsignature is missing');
    if (typeof nonce !== 'string' || nonce === '') violations.push('envelope nonce is missing');
    else if (nonce !== callbackNonce) violations.push(`envelope nonce ${JSON.stringify(nonce)} is not the callback URL's nonce ${JSON.stringify(callbackNonce)}`);
    if (typeof encrypt === 'string' && typeof msgsignature === 'string' && typeof nonce === 'string' && timestampType) {
      if (crypto.signature(String(timestamp), nonce, encrypt) !== msgsignature) violations.push('envelope msgsignature does not verify (sha1 of sorted token, timestamp, nonce, encrypt)');
    }
    let plaintext: string | undefined;
    if (typeof encrypt === 'string' && encrypt !== '') {
      try {
        plaintext = crypto.decrypt(encrypt).message;
      } catch (error) {
        violations.push(`envelope encrypt does not decrypt with the bot's key and receiveid '': ${(error as Error).message}`);
      }
    }
    if (plaintext === undefined) return { violations, empty: false, ...(timestampType ? { timestampType } : {}) };
    let reply: unknown;
    try {
      reply = JSON.parse(plaintext);
    } catch {
      violations.push('reply plaintext is not JSON');
    }
    if (reply !== undefined && !isRecord(reply)) violations.push('reply plaintext is not a JSON object');
    if (isRecord(reply)) violations.push(...this.checkPlaintext(reply, phase, conversation, eventTaskId));
    return { violations, empty: false, plaintext, ...(isRecord(reply) ? { reply } : {}), ...(timestampType ? { timestampType } : {}) };
  }

  private checkPlaintext(reply: Json, phase: ReplyPhase, conversation?: BotConversation, eventTaskId?: string): string[] {
    const problems: string[] = [];
    const msgtype = reply.msgtype;
    // DOC-101027: a feedback_event "只能回复空包".
    if (phase === 'feedback_event') return [`feedback_event may only be answered with an empty body, got msgtype ${String(msgtype)}`];
    if (phase === 'template_card_event') return checkCardUpdateReply(reply, eventTaskId);
    const allowed: Record<Exclude<ReplyPhase, 'feedback_event' | 'template_card_event'>, readonly string[]> = {
      // DOC-101031: a message may also be answered with a stream and a card together.
      message: ['stream', 'template_card', 'stream_with_template_card'],
      refresh: ['stream'],
      enter_chat: ['text', 'template_card'],
    };
    if (typeof msgtype !== 'string' || !allowed[phase].includes(msgtype)) {
      return [`msgtype ${JSON.stringify(msgtype)} is not a passive reply to ${phase} (allowed: ${allowed[phase].join(', ')} or an empty body; DOC-101031)`];
    }
    if (msgtype === 'text') {
      const text = reply.text;
      if (!isRecord(text) || typeof text.content !== 'string' || text.content === '') problems.push('text.content must be a non-empty string');
      return problems;
    }
    if (msgtype === 'template_card' || msgtype === 'stream_with_template_card') {
      const card = reply.template_card;
      if (!isRecord(card) || typeof card.card_type !== 'string') problems.push('template_card must be an object with card_type');
      if (msgtype === 'template_card') return problems;
    }
    const stream = reply.stream;
    if (!isRecord(stream)) return ['stream must be an object'];
    if (typeof stream.id !== 'string' || stream.id === '') problems.push('stream.id must be a non-empty string');
    else if (phase === 'refresh' && conversation?.streamId && stream.id !== conversation.streamId) {
      problems.push(`stream.id ${JSON.stringify(stream.id)} is not the stream being refreshed (${conversation.streamId})`);
    }
    if (stream.finish !== undefined && typeof stream.finish !== 'boolean') problems.push('stream.finish must be a boolean');
    if (stream.content !== undefined) {
      if (typeof stream.content !== 'string') problems.push('stream.content must be a string');
      else if (utf8Bytes(stream.content) > BOT_STREAM_CONTENT_MAX_BYTES) {
        problems.push(`stream.content is ${utf8Bytes(stream.content)} bytes, over ${BOT_STREAM_CONTENT_MAX_BYTES} (DOC-101031)`);
      }
    }
    if (stream.msg_item !== undefined) {
      // DOC-101031: msg_item (images) only in the reply that finishes the stream, at most 10.
      if (stream.finish !== true) problems.push('stream.msg_item is only allowed when finish=true (DOC-101031)');
      if (!Array.isArray(stream.msg_item)) problems.push('stream.msg_item must be an array');
      else {
        if (stream.msg_item.length > BOT_STREAM_MAX_MSG_ITEMS) problems.push(`stream.msg_item has ${stream.msg_item.length} items, at most ${BOT_STREAM_MAX_MSG_ITEMS}`);
        stream.msg_item.forEach((item: unknown, index) => {
          const image = isRecord(item) ? item.image : undefined;
          if (!isRecord(item) || item.msgtype !== 'image' || !isRecord(image) || typeof image.base64 !== 'string' || typeof image.md5 !== 'string') {
            problems.push(`stream.msg_item[${index}] must be {msgtype:'image', image:{base64, md5}}`);
          } else if (createHash('md5').update(Buffer.from(image.base64, 'base64')).digest('hex') !== image.md5.toLowerCase()) {
            problems.push(`stream.msg_item[${index}].image.md5 is not the md5 of its base64 bytes`);
          }
        });
      }
    }
    if (stream.feedback !== undefined) {
      // DOC-101031: feedback only on the first reply, id ≤ 256 bytes.
      if (phase !== 'message') problems.push('stream.feedback is only allowed on the first reply to a message');
      if (!isRecord(stream.feedback) || typeof stream.feedback.id !== 'string') problems.push('stream.feedback.id must be a string');
      else if (utf8Bytes(stream.feedback.id) > BOT_FEEDBACK_ID_MAX_BYTES) problems.push(`stream.feedback.id is ${utf8Bytes(stream.feedback.id)} bytes, over ${BOT_FEEDBACK_ID_MAX_BYTES}`);
    }
    return problems;
  }

  // ---------------------------------------------------------------------------- events

  /** Sends one DOC-101027 event and checks the reply (enter_chat: text / template_card / empty; feedback_event: empty only). */
  async sendEvent(botId: string, body: Json, ctx: SimContext): Promise<{ ok: boolean; eventtype: BotEventType; msgid: string; status: number; empty: boolean; reply: unknown; plaintext: string | null; timestampType: 'number' | 'string' | null; violations: string[] }> {
    const bot = this.requireBot(botId);
    const { userId, eventtype, chatId } = body;
    if (typeof userId !== 'string' || !/^[A-Za-z0-9_.@-]{1,64}$/.test(userId)) throw new SmartBotControlError('userId must be 1..64 characters [A-Za-z0-9_.@-]');
    if (eventtype !== 'enter_chat' && eventtype !== 'feedback_event' && eventtype !== 'template_card_event') {
      throw new SmartBotControlError("eventtype must be 'enter_chat', 'feedback_event' or 'template_card_event'");
    }
    const chatType = body.chatType ?? (chatId === undefined ? 'single' : 'group');
    if (chatType !== 'single' && chatType !== 'group') throw new SmartBotControlError("chatType must be 'single' or 'group'");
    if (chatType === 'group' && (typeof chatId !== 'string' || chatId === '')) throw new SmartBotControlError('chatId is required in a group chat');
    // DOC-101027: enter_chat is the user opening the 1:1 chat with the bot.
    if (eventtype === 'enter_chat' && chatType !== 'single') throw new SmartBotControlError('enter_chat happens in single chats only (DOC-101027)');
    const event: Json = { eventtype };
    if (eventtype === 'feedback_event') {
      const feedback = body.feedback;
      if (!isRecord(feedback) || typeof feedback.id !== 'string' || ![1, 2, 3].includes(feedback.type as number)) {
        throw new SmartBotControlError('feedback must be {id: string, type: 1 | 2 | 3, content?}');
      }
      event.feedback_event = {
        id: feedback.id,
        type: feedback.type,
        ...(typeof feedback.content === 'string' ? { content: feedback.content } : {}),
        ...(Array.isArray(feedback.inaccurateReasons) ? { inaccurate_reason_list: feedback.inaccurateReasons } : {}),
      };
    }
    if (eventtype === 'template_card_event') {
      const card = isRecord(body.templateCard) ? body.templateCard : {};
      event.template_card_event = {
        card_type: typeof card.cardType === 'string' ? card.cardType : 'button_interaction',
        event_key: typeof card.eventKey === 'string' ? card.eventKey : 'button',
        task_id: typeof card.taskId === 'string' ? card.taskId : 'task',
      };
    }
    const msgid = this.newMsgId();
    const plaintext: Json = {
      msgid,
      create_time: Math.floor(ctx.clock.now() / 1000),
      aibotid: bot.botId,
      ...(chatType === 'group' ? { chatid: chatId } : {}),
      chattype: chatType,
      from: { userid: userId },
      msgtype: 'event',
      event,
    };
    const checked = await this.post(bot, plaintext, eventtype, undefined, ctx);
    return {
      ok: checked.violations.length === 0,
      eventtype,
      msgid,
      status: checked.status ?? 0,
      empty: checked.empty,
      reply: checked.reply ?? null,
      plaintext: checked.plaintext ?? null,
      timestampType: checked.timestampType ?? null,
      violations: checked.violations,
    };
  }

  // ---------------------------------------------------------------------------- media, response_url

  /** `GET /_sim/wecom/bot-media/{id}`: the encrypted bytes for 5 minutes of the simulator's clock. */
  serveMedia(id: string, ctx: SimContext): SimResponse {
    const media = this.media.get(id);
    if (!media || ctx.clock.now() >= media.expiresAt) {
      // UNCONFIRMED: what an expired media URL answers is not documented; an errcode-style 404 is played.
      return { status: 404, body: { errcode: 40007, errmsg: 'invalid media_id: the media url is unknown or expired (valid 5 minutes, DOC-100719)' } };
    }
    return { status: 200, headers: { 'content-type': media.contentType, 'content-length': String(media.encrypted.length) }, body: media.encrypted };
  }

  /**
   * `POST /cgi-bin/aibot/response?response_code=` (the message's response_url): recorded on the
   * conversation and answered errcode 0. UNCONFIRMED: valid 1 hour, once; anything else → 40029.
   */
  handleResponseUrl(req: SimRequest, ctx: SimContext): SimResponse {
    const code = req.query.get('response_code') ?? '';
    const state = this.responseCodes.get(code);
    const fail = (reason: string): SimResponse => {
      ctx.record({ platform: 'wecom', endpoint: 'aibot/response', method: req.method, path: req.path, query: Object.fromEntries(req.query), requestBody: req.body.toString('utf8'), status: 200, resultCode: 40029, responseBody: { errcode: 40029 }, reason });
      return { status: 200, body: { errcode: 40029, errmsg: `invalid code: ${reason}` } };
    };
    if (req.method !== 'POST') return fail('response_url expects POST');
    if (!state) return fail('unknown response_code');
    if (state.used) return fail('response_code already used');
    if (ctx.clock.now() >= state.expiresAt) return fail('response_code expired');
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return { status: 200, body: { errcode: 47001, errmsg: 'data format error: body is not JSON' } };
    }
    state.used = true;
    this.conversations.get(state.conversationId)?.responses.push(body);
    ctx.record({ platform: 'wecom', endpoint: 'aibot/response', method: 'POST', path: req.path, query: Object.fromEntries(req.query), requestBody: body, status: 200, resultCode: 0, responseBody: { errcode: 0, errmsg: 'ok' } });
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  }

  // ---------------------------------------------------------------------------- control API

  /**
   * `PUT /_sim/wecom/bots/{botId}`, `POST …/{botId}/verify-url`, `POST …/{botId}/messages`,
   * `GET …/{botId}/conversations`, `GET /_sim/wecom/bots/conversations/{id}`, `POST …/{botId}/events`,
   * `GET /_sim/wecom/bot-media/{id}`, `GET /_sim/wecom/bots` (bots, without secrets) and the page
   * `GET /_sim/wecom/bots/view` (`?fragment=1`: the part it re-fetches). The simulator's own base URL (media and response_url) is the
   * Host the control request came to, as the DingTalk jsapi script does (sim/dingtalk/h5.ts).
   */
  async handleControl(req: SimRequest, ctx: SimContext, parse: () => Json): Promise<SimResponse | undefined> {
    const json = (status: number, body: unknown): SimResponse => ({ status, body });
    const mediaMatch = /^\/_sim\/wecom\/bot-media\/([0-9a-f]{32})$/.exec(req.path);
    if (mediaMatch && req.method === 'GET') return this.serveMedia(mediaMatch[1]!, ctx);
    if (!req.path.startsWith('/_sim/wecom/bots')) return undefined;
    try {
      const byId = /^\/_sim\/wecom\/bots\/conversations\/([^/]+)$/.exec(req.path);
      if (byId && req.method === 'GET') {
        const conversation = this.conversations.get(decodeURIComponent(byId[1]!));
        return conversation ? json(200, conversation) : json(404, { error: `unknown conversation ${byId[1]!}` });
      }
      if (req.path === '/_sim/wecom/bots' && req.method === 'GET') {
        return json(200, { bots: [...this.bots.values()].map(({ token: _t, encodingAesKey: _k, ...rest }) => rest) });
      }
      if (req.path === '/_sim/wecom/bots/view' && req.method === 'GET') {
        const bots: BotSummary[] = [...this.bots.values()].map((b) => ({ botId: b.botId, name: b.name }));
        const html = req.query.get('fragment') === '1' ? renderBotConversations(this.list(), bots) : renderBotConversationsPage(this.list(), bots);
        return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: html };
      }
      const match = /^\/_sim\/wecom\/bots\/([^/]+)(\/[a-z-]+)?$/.exec(req.path);
      if (!match) return undefined;
      const botId = decodeURIComponent(match[1]!);
      const action = match[2] ?? '';
      if (action === '' && req.method === 'PUT') {
        const config = this.configure(botId, parse());
        return json(200, { ok: true, botId: config.botId, name: config.name, callbackUrl: config.callbackUrl, ...(config.corpId ? { corpId: config.corpId } : {}) });
      }
      if (action === '/verify-url' && req.method === 'POST') return json(200, await this.verifyUrl(botId, ctx));
      if (action === '/messages' && req.method === 'POST') {
        const baseUrl = `http://${req.headers.host ?? '127.0.0.1'}`;
        const body = parse();
        const { conversationId, done } = await this.sendMessage(botId, body, baseUrl, ctx);
        if (body.wait === true) {
          await done;
          return json(200, this.conversations.get(conversationId) ?? { conversationId });
        }
        void done;
        return json(200, { conversationId });
      }
      if (action === '/conversations' && req.method === 'GET') {
        this.requireBot(botId);
        return json(200, { conversations: this.list(botId) });
      }
      if (action === '/events' && req.method === 'POST') return json(200, await this.sendEvent(botId, parse(), ctx));
      return undefined;
    } catch (error) {
      if (error instanceof SmartBotControlError) return json(error.httpStatus, { error: error.message });
      if (error instanceof SyntaxError) return json(400, { error: error.message });
      throw error;
    }
  }
}

/**
 * The answer to a template_card_event (DOC-101027): `{response_type: 'update_template_card',
 * userids?, template_card}` whose task_id is the clicked card's ("模板卡片中的task_id需跟回调收到的task_id一致").
 */
function checkCardUpdateReply(reply: Json, eventTaskId: string | undefined): string[] {
  if (reply.response_type !== 'update_template_card') {
    return [`a template_card_event is answered with response_type 'update_template_card' or an empty body, got ${JSON.stringify(reply.response_type ?? reply.msgtype)} (DOC-101027)`];
  }
  const problems: string[] = [];
  const card = reply.template_card;
  if (!isRecord(card) || typeof card.card_type !== 'string') problems.push('template_card must be an object with card_type');
  else if (card.task_id !== eventTaskId) problems.push(`template_card.task_id ${JSON.stringify(card.task_id)} is not the event's task_id ${JSON.stringify(eventTaskId)}`);
  if (reply.userids !== undefined && (!Array.isArray(reply.userids) || !reply.userids.every((id) => typeof id === 'string'))) problems.push('userids must be an array of userids');
  return problems;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
