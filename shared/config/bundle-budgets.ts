/**
 * Minified bundle budgets per Lambda function (bytes), checked by test/functions/bundles.test.ts and
 * printed by `npm run bench:startup`. Not imported by any function, so it never reaches a bundle.
 *
 * Why a budget: the bundle is parsed on every cold start. Why per function: one number for all hides
 * which function grew. The default holds every function but one:
 * - `notify` is the only function that carries both platforms' card senders, the group-bot alerts
 *   and the template engine (liquidjs, ~79 KB minified as one prebuilt file that esbuild cannot
 *   tree-shake). Measured 2026-12-01: 315 KB; its cold import (bench:startup) stayed below that of
 *   refresh-card (287 KB), because the AWS SDK clients, not our bytes, dominate the import.
 * - `refresh-card` carries both platforms' card flows and liquidjs too (every copy of a card is
 *   re-rendered with the integration's template). Issue 15's integration settings (smart bot and
 *   model schemas, the bot-replies queue definition) took it from 299.98 KB to 300.6 KB
 *   (307,839 B, measured 2026-12-01); notify went to 330.7 KB the same way. Both get 10 KB of room
 *   rather than a split of the shared integration schema that every function parses.
 * - Issue 16 (WeCom suite mode) put the suite token source on the WeCom card path of both: a suite
 *   integration's corp token is get_corp_token with the suite token (suite-client 7.7 KB, suite
 *   store 2.5 KB, suite tokens 2.0 KB, domain and secrets 2.6 KB, the suite errcodes in errors.ts).
 *   Measured 2026-12-02: notify 359,828 B, refresh-card 328,792 B; each gets ~5 KB of room again.
 */
export const DEFAULT_BUNDLE_BUDGET_BYTES = 300 * 1024;

const budgets: Readonly<Record<string, number>> = {
  notify: 356 * 1024,
  'refresh-card': 326 * 1024,
};

/** The budget of one function's minified bundle. */
export function bundleBudgetBytes(functionName: string): number {
  return budgets[functionName] ?? DEFAULT_BUNDLE_BUDGET_BYTES;
}
