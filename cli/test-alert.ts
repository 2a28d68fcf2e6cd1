/**
 * `dutybridge test-alert --integration ID [--bot NAME] [--to EMAIL …] [--severity S]` (issue 11
 * item 7, seed 004 "Verify the result"): publishes a clearly marked test incident to the
 * incident-events queue so an admin can check cards and @mentions end to end. The incident is
 * marked three ways: the title starts "[TEST] 【测试】", the label dutybridge.test=true, and the
 * description says it is a test and how to close it.
 */
import { randomBytes } from 'node:crypto';
import { severitySchema } from '../shared/domain/incident-events';
import { CliUsageError } from './target';

export const TEST_TITLE_PREFIX = '[TEST] 【测试】';
export const TEST_LABEL = 'dutybridge.test';
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const BOT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface TestAlertFlags {
  readonly integrationId: string;
  readonly bot?: string;
  readonly to: string[];
  readonly severity: 'Critical' | 'Warning' | 'Info';
}

/** The flags, refused before any stack is opened when they are wrong. */
export function parseTestAlertFlags(values: { integration?: string; bot?: string; to?: string[]; severity?: string }): TestAlertFlags {
  if (!values.integration) throw new CliUsageError('test-alert needs --integration ID');
  const to = (values.to ?? []).flatMap((t) => t.split(',')).map((t) => t.trim().toLowerCase()).filter(Boolean);
  const bad = to.filter((t) => !EMAIL.test(t) || t.length > 254);
  if (bad.length) throw new CliUsageError(`--to: not an email address: ${bad.join(', ')}`);
  const severity = values.severity ?? 'Info';
  if (!severitySchema.options.includes(severity as never)) throw new CliUsageError(`--severity must be one of ${severitySchema.options.join(', ')}`);
  if (values.bot !== undefined) {
    if (!BOT_NAME.test(values.bot)) throw new CliUsageError(`--bot: "${values.bot}" is not a bot name (lower-case letters, digits, _ and -)`);
  }
  return { integrationId: values.integration, ...(values.bot !== undefined ? { bot: values.bot } : {}), to: [...new Set(to)], severity: severity as TestAlertFlags['severity'] };
}

/** The test incident: persons (and responders, so bots @mention them) and the bot if named. */
export function testIncident(flags: TestAlertFlags, persons: readonly string[], nowMs: number): { incidentId: string; event: Record<string, unknown> } {
  const incidentId = `TEST-${randomBytes(4).toString('hex').toUpperCase()}`;
  const target: Record<string, unknown> = { integrationId: flags.integrationId, persons: [...persons] };
  if (flags.bot !== undefined) target.bots = [flags.bot];
  return {
    incidentId,
    event: {
      type: 'incident.triggered',
      incidentId,
      version: 1,
      occurredAt: new Date(nowMs).toISOString(),
      title: `${TEST_TITLE_PREFIX} dutybridge test alert`,
      severity: flags.severity,
      description:
        'This is a test alert sent by an administrator with `dutybridge test-alert` to check that cards and @mentions arrive. Nothing is wrong. ' +
        'Close it with Resolve on the card (or just ignore it). 这是管理员用 dutybridge test-alert 发送的测试告警，用于检查卡片和 @提醒 是否送达，并无故障。可在卡片上点击“解决”关闭，或忽略。',
      labels: { [TEST_LABEL]: 'true' },
      responders: [...persons],
      targets: [target],
    },
  };
}
