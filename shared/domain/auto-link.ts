/**
 * The scheduled One-Click Link of an integration (issue 11 item 3, "also as a scheduled option"):
 * set with `dutybridge links auto --integration ID --schedule daily [--max-miss-ratio R]
 * [--headcount N]`, removed with `--schedule off`. The auto-link function runs once a day and
 * links the members added since, within the same daily budget of failed lookups as a manual run.
 */
import * as z from 'zod/mini';
import { WECOM_BLOCKING_MISS_RATIO } from './lookup-budget';

export const autoLinkSettingsSchema = z.object({
  schedule: z.literal('daily'),
  maxMissRatio: z.number().check(z.positive(), z.lt(WECOM_BLOCKING_MISS_RATIO)),
  /** The corp's headcount; absent: the number of members in the directory at each run. */
  headcount: z.optional(z.number().check(z.int(), z.positive())),
  updatedAt: z.number(),
});
export type AutoLinkSettings = z.infer<typeof autoLinkSettingsSchema>;
