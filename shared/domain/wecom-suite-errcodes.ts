/**
 * The WeCom service-provider (suite) errcodes the use cases act on, by meaning. The adapter
 * classifies every errcode (shared/adapters/wecom/errors.ts); these are the few that change what a
 * use case does next (ask for authorization, drop a customer, wait for a ticket…).
 * Meanings: DOC-90455 (service-provider error codes), via research/wecom-suite.md §2–§7.
 */
export const suiteErrcodes = {
  /** corpid_to_opencorpid: the corp has no authorization relationship with this provider (DOC-90455, 48001 note 2). */
  notAuthorized: 48001,
  /** get_permanent_code: the auth_code was used already or is older than 10 minutes (DOC-90455, DOC-90597). */
  authCodeUsed: 40078,
  /** get_corp_token after the customer removed the app; which of the two WeCom sends is UNCONFIRMED (§2.6). */
  authorizationCancelled: [40084, 48004],
  /** get_suite_token: the suite_ticket is not the newest valid one (DOC-90600, DOC-90628). */
  ticketRejected: 40085,
  /** suite_access_token invalid (40082) or expired (42009): drop the cached one and fetch a new one. */
  suiteTokenRejected: [40082, 42009],
  /** A gated API refused a member without an active API access license (DOC-95652). */
  licenseNotActivated: 701099,
  /** message/send: every recipient is invalid or unlicensed, nothing was delivered (DOC-90372). */
  allRecipientsInvalid: 81013,
} as const satisfies Readonly<Record<string, number | readonly number[]>>;

/**
 * True when `error` is an Error carrying a numeric `errcode` equal to `codes` (or one of them).
 * Structural on purpose: the domain must not import the WeCom adapter's error classes.
 */
export function isSuiteErrcode(error: unknown, codes: number | readonly number[]): boolean {
  if (!(error instanceof Error)) return false;
  const errcode: unknown = (error as { errcode?: unknown }).errcode;
  if (typeof errcode !== 'number') return false;
  return typeof codes === 'number' ? errcode === codes : codes.includes(errcode);
}
