/** JSON Schema documents of the queue contracts (generated from the zod schemas). */
import * as z from 'zod/mini';
import { cardRefreshMessageSchema } from './card-refresh';
import { inboundCallbackMessageSchema } from './inbound';
import { incidentEventSchema } from './incident-events';

const incidentActionSchema = z.object({
  type: z.literal('incident.action'),
  incidentId: z.string(),
  action: z.enum(['acknowledge', 'resolve', 'snooze']),
  snoozeMinutes: z.optional(z.number().check(z.int())),
  actor: z.object({ email: z.string(), platform: z.optional(z.string()), userId: z.optional(z.string()) }),
  at: z.string(),
  idempotencyKey: z.string(),
});

const warRoomActionSchema = z.object({
  type: z.literal('incident.war_room'),
  incidentId: z.string(),
  integrationId: z.string(),
  platform: z.enum(['wecom', 'dingtalk']),
  state: z.enum(['open', 'closed']),
  chatId: z.string(),
  name: z.string(),
  joinUrl: z.optional(z.string()),
  at: z.string(),
  idempotencyKey: z.string(),
});

export function schemaDocuments(): Record<string, unknown> {
  const doc = (title: string, schema: z.ZodMiniType, io: 'input' | 'output') => ({ title, ...z.toJSONSchema(schema, { io }) });
  return {
    'incident-event.schema.json': doc('dutybridge incident-events queue message', incidentEventSchema, 'input'),
    'incident-action.schema.json': doc('dutybridge incident-actions queue message (incident.action or incident.war_room)', z.union([incidentActionSchema, warRoomActionSchema]), 'output'),
    'inbound-callback.schema.json': doc('dutybridge inbound-callbacks queue message', inboundCallbackMessageSchema, 'output'),
    'card-refresh.schema.json': doc('dutybridge card-refresh queue message', cardRefreshMessageSchema, 'output'),
  };
}
