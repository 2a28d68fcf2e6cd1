/**
 * Rejections the simulated DingTalk returns. Two API families answer errors differently
 * (research §0): api.dingtalk.com uses HTTP 4xx/5xx with `{code, message, requestid}`;
 * oapi.dingtalk.com answers HTTP 200 with `{errcode, errmsg}`.
 */

export type RejectionShape =
  | { readonly family: 'new'; readonly status: number; readonly code: string; readonly message: string }
  | { readonly family: 'oapi'; readonly errcode: number; readonly errmsg: string; readonly status?: number };

/** Thrown inside an endpoint to reject the call; `reason` is the plain-words strictness note. */
export class DingTalkRejectionError extends Error {
  constructor(
    readonly shape: RejectionShape,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'DingTalkRejectionError';
  }
}

export function newApiRejection(status: number, code: string, message: string, reason: string): DingTalkRejectionError {
  return new DingTalkRejectionError({ family: 'new', status, code, message }, reason);
}

export function oapiRejection(errcode: number, errmsg: string, reason: string, status?: number): DingTalkRejectionError {
  return new DingTalkRejectionError({ family: 'oapi', errcode, errmsg, status }, reason);
}

/** Invalid input on a `/_sim/dingtalk/...` control call. */
export class DingTalkControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: readonly string[],
  ) {
    super(message);
    this.name = 'DingTalkControlError';
  }
}
