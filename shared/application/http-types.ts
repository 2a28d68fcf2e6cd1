/** Platform-neutral HTTP shapes used by the callback use cases (handlers adapt API Gateway events). */
import { BadRequestError } from '../domain/errors';

export interface CallbackRequest {
  readonly method: string;
  readonly integrationId: string;
  /** Query string exactly as received (still percent-encoded). */
  readonly rawQuery: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

export interface CallbackResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export const emptyOk: CallbackResponse = { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };

export function jsonResponse(statusCode: number, payload: unknown): CallbackResponse {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(payload) };
}

/**
 * Parses a query string decoding each name and value exactly once. `+` stays `+`: WeCom's echostr is
 * standard base64, and turning `+` into a space (form decoding) breaks the SHA1 signature.
 */
export function parseQueryOnce(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  if (!rawQuery) return params;
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName);
      value = decodeURIComponent(rawValue);
    } catch {
      throw new BadRequestError('invalid_query', 'query string has malformed percent-encoding');
    }
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}

export function requireParams<K extends string>(params: Map<string, string>, names: readonly K[]): Record<K, string> {
  const missing = names.filter((n) => !params.get(n));
  if (missing.length > 0) throw new BadRequestError('missing_parameter', `missing query parameter(s): ${missing.join(', ')}`);
  return Object.fromEntries(names.map((n) => [n, params.get(n)!])) as Record<K, string>;
}
