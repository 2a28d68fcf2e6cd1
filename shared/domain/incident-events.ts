/**
 * The incident event contract: what other services publish to the incident-events queue.
 * Exported as JSON Schema under schemas/ (npm run schemas).
 */
import * as z from 'zod/mini';

export const severitySchema = z.enum(['Critical', 'Warning', 'Info']);

const email = z.email().check(z.maxLength(254));

export const targetSchema = z.object({
  integrationId: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/)),
  /** Member emails to notify 1:1 in this integration (resolved through the link store). */
  persons: z._default(z.array(email).check(z.maxLength(5000)), []),
  /** Group chats: WeCom appchat chatid or DingTalk openConversationId. */
  groups: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.maxLength(100)), []),
  /** Group bots of this integration (names from `dutybridge bots add`) that post the incident and @mention its responders. */
  bots: z._default(z.array(z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/))).check(z.maxLength(20)), []),
});

const incidentBase = {
  incidentId: z.string().check(z.minLength(1), z.maxLength(128)),
  /** Monotonically increasing per incident; stale versions are ignored. */
  version: z.number().check(z.int(), z.nonnegative()),
  occurredAt: z.iso.datetime({ offset: true }),
  title: z.string().check(z.minLength(1), z.maxLength(512)),
  severity: severitySchema,
  description: z._default(z.string().check(z.maxLength(8192)), ''),
  labels: z._default(z.record(z.string().check(z.maxLength(128)), z.string().check(z.maxLength(512))), {}),
  detailUrl: z.optional(z.url({ protocol: /^https?$/ })),
  responders: z._default(z.array(email).check(z.maxLength(5000)), []),
  targets: z._default(z.array(targetSchema).check(z.maxLength(50)), []),
};

export const incidentEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('incident.triggered'), ...incidentBase }),
  z.object({ type: z.literal('incident.updated'), ...incidentBase }),
  z.object({ type: z.literal('incident.acknowledged'), ...incidentBase, actorEmail: z.optional(email) }),
  z.object({ type: z.literal('incident.snoozed'), ...incidentBase, until: z.iso.datetime({ offset: true }) }),
  z.object({ type: z.literal('incident.resolved'), ...incidentBase, actorEmail: z.optional(email) }),
  z.object({ type: z.literal('incident.reopened'), ...incidentBase }),
  z.object({
    type: z.literal('member.upserted'),
    email,
    name: z.string().check(z.minLength(1), z.maxLength(128)),
    /** With country code, e.g. +86-13800000000. */
    mobile: z.optional(z.string().check(z.regex(/^\+\d{1,4}-?\d{4,14}$/))),
  }),
  z.object({ type: z.literal('member.removed'), email }),
  // War Room (issue 14): open a group chat per War-Room-enabled integration with the incident's
  // responders, or close them (a closing message; the chats are kept). Not part of the incident's
  // version stream: they change no card and need no version.
  z.object({
    type: z.literal('incident.war_room_requested'),
    incidentId: incidentBase.incidentId,
    /** Who asked, for the operation log. */
    requestedBy: z.optional(email),
  }),
  z.object({ type: z.literal('incident.war_room_dismissed'), incidentId: incidentBase.incidentId }),
]);
export type IncidentEvent = z.infer<typeof incidentEventSchema>;
