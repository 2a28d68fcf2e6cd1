/**
 * `postmortem` without a stack: the draft to standard output or a file, an existing file kept
 * unless --force, an unknown incident (exit 1), and the refusals that need no stack (exit 2).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileOutput, postmortemCommand, POSTMORTEM_RECORDS_LIMIT, type PostmortemStores } from '../../cli/postmortem';
import { CliUsageError } from '../../cli/target';
import { InMemoryOperationLog } from '../../shared/application/operation-records';
import type { OperationLogQuery } from '../../shared/domain/operation-log';
import type { Incident } from '../../shared/domain/incident';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const incident: Incident = {
  incidentId: 'INC-42',
  version: 1,
  revision: 2,
  title: 'Disk full on db-1',
  severity: 'Warning',
  description: '',
  labels: {},
  responders: ['alice@example.com'],
  targets: [],
  status: 'Closed',
  closedBy: { email: 'alice@example.com', name: 'Alice Chen' },
  triggeredAt: NOW - 3_600_000,
  updatedAt: NOW,
  timeline: [
    { at: NOW - 3_600_000, kind: 'event', what: 'incident.triggered', revision: 1 },
    { at: NOW - 600_000, kind: 'click', what: 'resolve', revision: 2, actor: { email: 'alice@example.com', name: 'Alice Chen' } },
  ],
};

let dir: string;
let stores: PostmortemStores;
let queries: OperationLogQuery[];
let printed: string[];
let complaints: string[];

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-postmortem-'));
  const log = new InMemoryOperationLog();
  await log.append([{ atMs: NOW - 3_500_000, result: 'failed', reasonCode: 'invalid_user', reason: 'WeCom 81013: userid bob is not in the app', incidentId: 'INC-42', integrationId: 'acme', platform: 'wecom', channel: 'card' }]);
  queries = [];
  printed = [];
  complaints = [];
  stores = {
    incidents: { get: async (id) => (id === 'INC-42' ? incident : undefined) },
    rooms: { listForIncident: async () => [] },
    operationLog: { query: (q) => (queries.push(q), log.query(q)) },
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const output = { ...fileOutput, print: (text: string) => void printed.push(text), complain: (line: string) => void complaints.push(line) };
const run = (args: string[], flags: { out?: string; force?: boolean; locale?: string } = {}) => postmortemCommand(args, flags, stores, output, NOW);

it('prints the draft of the incident, with its delivery history read from the log', async () => {
  expect(await run(['INC-42'])).toBe(0);
  expect(printed).toHaveLength(1);
  expect(printed[0]).toContain('# Post-mortem draft: INC-42 · Disk full on db-1');
  expect(printed[0]).toContain('| Time to resolve | 50 min |');
  expect(printed[0]).toContain('failed invalid_user (wecom acme card): WeCom 81013: userid bob is not in the app');
  expect(queries).toEqual([{ incidentId: 'INC-42', limit: POSTMORTEM_RECORDS_LIMIT }]);
  expect(complaints).toEqual([]);
});

it('writes FILE, and keeps an existing FILE unless --force', async () => {
  const file = path.join(dir, 'INC-42.md');
  expect(await run(['INC-42'], { out: file })).toBe(0);
  expect(readFileSync(file, 'utf8')).toContain('# Post-mortem draft: INC-42');
  expect(printed).toEqual([]);
  expect(complaints).toEqual([`wrote the post-mortem draft of INC-42 to ${file}`]);

  writeFileSync(file, 'our filled-in notes');
  expect(await run(['INC-42'], { out: file, locale: 'zh' })).toBe(1);
  expect(readFileSync(file, 'utf8')).toBe('our filled-in notes');
  expect(complaints.at(-1)).toBe(`dutybridge: ${file} exists; not overwritten (pass --force to replace it)`);

  expect(await run(['INC-42'], { out: file, force: true, locale: 'zh' })).toBe(0);
  expect(readFileSync(file, 'utf8')).toContain('# 事后复盘草稿: INC-42');
});

it('says when FILE cannot be written', async () => {
  expect(await run(['INC-42'], { out: path.join(dir, 'missing', 'x.md') })).toBe(1);
  expect(complaints.at(-1)).toMatch(/^dutybridge: cannot write .*x\.md \(no such folder\)$/);
});

it('exits 1 for an unknown incident, writing nothing', async () => {
  const file = path.join(dir, 'none.md');
  expect(await run(['INC-404'], { out: file })).toBe(1);
  expect(complaints).toEqual(['dutybridge: no incident INC-404']);
  expect(() => readFileSync(file)).toThrow();
  expect(queries).toEqual([]);
});

it('refuses a missing id, an extra argument, --force without --out and an unknown locale as usage errors', async () => {
  await expect(run([])).rejects.toThrow(new CliUsageError('postmortem needs an incident ID, e.g. dutybridge postmortem INC-42'));
  await expect(run(['INC-42', 'INC-43'])).rejects.toThrow('postmortem: unexpected argument INC-43');
  await expect(run(['INC-42'], { force: true })).rejects.toThrow('--force only applies with --out FILE');
  await expect(run(['INC-42'], { locale: 'fr' })).rejects.toThrow('--locale must be en or zh, got fr');
  await expect(run([])).rejects.toBeInstanceOf(CliUsageError);
});
