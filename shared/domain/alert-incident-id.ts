/**
 * Incidents made from alert sources (issue 18) have ids `alert-<sourceId>-<24 hex>`: the prefix
 * is how a card action on one is recognised without a read (the fan-out to the silence worker).
 * Kept alone so the card functions' bundles do not carry the alert modules.
 */
export const ALERT_INCIDENT_PREFIX = 'alert-';

export function isAlertIncident(incidentId: string): boolean {
  return incidentId.startsWith(ALERT_INCIDENT_PREFIX);
}
