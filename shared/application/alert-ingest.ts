/**
 * The alert webhooks (issue 18): POST /ingest/alertmanager|grafana|events/{sourceId}.
 *
 * Alertmanager waits for the answer (and retries only 5xx), and one webhook may carry thousands of
 * alerts, so nothing slow happens here: authenticate, validate, cut the payload into whole alert
 * groups per queue message, queue them, answer 200. The alert-incidents worker turns groups into
 * incident events. An `events` source speaks the incident event contract itself; its events go
 * straight onto the incident-events queue, as if published by SQS.
 *
 * Every refusal changes nothing: unknown source, wrong kind, missing or wrong credentials all get
 * the same 401 (no echo of the id); malformed JSON or payload 400 with the reason.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { groupAlerts, parseAlertPayload, splitGroups } from '../domain/alert-payloads';
import type { AlertSource } from '../domain/alert-sources';
import { BadRequestError } from '../domain/errors';
import { incidentEventSchema, type IncidentEvent } from '../domain/incident-events';
import { NotAuthenticatedError } from './callback-auth';
import type { AlertIngestJobs, AlertSourceRepository, AlertSourceSecretsReader, IncidentEventPublisher } from './alert-ports';
import { jsonResponse, type CallbackRequest, type CallbackResponse } from './http-types';
import type { Clock } from './ports';

export type AlertSourceKind = AlertSource['kind'];

export interface AlertIngestDeps {
  readonly sources: AlertSourceRepository;
  readonly secrets: AlertSourceSecretsReader;
  readonly jobs: AlertIngestJobs;
  readonly events: IncidentEventPublisher;
  readonly clock: Clock;
}

/** SQS takes 256 KiB per message; the groups' JSON stays well below it with the envelope. */
export const ALERT_JOB_MAX_BYTES = 200 * 1024;
/** An HMAC-signed request is accepted this long after its timestamp (and as long before). */
export const HMAC_WINDOW_MS = 5 * 60_000;
/** Events per request of an `events` source. */
export const MAX_EVENTS_PER_REQUEST = 500;

const sourceIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const eventsBodySchema = z.union([incidentEventSchema, z.array(incidentEventSchema).check(z.minLength(1), z.maxLength(MAX_EVENTS_PER_REQUEST))]);

export type AlertIngestOutcome = 'alerts_queued' | 'events_published' | 'nothing_to_do';

export class AlertIngestUseCase {
  constructor(private readonly deps: AlertIngestDeps) {}

  async accept(kind: AlertSourceKind, request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: AlertIngestOutcome }> {
    const source = sourceIdPattern.test(request.integrationId) ? await this.deps.sources.get(request.integrationId) : undefined;
    if (!source || source.kind !== kind) throw new NotAuthenticatedError();
    await this.authenticate(source, request);
    const json = parseJson(request.body);
    if (kind === 'events') return this.publishEvents(json);

    const parsed = parseAlertPayload(kind, json);
    if (!parsed.ok) throw new BadRequestError('invalid_payload', `not an ${kind === 'alertmanager' ? 'Alertmanager (webhook version 4)' : 'Grafana webhook'} payload: ${parsed.reason}`);
    const groups = groupAlerts(parsed.notification, source.grouping, source.id);
    if (groups.length === 0) return { response: jsonResponse(200, { accepted: 0, groups: 0 }), outcome: 'nothing_to_do' };
    const receivedAt = this.deps.clock.nowMs();
    const jobs = splitGroups(groups, ALERT_JOB_MAX_BYTES).map((chunk) => ({ kind: 'alert.groups' as const, sourceId: source.id, receivedAt, groups: chunk }));
    await this.deps.jobs.requestAll(jobs);
    const alerts = groups.reduce((n, g) => n + g.alerts.length, 0);
    return { response: jsonResponse(200, { accepted: alerts, groups: groups.length }), outcome: 'alerts_queued' };
  }

  private async publishEvents(json: unknown): Promise<{ response: CallbackResponse; outcome: AlertIngestOutcome }> {
    const parsed = eventsBodySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BadRequestError('invalid_payload', `not an incident event (or an array of up to ${MAX_EVENTS_PER_REQUEST}): ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
    }
    const events: IncidentEvent[] = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    await this.deps.events.publishAll(events);
    return { response: jsonResponse(200, { accepted: events.length }), outcome: 'events_published' };
  }

  /**
   * Bearer: `Authorization: Bearer <token>` (Alertmanager's and Grafana's `http_config.authorization`).
   * HMAC: `X-Dutybridge-Timestamp: <unix seconds>` and `X-Dutybridge-Signature: sha256=<hex of
   * HMAC-SHA256(secret, "<timestamp>.<body>")>` within ±5 minutes, for senders that sign.
   */
  private async authenticate(source: AlertSource, request: CallbackRequest): Promise<void> {
    const secrets = await this.deps.secrets.read(source);
    if (source.auth === 'bearer') {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!secrets.token || !match || !sameText(match[1]!, secrets.token)) throw new NotAuthenticatedError();
      return;
    }
    const timestamp = request.headers['x-dutybridge-timestamp'] ?? '';
    const signature = (request.headers['x-dutybridge-signature'] ?? '').replace(/^sha256=/i, '');
    if (!secrets.hmacSecret || !/^\d{9,11}$/.test(timestamp) || !/^[0-9a-f]{64}$/i.test(signature)) throw new NotAuthenticatedError();
    if (Math.abs(this.deps.clock.nowMs() - Number(timestamp) * 1000) > HMAC_WINDOW_MS) throw new NotAuthenticatedError();
    const expected = createHmac('sha256', secrets.hmacSecret).update(`${timestamp}.`).update(request.body).digest('hex');
    if (!sameText(signature.toLowerCase(), expected)) throw new NotAuthenticatedError();
  }
}

/** Constant-time comparison (the lengths may differ: compare digests of both). */
function sameText(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'dutybridge').update(given).digest();
  const b = createHmac('sha256', 'dutybridge').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8').trim();
  if (text === '') throw new BadRequestError('empty_body', 'request body is empty');
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('invalid_json', 'request body is not valid JSON');
  }
}
