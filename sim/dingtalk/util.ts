import { randomBytes, randomUUID } from 'node:crypto';

export type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly text: string };

export function parseJson(body: Buffer | string): JsonParse {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, text };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const alphanumeric = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphanumeric[byte % alphanumeric.length];
  return out;
}

/** Looks like the gateway's request ids (upper-case UUID). */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

export function newHexId(): string {
  return randomBytes(16).toString('hex');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Calendar month in China Standard Time (UTC+8), where DingTalk's monthly quota resets. */
export function chinaMonth(epochMs: number): string {
  return new Date(epochMs + 8 * 3600_000).toISOString().slice(0, 7);
}

export function queryRecord(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of query) out[key] = value;
  return out;
}
