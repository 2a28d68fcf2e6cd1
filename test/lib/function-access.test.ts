/**
 * Each handler names the queues it dead-letters to, changes visibility on and requeues onto
 * (shared/composition.ts deadLetterSink / retryVisibility / delayedRequeue). Its role must allow
 * exactly that in AWS, so this reads the handlers and fails when functions.ts `access` lags behind.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { functionDefinitions, functionEntry } from '../../shared/config/functions';
import * as resources from '../../shared/config/resources';
import type { QueueDefinition } from '../../shared/config/resources';

const ROOT = path.resolve(__dirname, '../..');

/** Queue-using calls in a handler's source: [call, queue definition]. */
function queueCalls(source: string): { call: string; queue: QueueDefinition | undefined; name: string }[] {
  return [...source.matchAll(/\b(deadLetterSink|retryVisibility|delayedRequeue)\(\s*([A-Za-z0-9_]+)\s*\)/g)].map((match) => ({
    call: match[1],
    name: match[2],
    queue: (resources as unknown as Record<string, QueueDefinition | undefined>)[match[2]],
  }));
}

describe('function access follows the handlers', () => {
  it.each(functionDefinitions.map((definition) => [definition.name, definition] as const))('%s', (_name, definition) => {
    const source = readFileSync(path.join(ROOT, functionEntry(definition.name)), 'utf8');
    const problems: string[] = [];
    for (const { call, name, queue } of queueCalls(source)) {
      if (queue === undefined) problems.push(`${call}(${name}): not a queue of shared/config/resources.ts`);
      else if (call === 'deadLetterSink' && !definition.access.deadLettersFor.includes(queue)) problems.push(`${call}(${queue.id}) but no deadLettersFor`);
      else if (call === 'retryVisibility' && definition.queue !== queue) problems.push(`${call}(${queue.id}) on a queue it does not consume`);
      else if (call === 'delayedRequeue' && !definition.access.sendsTo.includes(queue)) problems.push(`${call}(${queue.id}) but no sendsTo`);
    }
    expect(problems).toEqual([]);
  });

  it('finds the calls it checks (the check can fail)', () => {
    const calls = queueCalls('deadLetterSink(incidentEventsQueue); retryVisibility(cardRefreshQueue); delayedRequeue(outgoingImQueue)');
    expect(calls.map(({ call, queue }) => `${call}:${queue?.id}`)).toEqual([
      'deadLetterSink:incident-events',
      'retryVisibility:card-refresh',
      'delayedRequeue:outgoing-im',
    ]);
    const notify = functionDefinitions.find((definition) => definition.name === 'notify')!;
    expect(notify.access.sendsTo.includes(resources.incidentEventsQueue)).toBe(false);
  });
});
