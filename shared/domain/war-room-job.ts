/**
 * The war-room queue's message (issue 14): which incident's rooms to reconcile and why.
 * zod/mini keeps the bundles small.
 */
import * as z from 'zod/mini';

export const warRoomJobSchema = z.object({
  incidentId: z.string().check(z.minLength(1), z.maxLength(128)),
  reason: z.enum(['requested', 'dismissed', 'sync']),
  requestedBy: z.optional(z.string().check(z.maxLength(254))),
});
