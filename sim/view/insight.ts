/**
 * What dutybridge did about each card, for the simulator view: the incident the card shows, its
 * operation-log lines and the incident.action messages published for it. The simulator itself only
 * sees the platform side; the local stack passes an `InsightSource` (see local/view-insight.ts) that
 * reads these from an `OperationLog` port and the local copy of published actions. Also the pure rule
 * that decides whether a card is stale and why.
 */
import type { OperationRecord } from '../../shared/domain/operation-log';
import type { IncidentActionMessage } from '../../shared/domain/incident-action';

/** A card as the view knows it: WeCom task_id or DingTalk outTrackId. */
export interface CardRef {
  readonly platform: 'wecom' | 'dingtalk';
  readonly orgId?: string;
  readonly cardId: string;
}

export interface CardInsight {
  readonly incidentId: string;
  /** The incident as dutybridge holds it now (absent when it is not known). */
  readonly incident?: { readonly status: string; readonly revision: number; readonly updatedAtMs: number };
  /** Operation-log records of the incident, newest first. */
  readonly oplog: readonly OperationRecord[];
  /** incident.action messages published for the incident, oldest first. */
  readonly actions: readonly IncidentActionMessage[];
}

/** Looks up the cards the view shows; a card dutybridge does not know is left out of the map. */
export type InsightSource = (cards: readonly CardRef[]) => Promise<ReadonlyMap<string, CardInsight>>;

export function cardRefKey(ref: Pick<CardRef, 'platform' | 'cardId'>): string {
  return `${ref.platform}|${ref.cardId}`;
}

/** A WeCom task's update budget: response codes usable, spent and expired (see WeComModule.updateBudget). */
export interface UpdateBudget {
  readonly usable: number;
  readonly spent: number;
  readonly expired: number;
}

/** Time the product gets to bring a card up to date before the view calls it stale (refresh delay 3 s + work). */
export const DEFAULT_STALE_GRACE_MS = 10_000;

export interface Staleness {
  /** True when the card no longer shows the incident as it is: the view greys it. */
  readonly stale: boolean;
  /** Plain words for the side panel: why stale, or what limits the next update. */
  readonly notes: readonly string[];
}

/**
 * A card is stale when the incident changed after the card was last drawn (sent or updated) and
 * the change has not reached it within `graceMs`. WeCom leaves such a card exactly as it was:
 * buttons still clickable (each click brings a fresh response code, so a Refresh Status click
 * catches it up). With no usable response code, dutybridge cannot update a WeCom card at all.
 */
export function cardStaleness(input: {
  readonly platform: 'wecom' | 'dingtalk';
  readonly renderedAtMs: number;
  readonly nowMs: number;
  readonly graceMs?: number;
  readonly budget?: UpdateBudget;
  readonly incident?: CardInsight['incident'];
}): Staleness {
  const grace = input.graceMs ?? DEFAULT_STALE_GRACE_MS;
  const notes: string[] = [];
  const { budget, incident } = input;
  const noBudget = input.platform === 'wecom' && budget !== undefined && budget.usable === 0;
  const budgetWords = budget
    ? `${budget.usable} response code${budget.usable === 1 ? '' : 's'} usable, ${budget.spent} spent, ${budget.expired} expired (single use, 72 h)`
    : '';
  const changedAfter = incident !== undefined && incident.updatedAtMs > input.renderedAtMs;
  const stale = changedAfter && input.nowMs - incident.updatedAtMs >= grace;
  if (stale) {
    notes.push(`The incident changed (now ${incident.status}, revision ${incident.revision}) after this card was last drawn, and the change has not reached it.`);
    if (noBudget) notes.push(`No update budget left: ${budgetWords}. WeCom keeps showing the old card; a click on it (e.g. ⋯ → Refresh Status) brings a new code and catches it up.`);
    else if (budget) notes.push(`Update budget: ${budgetWords}; dutybridge has not used it yet (see the operation log below).`);
  } else if (noBudget) {
    notes.push(`No update budget left: ${budgetWords}. The card is current, but the next change will leave it stale until someone clicks it.`);
  } else if (budget) {
    notes.push(`Update budget: ${budgetWords}.`);
  }
  if (changedAfter && !stale) notes.push('The incident just changed; an update is on its way.');
  return { stale, notes };
}
