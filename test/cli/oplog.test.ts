/**
 * `oplog` without a stack: --since durations and times, the table (reason last, one line per
 * record), the refusals that name the fix, and --json with the time in ISO.
 */
import { formatOperationTable, oplogCommand, parseSince } from '../../cli/oplog';
import { InMemoryOperationLog } from '../../shared/application/operation-records';
import type { OperationRecord } from '../../shared/domain/operation-log';

const NOW = Date.parse('2026-12-01T08:00:00Z');
const record = (minutesAgo: number, extra: Partial<OperationRecord>): OperationRecord => ({
  atMs: NOW - minutesAgo * 60_000,
  result: 'sent',
  reasonCode: 'delivered',
  reason: 'card delivered to alice@example.com (WeCom userid alice)',
  incidentId: 'inc-1',
  integrationId: 'acme-wecom',
  platform: 'wecom',
  recipient: 'alice@example.com',
  ...extra,
});

async function run(values: Parameters<typeof oplogCommand>[0], records: OperationRecord[]) {
  const log = new InMemoryOperationLog();
  await log.append(records);
  const printed: { json: boolean; value: unknown; text: string }[] = [];
  const status = await oplogCommand(values, log, (json, value, text) => void printed.push({ json, value, text }), NOW);
  return { status, ...printed[0] };
}

it('reads --since as a duration ago or an ISO time, and refuses anything else with the accepted forms', () => {
  expect(parseSince('30m', NOW)).toBe(NOW - 30 * 60_000);
  expect(parseSince('1h', NOW)).toBe(NOW - 3_600_000);
  expect(parseSince('2d', NOW)).toBe(NOW - 2 * 86_400_000);
  expect(parseSince('2026-12-01T07:00:00Z', NOW)).toBe(NOW - 3_600_000);
  expect(() => parseSince('yesterday', NOW)).toThrow('--since: "yesterday" is not a duration such as 30m, 1h or 2d (or an ISO time such as 2026-12-01T08:00:00Z)');
});

it('prints a table, newest first, the reason last', async () => {
  const { status, text } = await run({ incident: 'inc-1' }, [
    record(5, {}),
    record(1, { result: 'dropped', reasonCode: 'app_not_linked', recipient: 'bob@example.com', reason: 'App Not Linked: bob@example.com …; link them with dutybridge links set' }),
  ]);
  expect(status).toBe(0);
  const lines = text.split('\n');
  expect(lines[0]).toMatch(/^TIME \(UTC\)\s+RESULT\s+CODE\s+INCIDENT\s+INTEGRATION\s+RECIPIENT\s+REASON$/);
  expect(lines[1]).toMatch(/^2026-12-01 07:59:00Z\s+dropped\s+app_not_linked\s+inc-1\s+acme-wecom\s+bob@example.com\s+App Not Linked/);
  expect(lines[2]).toMatch(/^2026-12-01 07:55:00Z\s+sent\s+delivered\s+/);
  expect(lines[1].indexOf('inc-1')).toBe(lines[2].indexOf('inc-1'));
});

it('filters by member (any case) and time; says so when nothing matches', async () => {
  const records = [record(90, {}), record(10, { incidentId: 'inc-2' })];
  expect((await run({ member: 'ALICE@example.com', since: '1h' }, records)).text.split('\n')).toHaveLength(2);
  expect((await run({ member: 'carol@example.com' }, records)).text).toBe('no operation records for member carol@example.com in the last 30 days (records are kept 30 days)');
  expect((await run({ integration: 'acme-wecom', since: '5m' }, records)).text).toBe('no operation records for integration acme-wecom since 2026-12-01 07:55:00Z (records are kept 30 days)');
});

it('--since alone gives every record in that time', async () => {
  const records = [record(90, {}), record(10, { incidentId: 'inc-2', integrationId: 'acme-ding' })];
  expect((await run({ since: '1h' }, records)).text.split('\n')).toHaveLength(2);
  expect((await run({ since: '2h' }, records)).text.split('\n')).toHaveLength(3);
  expect((await run({ since: '5m' }, records)).text).toBe('no operation records for any incident since 2026-12-01 07:55:00Z (records are kept 30 days)');
});

it('--json gives the records with an ISO time', async () => {
  const { json, value } = await run({ incident: 'inc-1', json: true }, [record(1, {})]);
  expect(json).toBe(true);
  expect(value).toEqual([{ at: '2026-12-01T07:59:00.000Z', ...record(1, {}) }]);
});

it('refuses a query without incident, member or integration, and a member that is not an email', async () => {
  await expect(run({}, [])).rejects.toThrow('oplog needs --incident ID, --member EMAIL, --integration ID or --since 1h (everything in the last hour)');
  await expect(run({ member: 'alice' }, [])).rejects.toThrow('--member: "alice" is not an email address');
});

it('formats an empty field as -', () => {
  expect(formatOperationTable([record(0, { incidentId: undefined, recipient: undefined })]).split('\n')[1]).toMatch(/delivered\s+-\s+acme-wecom\s+-\s+card delivered/);
});
