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
