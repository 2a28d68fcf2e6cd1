/**
 * `dutybridge oplog --incident ID | --member EMAIL | --integration ID [--since 1h] [--json]` (or
 * `--since` alone: everything in that time): the operation log, newest first — every delivery attempt and every decision not to deliver, with the
 * reason in plain words. Records are kept 30 days.
 */
import type { OperationLog } from '../shared/application/ports';
import { OPERATION_LOG_RETENTION_DAYS, type OperationRecord } from '../shared/domain/operation-log';
import { CliUsageError } from './target';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `1h`, `2d`, `90s` (ago), or an ISO time; epoch ms. */
export function parseSince(value: string, nowMs: number): number {
  const duration = /^(\d+)\s*([smhd])$/i.exec(value.trim());
  if (duration) return nowMs - Number(duration[1]) * UNIT_MS[duration[2].toLowerCase()];
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const at = Date.parse(value);
    if (Number.isFinite(at)) return at;
  }
  throw new CliUsageError(`--since: "${value}" is not a duration such as 30m, 1h or 2d (or an ISO time such as 2026-12-01T08:00:00Z)`);
}

const time = (atMs: number) => new Date(atMs).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');

/** The records as a table: one line each, the reason last (it says what to do). */
export function formatOperationTable(records: readonly OperationRecord[]): string {
  const columns: [string, (r: OperationRecord) => string][] = [
    ['TIME (UTC)', (r) => time(r.atMs)],
    ['RESULT', (r) => r.result],
    ['CODE', (r) => r.reasonCode],
    ['INCIDENT', (r) => r.incidentId ?? '-'],
    ['INTEGRATION', (r) => r.integrationId ?? '-'],
    ['RECIPIENT', (r) => r.recipient ?? '-'],
    ['REASON', (r) => r.reason],
  ];
  const rows = records.map((r) => columns.map(([, cell]) => cell(r)));
  const widths = columns.map(([title], i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map(([title]) => title)), ...rows.map(line)].join('\n');
}

export async function oplogCommand(
  values: { incident?: string; member?: string; integration?: string; since?: string; json?: boolean },
  log: Pick<OperationLog, 'query'>,
  print: (json: boolean, value: unknown, text: string) => void,
  nowMs: number = Date.now(),
): Promise<number> {
  const incidentId = values.incident?.trim() || undefined;
  const member = values.member?.trim().toLowerCase() || undefined;
  const integrationId = values.integration?.trim() || undefined;
  if (!incidentId && !member && !integrationId && values.since === undefined) {
    throw new CliUsageError('oplog needs --incident ID, --member EMAIL, --integration ID or --since 1h (everything in the last hour)');
  }
  if (member && !/^[^@\s]+@[^@\s]+$/.test(member)) throw new CliUsageError(`--member: "${values.member}" is not an email address`);
  const sinceMs = values.since === undefined ? undefined : parseSince(values.since, nowMs);
  const records = await log.query({ incidentId, member, integrationId, ...(sinceMs === undefined ? {} : { sinceMs }) });
  const json = values.json === true;
  const what = [incidentId && `incident ${incidentId}`, member && `member ${member}`, integrationId && `integration ${integrationId}`].filter(Boolean).join(', ') || 'any incident';
  const when = values.since === undefined ? `in the last ${OPERATION_LOG_RETENTION_DAYS} days` : `since ${time(sinceMs!)}`;
  print(
    json,
    records.map((r) => ({ at: new Date(r.atMs).toISOString(), ...r })),
    records.length > 0 ? formatOperationTable(records) : `no operation records for ${what} ${when} (records are kept ${OPERATION_LOG_RETENTION_DAYS} days)`,
  );
  return 0;
}
