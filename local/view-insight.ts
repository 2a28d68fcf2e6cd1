/**
 * The local stack's answer to the simulator view's question "what did dutybridge do about this
 * card?": which incident the card shows (the card stores' task / outTrack lookups), the incident's
 * state (IncidentRepository), its operation-log records (the `OperationLog` port, queried by
 * incident) and the incident.action messages published for it (the local stack's in-memory copy).
 * Passed to `createSimulator({ insight })`; the view asks at most once a second.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncidentActionMessage } from '../shared/domain/incident-action';
import type { IncidentRepository, IntegrationRepository, OperationLog, WeComCardStore, DingTalkCardStore } from '../shared/application/ports';
import { CardInsight, CardRef, cardRefKey, InsightSource } from '../sim/view/insight';
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { DynamoDingTalkCardStore } from '../shared/adapters/aws/dingtalk-card-store';
import { DynamoIncidentRepository } from '../shared/adapters/aws/incident-repository';
import { DynamoIntegrationRepository } from '../shared/adapters/aws/integration-repository';
import { DynamoOperationLog } from '../shared/adapters/aws/operation-log';
import { DynamoWeComCardStore } from '../shared/adapters/aws/wecom-card-store';

/** Operation-log records read per incident for the view. */
export const VIEW_OPLOG_LIMIT = 50;

export interface ViewInsightDeps {
  /** Which incident a card shows; undefined when dutybridge does not know the card. */
  readonly cardIncident: (ref: CardRef) => Promise<string | undefined>;
  readonly operationLog?: Pick<OperationLog, 'query'>;
  /** incident.action messages published so far, in any order. */
  readonly actions?: () => readonly IncidentActionMessage[] | Promise<readonly IncidentActionMessage[]>;
  readonly incidents?: Pick<IncidentRepository, 'get'>;
}

export function createViewInsight(deps: ViewInsightDeps): InsightSource {
  return async (cards) => {
    const incidentOf = new Map<string, string>();
    await Promise.all(
      cards.map(async (ref) => {
        const incidentId = await deps.cardIncident(ref);
        if (incidentId !== undefined) incidentOf.set(cardRefKey(ref), incidentId);
      }),
    );
    const incidentIds = [...new Set(incidentOf.values())];
    const published = deps.actions ? await deps.actions() : [];
    const perIncident = new Map<string, Omit<CardInsight, 'incidentId'>>();
    await Promise.all(
      incidentIds.map(async (incidentId) => {
        const [oplog, incident] = await Promise.all([
          deps.operationLog ? deps.operationLog.query({ incidentId, limit: VIEW_OPLOG_LIMIT }) : Promise.resolve([]),
          deps.incidents ? deps.incidents.get(incidentId) : Promise.resolve(undefined),
        ]);
        const actions = published.filter((a) => a.incidentId === incidentId).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
        perIncident.set(incidentId, {
          oplog: [...oplog].sort((a, b) => b.atMs - a.atMs),
          actions,
          ...(incident ? { incident: { status: incident.status, revision: incident.revision, updatedAtMs: incident.updatedAt } } : {}),
        });
      }),
    );
    const out = new Map<string, CardInsight>();
    for (const [key, incidentId] of incidentOf) out.set(key, { incidentId, ...perIncident.get(incidentId)! });
    return out;
  };
}

/**
 * Card → incident through the card stores: a WeCom task_id (findTask) or a DingTalk outTrackId
 * (findOutTrack) is looked up in every integration of its platform. Hits never change and are kept.
 */
export function cardIncidentFromStores(deps: {
  readonly integrations: Pick<IntegrationRepository, 'list'>;
  readonly weComCards: Pick<WeComCardStore, 'findTask'>;
  readonly dingTalkCards: Pick<DingTalkCardStore, 'findOutTrack'>;
}): (ref: CardRef) => Promise<string | undefined> {
  const known = new Map<string, string>();
  return async (ref) => {
    const key = cardRefKey(ref);
    const hit = known.get(key);
    if (hit !== undefined) return hit;
    for (const integration of await deps.integrations.list()) {
      if (integration.platform !== ref.platform) continue;
      const found = ref.platform === 'wecom' ? await deps.weComCards.findTask(integration.id, ref.cardId) : await deps.dingTalkCards.findOutTrack(integration.id, ref.cardId);
      if (found) {
        known.set(key, found.incidentId);
        return found.incidentId;
      }
    }
    return undefined;
  };
}

/**
 * incident.action messages from a JSON-lines copy of the actions queue (one `{"action": {...}}` per
 * line, as the local stack's actions tap writes them; a rotated `<file>.1` is read first). Read
 * again only when the files change.
 */
export function actionsFromJsonLines(file: string): () => readonly IncidentActionMessage[] {
  let cached: { stamp: string; actions: IncidentActionMessage[] } | undefined;
  const files = [`${file}.1`, file];
  return () => {
    const stamp = files.map((f) => (existsSync(f) ? `${statSync(f).size}:${statSync(f).mtimeMs}` : '-')).join('|');
    if (cached?.stamp === stamp) return cached.actions;
    const actions: IncidentActionMessage[] = [];
    for (const f of files) {
      if (!existsSync(f)) continue;
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const action = (JSON.parse(line) as { action?: IncidentActionMessage }).action;
          if (action?.type === 'incident.action' && typeof action.incidentId === 'string') actions.push(action);
        } catch {
          // A line being written right now; the next read has it whole.
        }
      }
    }
    cached = { stamp, actions };
    return actions;
  };
}

/**
 * The view insight of a running local stack: the card stores, incidents and operation log in its
 * DynamoDB state table (the process environment the stack set), and the published actions it keeps.
 */
export function localViewInsight(options: {
  /** The stack's state table (its STATE_TABLE_NAME). */
  readonly tableName: string;
  readonly operationLog?: Pick<OperationLog, 'query'>;
  readonly actions?: ViewInsightDeps['actions'];
}): InsightSource {
  const client = getDocumentClient();
  const table = options.tableName;
  return createViewInsight({
    cardIncident: cardIncidentFromStores({
      integrations: new DynamoIntegrationRepository(client, table),
      weComCards: new DynamoWeComCardStore(client, table),
      dingTalkCards: new DynamoDingTalkCardStore(client, table),
    }),
    incidents: new DynamoIncidentRepository(client, table),
    operationLog: options.operationLog ?? new DynamoOperationLog(client, table),
    ...(options.actions ? { actions: options.actions } : {}),
  });
}
