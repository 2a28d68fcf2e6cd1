/** The contract of the card-refresh queue. */
import * as z from 'zod/mini';

export const cardRefreshMessageSchema = z.object({
  incidentId: z.string().check(z.minLength(1), z.maxLength(128)),
  requestedAt: z.number(),
  /** Epoch ms before which the refresh must not run (a snooze ending); re-queued until then. */
  notBefore: z.optional(z.number()),
});
export type CardRefreshMessage = z.infer<typeof cardRefreshMessageSchema>;

/** SQS DelaySeconds is at most 15 minutes; longer waits are chained. */
export const MAX_SQS_DELAY_SECONDS = 900;
