import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { actionsFromJsonLines, cardIncidentFromStores, createViewInsight } from '../../local/view-insight';
import type { OperationLog } from '../../shared/application/ports';
import type { IncidentActionMessage } from '../../shared/domain/incident-action';
import type { OperationLogQuery, OperationRecord } from '../../shared/domain/operation-log';

/** The OperationLog port in memory: query by incident, newest first. */
class MemoryOperationLog implements OperationLog {
  readonly records: OperationRecord[] = [];
  readonly queries: OperationLogQuery[] = [];
  async append(records: readonly OperationRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async query(query: OperationLogQuery): Promise<OperationRecord[]> {
    this.queries.push(query);
    return this.records.filter((r) => r.incidentId === query.incidentId).sort((a, b) => b.atMs - a.atMs);
  }
}

const action = (incidentId: string, at: number, kind: IncidentActionMessage['action']): IncidentActionMessage => ({
  type: 'incident.action',
  incidentId,
  action: kind,
  actor: { email: 'alice@example.com', platform: 'wecom', userId: 'alice' },
  at: new Date(at).toISOString(),
  idempotencyKey: `${incidentId}-${at}`,
});

describe('local view insight: operation log and actions per card', () => {
  it('gives each known card its incident’s log lines (newest first), its actions (oldest first) and state', async () => {
    const log = new MemoryOperationLog();
    await log.append([
      { atMs: 1_000, result: 'sent', reasonCode: 'delivered', reason: 'card sent', incidentId: 'INC-1' },
      { atMs: 3_000, result: 'dropped', reasonCode: 'app_not_linked', reason: 'bob is not linked', incidentId: 'INC-1', recipient: 'bob@example.com' },
      { atMs: 2_000, result: 'sent', reasonCode: 'delivered', reason: 'other', incidentId: 'INC-2' },
    ]);
    const published = [action('INC-1', 9_000, 'resolve'), action('INC-2', 5_000, 'acknowledge'), action('INC-1', 4_000, 'acknowledge')];
    const insight = createViewInsight({
      cardIncident: async (ref) => ({ 'INC-1@demo-wecom': 'INC-1', 'db-x-0': 'INC-1' })[ref.cardId],
      operationLog: log,
      actions: () => published,
      incidents: { get: async (id) => (id === 'INC-1' ? ({ incidentId: id, status: 'Closed', revision: 3, updatedAt: 9_000 } as never) : undefined) },
    });
    const out = await insight([
      { platform: 'wecom', orgId: 'ww1', cardId: 'INC-1@demo-wecom' },
      { platform: 'dingtalk', cardId: 'db-x-0' },
      { platform: 'wecom', orgId: 'ww1', cardId: 'unknown-card' },
    ]);
    expect([...out.keys()]).toEqual(['wecom|INC-1@demo-wecom', 'dingtalk|db-x-0']);
    const card = out.get('wecom|INC-1@demo-wecom')!;
    expect(card.incidentId).toBe('INC-1');
    expect(card.oplog.map((r) => r.reasonCode)).toEqual(['app_not_linked', 'delivered']);
    expect(card.actions.map((a) => a.action)).toEqual(['acknowledge', 'resolve']);
    expect(card.incident).toEqual({ status: 'Closed', revision: 3, updatedAtMs: 9_000 });
    expect(out.get('dingtalk|db-x-0')!.oplog).toHaveLength(2);
    // One query per incident, not per card.
    expect(log.queries.map((q) => q.incidentId)).toEqual(['INC-1']);
  });

  it('works without an operation log, actions or incidents', async () => {
    const out = await createViewInsight({ cardIncident: async () => 'INC-9' })([{ platform: 'wecom', cardId: 'T' }]);
    expect(out.get('wecom|T')).toEqual({ incidentId: 'INC-9', oplog: [], actions: [] });
  });

  it('finds a card’s incident in the card stores of its platform’s integrations and remembers hits', async () => {
    const calls: string[] = [];
    const resolve = cardIncidentFromStores({
      integrations: { list: async () => [{ id: 'w1', platform: 'wecom' }, { id: 'w2', platform: 'wecom' }, { id: 'd1', platform: 'dingtalk' }] as never },
      weComCards: { findTask: async (integrationId, taskId) => (calls.push(`w:${integrationId}:${taskId}`), integrationId === 'w2' && taskId === 'T1' ? { incidentId: 'INC-5' } : undefined) },
      dingTalkCards: { findOutTrack: async (integrationId, id) => (calls.push(`d:${integrationId}:${id}`), id === 'db-1' ? { incidentId: 'INC-6' } : undefined) },
    });
    expect(await resolve({ platform: 'wecom', cardId: 'T1' })).toBe('INC-5');
    expect(await resolve({ platform: 'wecom', cardId: 'T1' })).toBe('INC-5');
    expect(await resolve({ platform: 'dingtalk', cardId: 'db-1' })).toBe('INC-6');
    expect(await resolve({ platform: 'dingtalk', cardId: 'nope' })).toBeUndefined();
    expect(calls).toEqual(['w:w1:T1', 'w:w2:T1', 'd:d1:db-1', 'd:d1:nope']);
  });
});

describe('local view insight: actions from the JSON-lines copy of the actions queue', () => {
  it('reads incident.action lines (rotated file first), skips partial lines, and rereads only on change', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'view-insight-')), 'actions.jsonl');
    const read = actionsFromJsonLines(file);
    expect(read()).toEqual([]);
    writeFileSync(`${file}.1`, `${JSON.stringify({ tappedAt: 'x', action: action('INC-1', 1_000, 'acknowledge') })}\n`);
    writeFileSync(file, `${JSON.stringify({ tappedAt: 'y', action: action('INC-1', 2_000, 'resolve') })}\n{"tappedAt":"z","act`);
    expect(read().map((a) => a.action)).toEqual(['acknowledge', 'resolve']);
    const first = read();
    expect(read()).toBe(first);
    appendFileSync(file, `ion":${JSON.stringify(action('INC-2', 3_000, 'snooze'))}}\n`);
    expect(read().map((a) => a.incidentId)).toEqual(['INC-1', 'INC-1', 'INC-2']);
  });
});
