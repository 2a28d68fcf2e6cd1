/**
 * `dutybridge events publish FILE|-` validates an incident event against the contract and puts it
 * on the incident-events queue; `dutybridge demo-incident` publishes a ready-made incident for the
 * demo integrations of the local stack (then click it in the simulator's view).
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getSqsClient } from '../shared/adapters/aws/clients';
import { incidentEventSchema } from '../shared/domain/incident-events';
import { explainIssues } from '../shared/domain/explain-issues';
import { CliUsageError } from './target';

/** The event as the contract reads it, or a usage error naming each wrong field and what it must be. */
export function checkEvent(raw: unknown): unknown {
  const parsed = incidentEventSchema.safeParse(raw);
  if (!parsed.success) throw new CliUsageError(`the event does not match the contract: ${explainIssues(parsed.error.issues, raw)}`);
  return parsed.data;
}

export async function publishEvent(queueUrl: string, raw: unknown): Promise<{ messageId: string; event: unknown }> {
  const parsed = { data: checkEvent(raw) };
  const out = await getSqsClient().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(raw) }));
  return { messageId: out.MessageId ?? '', event: parsed.data };
}

export function readEventFile(file: string): unknown {
  const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new CliUsageError(`${file} is not JSON`);
  }
}

export function demoIncident(options: { title?: string; severity?: string }): object {
  const id = `DEMO-${randomBytes(3).toString('hex').toUpperCase()}`;
  return {
    type: 'incident.triggered',
    incidentId: id,
    version: 1,
    occurredAt: new Date().toISOString(),
    title: options.title ?? 'Checkout error rate above 5%',
    severity: options.severity ?? 'Critical',
    description: 'payments-api answers 5xx for 7.2% of requests (threshold 5%) for 5 minutes',
    detailUrl: `https://incidents.example.com/${id}`,
    responders: ['alice@example.com', 'zhangwei@example.com'],
    targets: [
      // demo-wecom's group bot posts it into the on-call group, @mentioning the responders by phone.
      { integrationId: 'demo-wecom', bots: ['oncall'] },
      { integrationId: 'demo-dingtalk', persons: ['alice@example.com'] },
    ],
  };
}
