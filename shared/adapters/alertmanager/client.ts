/**
 * Prometheus Alertmanager API v2 client (issue 18): silences out (create, read, expire) and alerts
 * (post and list, for tests and the demo). Paths and answers follow Alertmanager's
 * api/v2/openapi.yaml; what the spec leaves open was checked against a running 0.25:
 *
 * - DELETE /silence/{silenceID} of a silence that is already expired answers 200 since 0.24 (expiry
 *   is idempotent); 0.23 and older answer 500 "silence <id> already expired".
 * - DELETE of an unknown id answers 500 "silence not found" up to 0.25; 0.26 and newer answer 404.
 *   Both are 'gone': there is nothing left to expire, and retrying would not change that.
 * - The spec's schema checks (an empty matcher list, an id that is not a UUID) answer 422; a silence
 *   Alertmanager itself refuses (a regex that does not compile) answers 400.
 *
 * Every failure is an AlertmanagerError: `retry` when another attempt may succeed (no connection,
 * timeout, 429, 5xx), `permanent` when it cannot (any other 4xx, or a body that is not what the spec
 * promises). Messages carry the method, path, status and the start of the body, never the token.
 */
import * as z from 'zod/mini';

export class AlertmanagerError extends Error {
  override readonly name = 'AlertmanagerError';
  constructor(
    message: string,
    readonly kind: 'retry' | 'permanent',
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface AlertmanagerClientOptions {
  /** Where Alertmanager serves, before `/api/v2` (include any --web.route-prefix). */
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
  /** Per request, including reading the body; default 5000. */
  readonly timeoutMs?: number;
  /** Sent as `Authorization: Bearer …` (Alertmanager behind an authenticating proxy, or --web.config.file). */
  readonly bearerToken?: string;
}

/** openapi.yaml definitions/matcher; isEqual (negative matchers, `!=` / `!~`) is absent before 0.22 and means true. */
const matcherSchema = z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.optional(z.boolean()) });
/** openapi.yaml definitions/gettableSilence. */
const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(['active', 'pending', 'expired']) }),
  matchers: z.array(matcherSchema),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});
/** openapi.yaml definitions/gettableAlert (the fields dutybridge reads). */
const alertSchema = z.object({
  fingerprint: z.string(),
  labels: z.record(z.string(), z.string()),
  status: z.object({ state: z.enum(['active', 'suppressed', 'unprocessed']), silencedBy: z.array(z.string()) }),
});
/** openapi.yaml paths./silences.post responses.200. */
const createdSchema = z.object({ silenceID: z.string().check(z.minLength(1)) });

export type SilenceMatcher = z.infer<typeof matcherSchema>;
export type Silence = z.infer<typeof silenceSchema>;
export type AlertmanagerAlert = z.infer<typeof alertSchema>;

export interface NewSilence {
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
}

/** openapi.yaml definitions/postableAlert. */
export interface PostableAlert {
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly startsAt?: string;
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

const BODY_SNIPPET_CHARS = 200;

export class AlertmanagerClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: AlertmanagerClientOptions) {
    this.base = `${options.baseUrl.replace(/\/+$/, '')}/api/v2`;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** POST /silences → { silenceID }. */
  async createSilence(input: NewSilence): Promise<string> {
    const answer = await this.send('POST', '/silences', input);
    if (answer.status !== 200) throw this.failure('POST /silences', answer);
    return this.parse(createdSchema, 'POST /silences', answer).silenceID;
  }

  /** DELETE /silence/{silenceID}: 'expired' when the silence is now expired, 'gone' when Alertmanager has no such silence. */
  async expireSilence(id: string): Promise<'expired' | 'gone'> {
    const answer = await this.send('DELETE', `/silence/${encodeURIComponent(id)}`);
    if (answer.status === 200) return 'expired';
    if (answer.status === 404) return 'gone';
    if (answer.status === 500 && /silence not found|already expired/.test(answer.text)) return 'gone';
    throw this.failure('DELETE /silence/{silenceID}', answer);
  }

  /** GET /silence/{silenceID}; undefined on 404 (never created, or garbage-collected after --data.retention). */
  async getSilence(id: string): Promise<Silence | undefined> {
    const answer = await this.send('GET', `/silence/${encodeURIComponent(id)}`);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw this.failure('GET /silence/{silenceID}', answer);
    return this.parse(silenceSchema, 'GET /silence/{silenceID}', answer);
  }

  /** GET /silences: every silence Alertmanager still keeps, expired ones included. */
  async listSilences(): Promise<Silence[]> {
    const answer = await this.send('GET', '/silences');
    if (answer.status !== 200) throw this.failure('GET /silences', answer);
    return this.parse(z.array(silenceSchema), 'GET /silences', answer);
  }

  /** POST /alerts (what Prometheus does); Alertmanager answers 400 when any alert is invalid. */
  async postAlerts(alerts: readonly PostableAlert[]): Promise<void> {
    const answer = await this.send('POST', '/alerts', alerts);
    if (answer.status !== 200) throw this.failure('POST /alerts', answer);
  }

  /** GET /alerts, each `filter` a matcher such as `alertname="X"` (openapi.yaml: collectionFormat multi). */
  async listAlerts(filter: readonly string[] = []): Promise<AlertmanagerAlert[]> {
    const query = new URLSearchParams(filter.map((f): [string, string] => ['filter', f])).toString();
    const answer = await this.send('GET', `/alerts${query ? `?${query}` : ''}`);
    if (answer.status !== 200) throw this.failure('GET /alerts', answer);
    return this.parse(z.array(alertSchema), 'GET /alerts', answer);
  }

  private async send(method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.bearerToken) headers.authorization = `Bearer ${this.options.bearerToken}`;
    const route = `${method} ${path.replace(/\?.*$/, '')}`;
    try {
      // One signal for the request and the body: a server that stalls mid-body is a timeout too.
      const response = await (this.options.fetch ?? fetch)(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      // Duck-typed: fetch's errors (a DOMException on timeout) may come from another realm than this module's Error.
      const failed = error as { name?: unknown; message?: unknown; cause?: { message?: unknown } } | undefined;
      const timedOut = failed?.name === 'TimeoutError';
      const cause = String(failed?.cause?.message ?? failed?.message ?? error);
      throw new AlertmanagerError(`Alertmanager ${route}: ${timedOut ? `no answer within ${this.timeoutMs} ms` : `request failed: ${this.redact(cause)}`}`, 'retry');
    }
  }

  private failure(route: string, answer: Answer): AlertmanagerError {
    const kind = answer.status === 429 || answer.status >= 500 ? 'retry' : 'permanent';
    return new AlertmanagerError(`Alertmanager ${route} answered ${answer.status}: ${this.snippet(answer.text)}`, kind, answer.status);
  }

  private parse<T>(schema: z.ZodMiniType<T>, route: string, answer: Answer): T {
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw new AlertmanagerError(`Alertmanager ${route} answered ${answer.status} with a body that is not JSON: ${this.snippet(answer.text)}`, 'permanent', answer.status);
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new AlertmanagerError(`Alertmanager ${route} answered ${answer.status} with an unexpected body (${where}: ${issue?.message ?? 'invalid'})`, 'permanent', answer.status);
  }

  private snippet(text: string): string {
    const short = text.length > BODY_SNIPPET_CHARS ? `${text.slice(0, BODY_SNIPPET_CHARS)}…` : text;
    return this.redact(short.trim() || '(empty body)');
  }

  /** A proxy may echo request headers into an error page: the token never reaches a log line. */
  private redact(text: string): string {
    const token = this.options.bearerToken;
    return token ? text.split(token).join('[redacted]') : text;
  }
}
