/**
 * WeCom smart bot (智能机器人, API mode; wecom.md §3, DOC-100719 / 101027 / 101031): what a bot
 * callback carries once decrypted, the stream a reply grows in, and the platform's limits on it.
 * Pure: no I/O. The callback and the reply worker (shared/application/smart-bot-*.ts) use it.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { truncateText, utf8ByteLength } from './text-budget';

/** stream.content: "最长不超过20480个字节，必须是utf8编码" (DOC-101031). */
export const STREAM_CONTENT_MAX_BYTES = 20_480;
/** WeCom polls a stream "从用户发消息开始最多等待6min，超过6min结束推送" (DOC-100719). */
export const STREAM_WINDOW_MS = 6 * 60_000;
/** stream.feedback.id: "长度不超过256字节" (DOC-101031). */
export const FEEDBACK_ID_MAX_BYTES = 256;
/** file.url "最大支持100M" (DOC-100719); dutybridge keeps media in memory, so it takes far less. */
export const DEFAULT_MEDIA_MAX_BYTES = 10 * 1024 * 1024;

const from = z.object({ userid: z.string().check(z.minLength(1), z.maxLength(256)), corpid: z.optional(z.string()) });
const common = {
  msgid: z.string().check(z.minLength(1), z.maxLength(256)),
  aibotid: z.optional(z.string()),
  chatid: z.optional(z.string()),
  chattype: z.optional(z.enum(['single', 'group'])),
  from: z.optional(from),
  response_url: z.optional(z.string()),
  create_time: z.optional(z.number()),
};
const url = z.object({ url: z.string().check(z.minLength(1), z.maxLength(4096)) });
const mixedItem = z.union([
  z.object({ msgtype: z.literal('text'), text: z.object({ content: z.string() }) }),
  z.object({ msgtype: z.literal('image'), image: url }),
]);

/**
 * The decrypted JSON of a bot callback (DOC-100719 messages, DOC-101027 events). Unknown fields
 * are ignored (WeCom adds fields); unknown event types parse and are answered with an empty reply.
 */
export const botInboundSchema = z.discriminatedUnion('msgtype', [
  z.object({ ...common, msgtype: z.literal('text'), from, text: z.object({ content: z.string().check(z.maxLength(65_536)) }) }),
  z.object({ ...common, msgtype: z.literal('voice'), from, voice: z.object({ content: z.string().check(z.maxLength(65_536)) }) }),
  z.object({ ...common, msgtype: z.literal('image'), from, image: url }),
  z.object({ ...common, msgtype: z.literal('file'), from, file: url }),
  z.object({ ...common, msgtype: z.literal('mixed'), from, mixed: z.object({ msg_item: z.array(mixedItem).check(z.maxLength(100)) }) }),
  z.object({ ...common, msgtype: z.literal('stream'), stream: z.object({ id: z.string().check(z.minLength(1), z.maxLength(256)) }) }),
  z.object({
    ...common,
    msgtype: z.literal('event'),
    event: z.looseObject({ eventtype: z.string().check(z.minLength(1), z.maxLength(64)) }),
  }),
]);
export type BotInbound = z.infer<typeof botInboundSchema>;
export type BotMessage = Exclude<BotInbound, { msgtype: 'stream' } | { msgtype: 'event' }>;

/** An image or file of a message: its URL (valid 5 minutes, encrypted with the bot's key). */
export interface BotMedia {
  readonly type: 'image' | 'file';
  readonly url: string;
}

/** The words and media of a message, whatever its msgtype. */
export function messageContent(message: BotMessage): { readonly text: string; readonly media: readonly BotMedia[] } {
  switch (message.msgtype) {
    case 'text':
      return { text: message.text.content, media: [] };
    case 'voice':
      // "语音消息…转成文本" (DOC-100719): the transcription arrives as content.
      return { text: message.voice.content, media: [] };
    case 'image':
      return { text: '', media: [{ type: 'image', url: message.image.url }] };
    case 'file':
      return { text: '', media: [{ type: 'file', url: message.file.url }] };
    case 'mixed': {
      const text = message.mixed.msg_item.flatMap((item) => (item.msgtype === 'text' ? [item.text.content] : [])).join('\n');
      const media = message.mixed.msg_item.flatMap((item): BotMedia[] => (item.msgtype === 'image' ? [{ type: 'image', url: item.image.url }] : []));
      return { text, media };
    }
  }
}

/**
 * In a group the text starts with the @mention ("@RobotA hello robot", DOC-100719): drop a leading
 * @name (up to the first whitespace) so commands parse the same in a group and a 1:1 chat.
 */
export function stripLeadingMention(text: string): string {
  return text.replace(/^\s*@\S+\s*/u, '').trim();
}

/**
 * The stream id of a message: derived from (integration, msgid), so WeCom's retry of the same
 * message (msgid is the dedupe key) gets the same stream rather than a second answer.
 */
export function botStreamId(integrationId: string, msgid: string): string {
  return `s${createHash('sha256').update(`${integrationId}\u0000${msgid}`).digest('hex').slice(0, 40)}`;
}

/** One reply being written: the worker writes `content` (cumulative), refresh callbacks read it. */
export interface BotStream {
  readonly integrationId: string;
  readonly streamId: string;
  readonly msgid: string;
  /** Who asked (WeCom userid) and where (chatid in groups). */
  readonly userId: string;
  readonly chatId?: string;
  readonly chatType: 'single' | 'group';
  /** When the message arrived (epoch ms): the 6-minute window counts from here. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Cumulative markdown so far (WeCom shows the latest content, not a concatenation). */
  readonly content: string;
  readonly finished: boolean;
  /** The reply job is on the queue (a callback that died before enqueueing leaves false). */
  readonly queued: boolean;
}

/** Shown while the worker has not written anything yet. */
export const STREAM_PLACEHOLDER = '⏳ 正在处理… Working on it…';
/** Appended when the window ran out before the worker finished. */
export const STREAM_TIMEOUT_NOTE = '\n\n> ⌛ 超时，未完成。Timed out before the answer was complete.';

/** Content cut to WeCom's byte limit on a UTF-8 boundary (never half a character). */
export function fitStreamContent(content: string): string {
  return utf8ByteLength(content) <= STREAM_CONTENT_MAX_BYTES ? content : truncateText(content, { maxBytes: STREAM_CONTENT_MAX_BYTES });
}

/**
 * What a refresh callback is answered with now: the stored content, finished when the worker
 * finished or when WeCom's 6-minute window is over (WeCom stops polling then anyway).
 */
export function streamAnswer(stream: BotStream | undefined, nowMs: number): { readonly content: string; readonly finish: boolean } {
  if (!stream) return { content: '', finish: true };
  if (stream.finished) return { content: fitStreamContent(stream.content), finish: true };
  const sofar = stream.content || STREAM_PLACEHOLDER;
  if (nowMs - stream.createdAt >= STREAM_WINDOW_MS) return { content: fitStreamContent(sofar + STREAM_TIMEOUT_NOTE), finish: true };
  return { content: fitStreamContent(sofar), finish: false };
}

/** The passive reply's plaintext (DOC-101031): a stream reply. */
export function streamReply(streamId: string, answer: { content: string; finish: boolean }, feedbackId?: string): Record<string, unknown> {
  return {
    msgtype: 'stream',
    stream: { id: streamId, finish: answer.finish, content: answer.content, ...(feedbackId ? { feedback: { id: feedbackId } } : {}) },
  };
}

/** The passive text reply, accepted only for enter_chat (DOC-101031). */
export function textReply(content: string): Record<string, unknown> {
  return { msgtype: 'text', text: { content } };
}
