/**
 * Applies the pending action of an unlinked click once the person has linked their account
 * (issue 11 item 2). The linking page calls `apply` after a successful link with the `pending`
 * token it carried through the login; the outcome says what the page should show.
 *
 * Exactly once. TokenClaims only offers claimOnce (a test-and-set, no status), so the token is
 * spent in two phases, each a claimOnce:
 *   1. `pending:<jti>` (started). The first request to take it applies the action through
 *      IncidentClicks with clickKey `pending:<jti>`, then takes
 *   2. `pending-done:<jti>` (finished).
 * A request that finds (1) taken tries (2): taken too → the action was applied before:
 * 'already_applied', nothing is applied. Not taken → the first attempt never finished (it crashed
 * or failed somewhere between (1) and (2), or is still running): this request takes (2) and
 * finishes the job, so a retry of the page never loses the action. Before applying it checks the
 * incident: a click of this action by this person since the token was issued (the timeline) means
 * the crashed attempt did apply it — then 'already_applied'. If the first attempt is in fact still
 * running, both apply with the same clickKey and IncidentClicks' compare-and-swap turns the second
 * into 'already_applied' (it re-reads and finds its clickKey on the last transition).
 * After (2), every replay is 'already_applied'. Claiming before applying (plain claimOnce) would
 * lose the action on a crash in between; claiming only after would let a replay apply it again
 * once someone else's click moved the incident on (IncidentClicks remembers only the last
 * transition's clickKey). The one case left: the first attempt still running, a third person's
 * click landing between the two applies, and a page retry within those milliseconds.
 */
import { SignedTokenError } from '../crypto/signed-token';
import { effectiveStatus, type Actor, type Incident, type IncidentAction, type IncidentStatus } from '../domain/incident';
import type { Integration } from '../domain/integration';
import type { IncidentClicks } from './incident-clicks';
import { PENDING_ACTION_TTL_MS, linkTokenKeyFor, verifyPendingAction, type PendingActionClaims } from './link-prompt';
import type { TokenClaims } from './people-ports';
import type { Clock, IncidentRepository, IntegrationSecretsReader } from './ports';

export type PendingActionOutcome =
  | { readonly kind: 'transition'; readonly action: IncidentAction; readonly incidentId: string; readonly status: IncidentStatus; readonly title: string }
  | { readonly kind: 'no_change'; readonly action: IncidentAction; readonly incidentId: string; readonly status: IncidentStatus; readonly title: string; readonly reason: string }
  | { readonly kind: 'already_applied'; readonly action: IncidentAction; readonly incidentId: string; readonly status?: IncidentStatus; readonly title?: string }
  | { readonly kind: 'unknown_incident'; readonly action: IncidentAction; readonly incidentId: string }
  /** The 10 minutes are over: click the button again for a new link. */
  | { readonly kind: 'expired' }
  /** Tampered, truncated, for another integration, or not a pending-action token. */
  | { readonly kind: 'invalid'; readonly reason: string }
  /** Someone else's click: the linked account is not the one that clicked. */
  | { readonly kind: 'not_yours' };

export interface PendingActionsDeps {
  readonly secrets: IntegrationSecretsReader;
  readonly claims: TokenClaims;
  readonly clicks: Pick<IncidentClicks, 'apply' | 'flushPending'>;
  readonly incidents: Pick<IncidentRepository, 'get'>;
  readonly clock: Clock;
  readonly record: (event: string, details: Record<string, unknown>) => void;
}

/** Claims outlive the token by this much, so a claim never lapses while its token is still valid. */
const CLAIM_MARGIN_SECONDS = 120;

/** A pending-action token the linking page must not carry on (typed, for the page's message). */
export class PendingActionRefusedError extends Error {
  override readonly name = 'PendingActionRefusedError';
  constructor(readonly reason: 'expired' | 'malformed' | 'bad_signature' | 'wrong_kind' | 'other_integration') {
    super(`pending action refused: ${reason.replace('_', ' ')}`);
  }
}

export class PendingActions {
  constructor(private readonly deps: PendingActionsDeps) {}

  /** Checks a token before the login starts (MAC, kind, expiry, integration); claims nothing. */
  async verify(integration: Integration, pendingToken: string): Promise<PendingActionClaims> {
    let claims: PendingActionClaims;
    try {
      claims = verifyPendingAction(await linkTokenKeyFor(this.deps.secrets, integration), pendingToken, this.deps.clock.nowMs());
    } catch (error) {
      if (error instanceof SignedTokenError) throw new PendingActionRefusedError(error.reason);
      throw error;
    }
    if (claims.integrationId !== integration.id || claims.platform !== integration.platform) throw new PendingActionRefusedError('other_integration');
    return claims;
  }

