/**
 * `dutybridge actions tail [--follow] [--json]`: the incident.action messages dutybridge published,
 * newest last, read from the local stack's copy (local/actions-tap.ts), so the queue's consumer
 * still gets every message. `--follow` keeps printing new ones until Ctrl-C. On a deployed stack
 * the actions are your incident system's to read: the README says how to subscribe a copy.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { actionsTapFile, type TappedAction } from '../local/actions-tap';
import { CliUsageError, defaultDataDir, type CliTarget } from './target';

export const DEFAULT_TAIL_LINES = 20;

/** One action in one line: when, incident, what, who, idempotency key. */
export function formatAction(tapped: TappedAction): string {
  const a = tapped.action as { at?: string; incidentId?: string; action?: string; snoozeMinutes?: number; actor?: { email?: string; platform?: string; userId?: string }; idempotencyKey?: string };
  const what = a.action === 'snooze' && a.snoozeMinutes ? `snooze ${a.snoozeMinutes} min` : (a.action ?? '?');
  const who = a.actor ? `by ${a.actor.email ?? '?'}${a.actor.platform ? ` (${a.actor.platform}${a.actor.userId ? ` ${a.actor.userId}` : ''})` : ''}` : '';
  return [a.at ?? tapped.tappedAt, a.incidentId ?? '?', what, who, a.idempotencyKey ? `key ${a.idempotencyKey}` : ''].filter(Boolean).join('  ');
}

/** Parses the tap file's lines; a repeated idempotency key (an outbox republish) is shown once. */
export function parseTapLines(text: string, seen: Set<string>): TappedAction[] {
  const out: TappedAction[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let tapped: TappedAction;
    try {
      tapped = JSON.parse(line) as TappedAction;
    } catch {
      continue; // a line cut by a crash
    }
    const key = String((tapped.action as { idempotencyKey?: unknown }).idempotencyKey ?? `${tapped.messageId}`);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(tapped);
  }
  return out;
}

export async function actionsTail(
  target: Pick<CliTarget, 'kind' | 'description'>,
  options: { dataDir?: string; follow: boolean; json: boolean; lines?: number; write?: (text: string) => void; stopWhen?: () => boolean; pollMs?: number },
): Promise<number> {
  if (target.kind !== 'local') {
    throw new CliUsageError(
      'actions tail reads the local stack\u2019s copy of incident-actions.fifo; on a deployed stack the queue belongs to your incident system: ' +
        'subscribe a copy of your own as the README describes ("Watching the actions on AWS")',
    );
  }
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const file = actionsTapFile(options.dataDir ?? defaultDataDir());
  const show = (tapped: TappedAction) => write(`${options.json ? JSON.stringify(tapped.action) : formatAction(tapped)}\n`);
  const seen = new Set<string>();
  let offset = 0;
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    offset = Buffer.byteLength(text);
    const all = parseTapLines(text, seen);
    for (const tapped of all.slice(-(options.lines ?? DEFAULT_TAIL_LINES))) show(tapped);
    if (all.length === 0 && !options.follow && !options.json) write(`no actions yet (the local stack copies each incident.action to ${file})\n`);
  } else if (!options.json) {
    write(`no actions yet: click a card's button in the simulator's view (the local stack copies each incident.action to ${file})\n`);
  }
  if (!options.follow) return 0;
  if (!options.json) process.stderr.write('following new actions; Ctrl-C to stop\n');
  let pending = '';
  while (!options.stopWhen?.()) {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 300));
    if (!existsSync(file)) continue;
    const size = statSync(file).size;
    if (size < offset) offset = 0; // rotated: start over on the new file
    if (size === offset) continue;
    const buffer = readFileSync(file).subarray(offset, size);
    offset = size;
    const text = pending + buffer.toString('utf8');
    const cut = text.lastIndexOf('\n');
    pending = text.slice(cut + 1);
    for (const tapped of parseTapLines(text.slice(0, cut + 1), seen)) show(tapped);
  }
  return 0;
}
