/**
 * The bot-replies queue's message (issue 15): one smart bot message the worker answers into the
 * stream the callback opened. Validated on the way out of the queue like every other job; zod/mini
 * keeps the bundles small. Limits follow the callback's: msgid ≤ 256, text ≤ 64 KiB (WeCom text is
 * far shorter), media URLs ≤ 4096, at most 100 items (DOC-100719 mixed messages).
 */
import * as z from 'zod/mini';

const media = z.object({ type: z.enum(['image', 'file']), url: z.string().check(z.minLength(1), z.maxLength(4096)) });

export const botReplyJobSchema = z.object({
  kind: z.literal('bot.reply'),
  integrationId: z.string().check(z.minLength(1), z.maxLength(128)),
  streamId: z.string().check(z.minLength(1), z.maxLength(256)),
  msgid: z.string().check(z.minLength(1), z.maxLength(256)),
  userId: z.string().check(z.minLength(1), z.maxLength(256)),
  chatId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  chatType: z.enum(['single', 'group']),
  text: z.string().check(z.maxLength(65_536)),
  media: z.array(media).check(z.maxLength(100)),
  receivedAt: z.number().check(z.int(), z.nonnegative()),
});
