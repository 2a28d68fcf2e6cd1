/**
 * Once-only processing of platform callbacks (WeCom and DingTalk retry, and replay): a short pending
 * claim before the work, completed after it, so a replay is answered without doing the work again
 * and a delivery that died mid-way does not swallow the platform's retry.
 */
import { RequestRejectedError } from '../domain/errors';
import type { DedupeStore } from './ports';

/** Longer than the platforms' retry windows by far (WeCom: 3 retries; DingTalk: +10 s, +30 s). */
export const CALLBACK_DEDUPE_TTL_SECONDS = 3 * 24 * 3600;
/** A claim older than this belongs to an invocation that died (callback functions time out in ≤ 5 s). */
export const CALLBACK_PENDING_SECONDS = 8;

export class CallbackInProgressError extends RequestRejectedError {
  constructor() {
    super(503, 'in_progress', 'the same callback is being processed; retry shortly');
    this.name = 'CallbackInProgressError';
  }
}

/**
 * Runs `work` once per key: a finished duplicate gets 'duplicate'; a duplicate of work still in
 * flight gets a 503 so the platform retries after it has finished (or after a dead claim lapsed).
 */
export async function onceOnly<T>(dedupe: DedupeStore, key: string, work: () => Promise<T>): Promise<{ kind: 'done'; value: T } | { kind: 'duplicate' }> {
  const claim = await dedupe.claim(key, CALLBACK_PENDING_SECONDS);
  if (claim === 'done') return { kind: 'duplicate' };
  if (claim === 'pending') throw new CallbackInProgressError();
  let value: T;
  try {
    value = await work();
  } catch (error) {
    // The work did not happen: forget the claim so the platform's retry is processed.
    await dedupe.release(key).catch(() => undefined);
    throw error;
  }
  await dedupe.complete(key, CALLBACK_DEDUPE_TTL_SECONDS);
  return { kind: 'done', value };
}
