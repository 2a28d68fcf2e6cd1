/**
 * Bench instrumentation: counts the AWS round trips one request makes and how many of them happen
 * one after another. A middleware on the shared SDK clients (deserialize step, so inside the SDK's
 * retries: every HTTP attempt is one round trip) records each call's start and end into the trace
 * of the invocation it belongs to (AsyncLocalStorage), and `wrapHandlers` gives every gateway
 * invocation its own trace. Nothing in the product is changed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { AnyHandler } from '../local/handlers';

export type Service = 'dynamodb' | 'sqs' | 'secrets';

export interface RoundTrip {
  readonly service: Service;
  readonly command: string;
  /** DynamoDB: the item's pk prefix (INCIDENT, DEDUPE…); SQS: the queue name. */
  readonly target: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface Trace {
  readonly trips: RoundTrip[];
}

const current = new AsyncLocalStorage<Trace>();

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { S?: unknown }).S === 'string') return (value as { S: string }).S;
  return undefined;
}

function targetOf(service: Service, input: Record<string, unknown>): string {
  if (service === 'sqs') return String(input.QueueUrl ?? '').split('/').pop() ?? '';
  if (service === 'secrets') return 'secret';
  const key = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  const pk = str(key?.pk) ?? str(values?.[':pk']);
  if (pk) {
    const [prefix, rest] = pk.split('#');
    // De-duplication keys read `<platform>:<integration>:<kind>:…`: name the kind (card, event, signature…).
    const kind = prefix === 'DEDUPE' ? rest?.split(':')[2] : undefined;
    return kind ? `${prefix}(${kind})` : (prefix ?? pk);
  }
  if (input.RequestItems) return 'batch';
  return '?';
}

interface Instrumentable {
  middlewareStack: { add(middleware: unknown, options: Record<string, unknown>): void };
}

/** Adds the round-trip recorder to an SDK client (once per client). */
export function instrument(client: Instrumentable, service: Service): void {
  client.middlewareStack.add(
    (next: (args: { input: Record<string, unknown> }) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const trace = current.getStore();
        if (!trace) return next(args);
        const startMs = performance.now();
        try {
          return await next(args);
        } finally {
          trace.trips.push({ service, command: String(context.commandName ?? '?').replace(/Command$/, ''), target: targetOf(service, args.input ?? {}), startMs, endMs: performance.now() });
        }
      },
    { step: 'deserialize', name: `benchRoundTrips-${service}`, priority: 'low' },
  );
}

/**
 * Wraps the named handlers (the gateway looks them up per request) so each invocation records
 * into a fresh trace, handed to `onTrace` when the invocation ends.
 */
export function wrapHandlers(handlers: Record<string, AnyHandler>, names: readonly string[], onTrace: (name: string, trace: Trace) => void): () => void {
  const originals = new Map<string, AnyHandler>();
  for (const name of names) {
    const original = handlers[name];
    if (!original) throw new Error(`no handler ${name}`);
    originals.set(name, original);
    handlers[name] = (event, context) => {
      const trace: Trace = { trips: [] };
      return current.run(trace, async () => {
        try {
          return await original(event, context);
        } finally {
          onTrace(name, trace);
        }
      });
    };
  }
  return () => {
    for (const [name, original] of originals) handlers[name] = original;
  };
}

/**
 * Groups round trips into sequential steps: sorted by start, a call that starts before every
 * call of the current step has ended overlaps it and joins the step; otherwise it starts the next.
 */
export function sequentialSteps(trips: readonly RoundTrip[]): RoundTrip[][] {
  const sorted = [...trips].sort((a, b) => a.startMs - b.startMs);
  const steps: RoundTrip[][] = [];
  let stepEnd = -Infinity;
  for (const trip of sorted) {
    const last = steps[steps.length - 1];
    if (last && trip.startMs < stepEnd) {
      last.push(trip);
      stepEnd = Math.max(stepEnd, trip.endMs);
    } else {
      steps.push([trip]);
      stepEnd = trip.endMs;
    }
  }
  return steps;
}

/** `Put DEDUPE → Get OUTTRACK → [Update INCIDENT ∥ Send actions]`. */
export function describeSteps(steps: readonly RoundTrip[][]): string {
  return steps.map((step) => (step.length === 1 ? label(step[0]!) : `[${step.map(label).join(' ∥ ')}]`)).join(' → ');
}

function label(trip: RoundTrip): string {
  return trip.service === 'dynamodb' ? `${trip.command} ${trip.target}` : `${trip.service}:${trip.command} ${trip.target}`;
}

export function stats(values: readonly number[]): { min: number; max: number; mean: number; median: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0, mean, median: sorted[Math.floor(sorted.length / 2)] ?? 0 };
}
