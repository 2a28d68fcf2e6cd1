/** The contract of the card-refresh queue. */
import * as z from 'zod/mini';

export const cardRefreshMessageSchema = z.object({
  incidentId: z.string().check(z.minLength(1), z.maxLength(128)),
  requestedAt: z.number(),
  /** Epoch ms before which the refresh must not run (a snooze ending); re-queued until then. */
  notBefore: z.optional(z.number()),
  /** War Room (issue 14): first deliver the incident card into this DingTalk scene group, by its template's robot. */
  warRoomCard: z.optional(
    z.object({
      integrationId: z.string().check(z.minLength(1), z.maxLength(63)),
      openConversationId: z.string().check(z.minLength(1), z.maxLength(256)),
      robotCode: z.string().check(z.minLength(1), z.maxLength(128)),
    }),
  ),
});
export type CardRefreshMessage = z.infer<typeof cardRefreshMessageSchema>;

/** SQS DelaySeconds is at most 15 minutes; longer waits are chained. */
export const MAX_SQS_DELAY_SECONDS = 900;
