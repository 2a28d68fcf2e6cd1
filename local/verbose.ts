/**
 * `npm start -- --verbose` (or `npm start --verbose`, or DUTYBRIDGE_VERBOSE=1): one line per outcome
 * of a function (a delivery, a click, a callback), from the same outcome lines the functions log
 * (shared/runtime/observability.ts logOutcome). Off by default.
 */
import { onOutcome, redactEmailsInText, type Outcome } from '../shared/runtime/observability';

/** `--verbose` after `npm start --`, npm's own `--verbose` (npm_config_loglevel=verbose), or DUTYBRIDGE_VERBOSE=1. */
export function isVerbose(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return argv.includes('--verbose') || env.DUTYBRIDGE_VERBOSE === '1' || env.npm_config_loglevel === 'verbose';
}

const SHOWN = /^(string|number|boolean)$/;

/**
 * "03:41:07 notify           incident event processed: applied  incident=DEMO-1A2B3C integration=demo-wecom,demo-dingtalk type=incident.triggered"
 * (emails hashed as in the logs).
 */
export function formatOutcome(o: Outcome, now: Date = new Date()): string {
  const { source, message, outcome, incidentId, integrationId, ...rest } = o;
  const ids = [
    incidentId ? `incident=${incidentId}` : undefined,
    integrationId && (typeof integrationId === 'string' || integrationId.length > 0) ? `integration=${typeof integrationId === 'string' ? integrationId : integrationId.join(',')}` : undefined,
  ];
  const details = Object.entries(rest)
    .filter(([, v]) => v !== undefined && SHOWN.test(typeof v))
    .map(([k, v]) => `${k}=${String(v)}`);
  const line = `${now.toISOString().slice(11, 19)} ${source.padEnd(16)} ${message}: ${outcome}  ${[...ids, ...details].filter(Boolean).join(' ')}`;
  return redactEmailsInText(line.trimEnd());
}

/** Prints a summary line per outcome while the stack runs; returns the function that stops it. */
export function printOutcomes(write: (line: string) => void = (line) => console.log(line)): () => void {
  return onOutcome((o) => write(formatOutcome(o)));
}
