/**
 * Ports of the people features (issue 11): account linking, mapping tables and group bots.
 * Kept apart from ports.ts so each feature's adapters implement a small, readable contract.
 */

/**
 * How a link came to be, shown by `links list`: `admin` (links set), `login` (the person opened the
 * linking page and was matched by the mobile or email of their chat account), `sso` (OpenID
 * Connect), `code` (one-time code by email), `one_click` (links auto).
 */
export const linkMethods = ['admin', 'login', 'sso', 'code', 'one_click'] as const;
export type LinkMethod = (typeof linkMethods)[number];

/** One row of a mapping table (seed 004, WeCom): a member's email and their WeCom userid. */
export interface MappingRow {
  readonly email: string;
  readonly userId: string;
}

export interface MappingTableSummary {
  readonly name: string;
  readonly platform: 'wecom';
  readonly rows: number;
  readonly updatedAt: number;
}

/**
 * Named email → WeCom userid tables, used to @mention people inline (`<@userid>`) from group bots.
 * A table is replaced as a whole: readers see the old rows or the new ones, never a mix.
 */
export interface MappingTables {
  /** Creates or replaces the table's rows atomically (validation happens before, in the use case). */
  replace(name: string, rows: readonly MappingRow[], nowMs: number): Promise<MappingTableSummary>;
  /** Creates an empty table; false when one of that name exists. */
  create(name: string, nowMs: number): Promise<boolean>;
  summary(name: string): Promise<MappingTableSummary | undefined>;
  rows(name: string): Promise<MappingRow[]>;
  list(): Promise<MappingTableSummary[]>;
  delete(name: string): Promise<boolean>;
  /** email (lower-cased) → userid for those of `emails` the table has. */
  lookup(name: string, emails: readonly string[]): Promise<Map<string, string>>;
}

/** What an OpenID Connect identity provider proved about a person (the `email` claim was verified). */
export interface OidcIdentity {
  readonly subject: string;
  readonly email: string;
  readonly name?: string;
}

/**
 * The organisation's identity provider (OpenID Connect authorization code flow). The adapter
 * discovers the endpoints from the issuer, verifies the ID token (signature against the JWKS,
 * iss, aud, exp, nonce) and refuses an `email_verified` that is not true.
 */
export interface OidcProvider {
  authorizationUrl(args: { issuer: string; clientId: string; redirectUri: string; state: string; nonce: string }): Promise<string>;
  /** Exchanges the code; throws OidcRejectedError (adapter) with a reason on any failure. */
  finish(args: { issuer: string; clientId: string; clientSecret: string; redirectUri: string; code: string; nonce: string }): Promise<OidcIdentity>;
}

/** Sends the one-time code mail (SMTP, or Amazon SES where the region has it). */
export interface Mailer {
  send(message: { to: string; subject: string; text: string; html?: string }): Promise<void>;
}

/**
 * One-time codes by email: 6 digits, valid 10 minutes, at most 5 tries, single use. Only a hash of
 * the code is stored. Keyed by the linking session (the chat account being linked).
 */
export interface OneTimeCodes {
  /** Stores a new code for the session (replacing any earlier one); the caller mails `code`. */
  issue(sessionKey: string, email: string, code: string, nowMs: number): Promise<void>;
  /** 'ok' (consumed: the code is gone), 'wrong' (a try spent), 'exhausted' (5 tries spent), 'expired', 'none'. */
  check(sessionKey: string, code: string, nowMs: number): Promise<{ outcome: 'ok'; email: string } | { outcome: 'wrong' | 'exhausted' | 'expired' | 'none'; triesLeft?: number }>;
}

/** Single use of signed tokens and OAuth states: claims `jti` once for `ttlSeconds`. */
export interface TokenClaims {
  /** true the first time; false if it was claimed before (a replay). */
  claimOnce(jti: string, ttlSeconds: number): Promise<boolean>;
}
