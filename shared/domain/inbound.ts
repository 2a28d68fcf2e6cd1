/**
 * The contract of the inbound-callbacks queue: callbacks that were verified, decrypted and
 * de-duplicated by the callback functions, waiting for process-inbound.
 */
import * as z from 'zod/mini';

export const weComSelectedItemSchema = z.object({
  questionKey: z.string(),
  optionIds: z.array(z.string()),
});

export const weComCallbackEventSchema = z.object({
  msgType: z.string(),
  event: z.optional(z.string()),
  toUserName: z.string(),
  fromUserName: z.string(),
  /** Seconds, kept as the string WeCom sent. */
  createTime: z.string(),
  /** 64-bit id (exceeds 2^53): always a string. */
  msgId: z.optional(z.string()),
  agentId: z.optional(z.string()),
  eventKey: z.optional(z.string()),
  taskId: z.optional(z.string()),
  cardType: z.optional(z.string()),
  responseCode: z.optional(z.string()),
  changeType: z.optional(z.string()),
  selectedItems: z.array(weComSelectedItemSchema),
});
export type WeComCallbackEvent = z.infer<typeof weComCallbackEventSchema>;

export const dingTalkEventSchema = z.object({
  eventType: z.string(),
  eventId: z.optional(z.string()),
  corpId: z.optional(z.string()),
  /** Milliseconds. */
  eventTime: z.number(),
  /** The decrypted payload, keys as DingTalk sent them (camelCase or legacy PascalCase). */
  data: z.record(z.string(), z.unknown()),
});
export type DingTalkEvent = z.infer<typeof dingTalkEventSchema>;

export const inboundCallbackMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('wecom.event'),
    integrationId: z.string(),
    dedupeKey: z.string(),
    receivedAt: z.string(),
    event: weComCallbackEventSchema,
  }),
  z.object({
    kind: z.literal('dingtalk.event'),
    integrationId: z.string(),
    dedupeKey: z.string(),
    receivedAt: z.string(),
    event: dingTalkEventSchema,
  }),
]);
export type InboundCallbackMessage = z.infer<typeof inboundCallbackMessageSchema>;

/** WeCom events dutybridge acts on; every other event is recorded and ignored. */
export const recognisedWeComEvents = new Set(['template_card_event', 'template_card_menu_event', 'enter_agent', 'change_contact']);
