/**
 * WeCom's domain ownership check (可信域名): the admin console hands out a file named
 * `WW_verify_<code>.txt` that must be reachable at the root of the domain, and its content is the
 * code itself. The CDK checks the name and adds the route; the healthz function serves it. Kept
 * free of imports because it goes into the healthz bundle.
 */

/** Environment variable holding the file name the healthz function answers for. */
export const WECOM_VERIFY_FILE_ENV = 'WECOM_VERIFY_FILE';

/** The console's file name; the captured group is the code the file contains. */
export const WECOM_VERIFY_FILE_PATTERN = /^WW_verify_([A-Za-z0-9]{1,64})\.txt$/;

/** The code inside `WW_verify_<code>.txt`, or undefined when the name is not such a file. */
export function weComVerificationCode(fileName: string): string | undefined {
  return WECOM_VERIFY_FILE_PATTERN.exec(fileName)?.[1];
}
