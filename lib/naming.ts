/**
 * Construct ids derived from the kebab-case ids in shared/config, so logical ids read like the
 * definitions they come from ("incident-actions.fifo" → "IncidentActionsFifo").
 */
export function constructIdFor(definitionId: string): string {
  return definitionId
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