  async apply(integration: Integration, pendingToken: string, link: { readonly email: string; readonly userId: string }): Promise<PendingActionOutcome> {
    const nowMs = this.deps.clock.nowMs();
    const where = { integrationId: integration.id, platform: integration.platform };
    let claims: PendingActionClaims;
    try {
      claims = verifyPendingAction(await linkTokenKeyFor(this.deps.secrets, integration), pendingToken, nowMs);
    } catch (error) {
      if (!(error instanceof SignedTokenError)) throw error;
      this.deps.record('pending_action_refused', { ...where, reason: error.reason });
      return error.reason === 'expired' ? { kind: 'expired' } : { kind: 'invalid', reason: error.reason };
    }
    const details = { ...where, incidentId: claims.incidentId, jti: claims.jti, userId: link.userId };
    if (claims.integrationId !== integration.id || claims.platform !== integration.platform) {
      // Signed with this integration's key yet naming another: refuse, whatever the cause.
      this.deps.record('pending_action_refused', { ...details, reason: 'other_integration' });
      return { kind: 'invalid', reason: 'other_integration' };
    }
    if (claims.userId.toLowerCase() !== link.userId.toLowerCase()) {
      this.deps.record('pending_action_refused', { ...details, reason: 'not_yours', clickedBy: claims.userId });
      return { kind: 'not_yours' };
    }
    const ttlSeconds = Math.ceil((claims.exp - nowMs) / 1000) + CLAIM_MARGIN_SECONDS;
    const started = await this.deps.claims.claimOnce(`pending:${claims.jti}`, ttlSeconds);
    if (!started && !(await this.deps.claims.claimOnce(`pending-done:${claims.jti}`, ttlSeconds))) {
      this.deps.record('pending_action_replayed', details);
      return this.alreadyApplied(claims, await this.deps.incidents.get(claims.incidentId), nowMs);
    }
    if (!started) {
      // Its own transition still the last one: IncidentClicks below recognises it (and publishes
      // what the crash left in the outbox). Moved on since: the timeline tells.
      const current = await this.deps.incidents.get(claims.incidentId);
      if (current && current.lastTransition?.clickKey !== `pending:${claims.jti}` && appliedSinceIssued(current, claims, integration.platform)) {
        await this.deps.clicks.flushPending(current);
        this.deps.record('pending_action_replayed', { ...details, recovered: true });
        return this.alreadyApplied(claims, current, nowMs);
      }
    }
    const actor: Actor = { email: link.email, platform: integration.platform, userId: link.userId };
    const outcome = await this.deps.clicks.apply(claims.incidentId, claims.action, actor, `pending:${claims.jti}`);
    if (started) await this.deps.claims.claimOnce(`pending-done:${claims.jti}`, ttlSeconds);
    this.deps.record('pending_action_applied', { ...details, outcome: outcome.kind, recovered: !started });
    const base = { action: claims.action, incidentId: claims.incidentId };
    switch (outcome.kind) {
      case 'unknown_incident':
        return { kind: 'unknown_incident', ...base };
      case 'already_applied':
        return this.alreadyApplied(claims, outcome.incident, nowMs);
      case 'no_change':
        return { kind: 'no_change', ...base, ...shown(outcome.incident, nowMs), reason: outcome.reason };
      case 'transition':
        return { kind: 'transition', ...base, ...shown(outcome.incident, nowMs) };
    }
  }

  private alreadyApplied(claims: PendingActionClaims, incident: Incident | undefined, nowMs: number): PendingActionOutcome {
    return { kind: 'already_applied', action: claims.action, incidentId: claims.incidentId, ...(incident ? shown(incident, nowMs) : {}) };
  }
}

/** Whether the clicker's own click of this action is on the incident's timeline since the token was issued. */
function appliedSinceIssued(incident: Incident, claims: PendingActionClaims, platform: Integration['platform']): boolean {
  const issuedAt = claims.exp - PENDING_ACTION_TTL_MS;
  return (incident.timeline ?? []).some(
    (entry) =>
      entry.kind === 'click' &&
      entry.what === claims.action.kind &&
      entry.at >= issuedAt &&
      entry.actor?.platform === platform &&
      entry.actor.userId?.toLowerCase() === claims.userId.toLowerCase(),
  );
}

function shown(incident: Incident, nowMs: number): { status: IncidentStatus; title: string } {
  return { status: effectiveStatus(incident, nowMs), title: incident.title };
}
