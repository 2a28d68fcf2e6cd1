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
 */
export const DEFAULT_BUNDLE_BUDGET_BYTES = 300 * 1024;

const budgets: Readonly<Record<string, number>> = {
  notify: 330 * 1024,
};

/** The budget of one function's minified bundle. */
export function bundleBudgetBytes(functionName: string): number {
  return budgets[functionName] ?? DEFAULT_BUNDLE_BUDGET_BYTES;
}
