/**
 * The incident event contract: what other services publish to the incident-events queue.
 * Exported as JSON Schema under schemas/ (npm run schemas).
 */
import { z } from 'zod';

export const severitySchema = z.enum(['Critical', 'Warning', 'Info']);

const email = z.email().max(254);

export const targetSchema = z.object({
  integrationId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  /** Member emails to notify 1:1 in this integration (resolved through the link store). */
  persons: z.array(email).max(5000).default([]),
  /** Group chats: WeCom appchat chatid or DingTalk openConversationId. */
  groups: z.array(z.string().min(1).max(128)).max(100).default([]),
});

const incidentBase = {
  incidentId: z.string().min(1).max(128),
  /** Monotonically increasing per incident; stale versions are ignored. */
  version: z.number().int().nonnegative(),
  occurredAt: z.iso.datetime({ offset: true }),
  title: z.string().min(1).max(512),
  severity: severitySchema,
  description: z.string().max(8192).default(''),
  labels: z.record(z.string().max(128), z.string().max(512)).default({}),
  detailUrl: z.url({ protocol: /^https?$/ }).optional(),
  responders: z.array(email).max(5000).default([]),
  targets: z.array(targetSchema).max(50).default([]),
};

export const incidentEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('incident.triggered'), ...incidentBase }),
  z.object({ type: z.literal('incident.updated'), ...incidentBase }),
  z.object({ type: z.literal('incident.acknowledged'), ...incidentBase, actorEmail: email.optional() }),
  z.object({ type: z.literal('incident.snoozed'), ...incidentBase, until: z.iso.datetime({ offset: true }) }),
  z.object({ type: z.literal('incident.resolved'), ...incidentBase, actorEmail: email.optional() }),
  z.object({ type: z.literal('incident.reopened'), ...incidentBase }),
  z.object({
    type: z.literal('member.upserted'),
    email,
    name: z.string().min(1).max(128),
    /** With country code, e.g. +86-13800000000. */
    mobile: z.string().regex(/^\+\d{1,4}-?\d{4,14}$/).optional(),
  }),
  z.object({ type: z.literal('member.removed'), email }),
]);
export type IncidentEvent = z.infer<typeof incidentEventSchema>;
