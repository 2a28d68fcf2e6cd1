/**
 * `events publish` (and `demo-incident`) check an incident event's targets against the
 * integrations of the target stack before sending: notify records an unknown integration as a drop
 * (and does not apply an event whose every target is unknown), and an event without targets
 * reaches nobody. By default each problem is a warning on stderr, naming the known integration
 * ids; `--strict` refuses to send instead (exit 2).
 */
import type { IntegrationRepository } from '../shared/application/ports';
import { CliUsageError } from './target';

export interface EventTargetCheck {
  /** Target integration ids the stack does not have, in the event's order. */
  readonly unknown: readonly string[];
  /** Every integration id the stack has. */
  readonly known: readonly string[];
  /** An incident event that names no targets at all. */
  readonly noTargets: boolean;
  /** Whether every target is unknown (notify then does not apply the event). */
  readonly allUnknown: boolean;
}

/** What is wrong with an (already validated) event's targets; member events have none to check. */
export async function checkEventTargets(event: unknown, integrations: Pick<IntegrationRepository, 'list'>): Promise<EventTargetCheck> {
  const e = event as { type?: string; targets?: { integrationId: string }[] };
  const targets = typeof e.type === 'string' && e.type.startsWith('incident.') ? (e.targets ?? []) : undefined;
  if (targets === undefined) return { unknown: [], known: [], noTargets: false, allUnknown: false };
  const known = (await integrations.list()).map((i) => i.id).sort();
  const unknown = [...new Set(targets.map((t) => t.integrationId).filter((id) => !known.includes(id)))];
  return { unknown, known, noTargets: targets.length === 0, allUnknown: targets.length > 0 && unknown.length === new Set(targets.map((t) => t.integrationId)).size };
}

/** The problems in plain words, one line each (empty when there are none). */
export function describeEventTargetProblems(check: EventTargetCheck, where: string): string[] {
  const knownList = check.known.length > 0 ? `known integrations: ${check.known.join(', ')}` : 'no integration is configured there (add one with `dutybridge integrations add`)';
  const lines: string[] = [];
  for (const id of check.unknown) {
    lines.push(
      `target integration "${id}" is not an integration of ${where} (${knownList}); ` +
        (check.allUnknown
          ? 'no target is known, so notify will record the event as dropped and not apply it (its version stays free for the corrected event)'
          : 'notify will record that target as dropped and deliver to the others'),
    );
  }
  if (check.noTargets) lines.push(`the event names no targets, so nobody gets a card (${knownList})`);
  return lines;
}

/**
 * Warns about each problem on `warn`, or with `strict` refuses (a usage error: exit 2, nothing
 * sent). Returns the warnings given.
 */
export async function guardEventTargets(
  event: unknown,
  integrations: Pick<IntegrationRepository, 'list'>,
  options: { strict: boolean; where: string; warn: (line: string) => void },
): Promise<string[]> {
  const problems = describeEventTargetProblems(await checkEventTargets(event, integrations), options.where);
  if (problems.length === 0) return [];
  if (options.strict) throw new CliUsageError(`not published (--strict): ${problems.join('; ')}`);
  for (const line of problems) options.warn(`dutybridge: warning: ${line}`);
  return problems;
}
