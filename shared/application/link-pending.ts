/**
 * The pending action of an unlinked click (H5's PendingActions, shared/application/pending-actions.ts)
 * seen from the linking page: checked before the login starts, applied once after the link, and
 * its outcome put in the person's words.
 */
import type { Integration } from '../domain/integration';
import type { PendingOutcome } from '../domain/link-page-html';
import { actionLabel, statusLabel, t, type Lang } from '../domain/link-page-text';
import type { PendingActionsPort } from './account-linking-ports';
import type { PendingActionOutcome, PendingActions } from './pending-actions';

export function pendingOutcomeView(outcome: PendingActionOutcome, lang: Lang): PendingOutcome {
  switch (outcome.kind) {
    case 'transition':
      return { applied: true, action: actionLabel(lang, outcome.action), incident: outcome.incidentId, state: statusLabel(lang, outcome.status) };
    case 'already_applied':
      return { applied: false, reason: t(lang, 'pendingAlready', { action: actionLabel(lang, outcome.action), incident: outcome.incidentId }) };
    case 'no_change':
      return { applied: false, reason: t(lang, 'pendingNoChange', { incident: outcome.incidentId, state: statusLabel(lang, outcome.status), action: actionLabel(lang, outcome.action) }) };
    case 'unknown_incident':
      return { applied: false, reason: t(lang, 'pendingUnknownIncident', { incident: outcome.incidentId }) };
    case 'expired':
      return { applied: false, reason: t(lang, 'pendingExpired') };
    case 'not_yours':
      return { applied: false, reason: t(lang, 'pendingNotYours') };
    case 'invalid':
      return { applied: false, reason: t(lang, 'pendingExpired') };
  }
}

/** PendingActionsPort over H5's use case. */
export function pendingActionsPort(pending: () => Pick<PendingActions, 'verify' | 'apply'>): PendingActionsPort {
  return {
    verify: async (integration: Integration, token: string) => {
      await pending().verify(integration, token);
    },
    applyOnce: async (integration, token, link, lang) => pendingOutcomeView(await pending().apply(integration, token, link), lang),
  };
}
