/**
 * Messages of the alert queues (issue 18), validated on the way out like every other job (zod/mini).
 * alert-ingest: whole alert groups the webhook accepted; alert-silences: a copy of a card's
 * incident.action on an alert incident.
 */
import * as z from 'zod/mini';

const record = z.record(z.string(), z.string());
const alert = z.object({
  fingerprint: z.string().check(z.minLength(1), z.maxLength(128)),
  status: z.enum(['firing', 'resolved']),
  labels: record,
  annotations: record,
  startsAt: z.string(),
  endsAt: z.optional(z.string()),
  generatorURL: z.optional(z.string()),
});

export const alertGroupSchema = z.object({
  incidentId: z.string().check(z.minLength(1), z.maxLength(128)),
  key: z.string().check(z.minLength(1)),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(alert),
  groupLabels: record,
  commonLabels: record,
  commonAnnotations: record,
  externalURL: z.optional(z.string()),
  truncatedAlerts: z.number().check(z.int(), z.nonnegative()),
});

export const alertIngestJobSchema = z.object({
  kind: z.literal('alert.groups'),
  sourceId: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/)),
  receivedAt: z.number(),
  groups: z.array(alertGroupSchema).check(z.minLength(1)),
});

export const incidentActionMessageSchema = z.object({
  type: z.literal('incident.action'),
  incidentId: z.string().check(z.minLength(1), z.maxLength(128)),
  action: z.enum(['acknowledge', 'resolve', 'snooze']),
  snoozeMinutes: z.optional(z.number().check(z.int(), z.positive())),
  actor: z.object({ email: z.string(), platform: z.optional(z.string()), userId: z.optional(z.string()) }),
  at: z.string(),
  idempotencyKey: z.string().check(z.minLength(1), z.maxLength(128)),
});
