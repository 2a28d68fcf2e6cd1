/**
 * WeCom answers every API call with HTTP 200 and `{errcode, errmsg}`; errmsg carries a hint, the
 * caller's IP and a lookup link (DOC-90313; example in DH getcallbackip). The simulator reproduces
 * that shape and keeps the plain-words reason for the call log.
 */
export const wecomErrorMessages: Readonly<Record<number, string>> = {
  [-1]: 'system busy',
  40001: 'invalid credential',
  40008: 'invalid message type',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40056: 'invalid agentid',
  40058: 'invalid Request Parameter',
  41001: 'access_token missing',
  41011: 'missing agentid',
  42001: 'access_token expired',
  42014: 'invalid task_id',
  42016: 'task_id not exist',
  44004: 'empty content',
  45002: 'content size out of limit',
  45009: 'api freq out of limit',
  46004: 'user no exist',
  47001: 'data format error',
  48002: 'api forbidden',
  50001: 'redirect_url not authorised',
  60020: 'not allow to access from your ip',
  60111: 'userid not found',
  60140: 'invalid response_code',
  81013: 'user & party & tag all invalid',
  82001: 'All touser & toparty & totag invalid',
  86001: 'invalid chatid',
  86003: 'chatid not exist',
  86004: 'invalid chat name',
  86008: 'chat not created by this app',
  86207: 'chat owner not in userlist',
  86215: 'chatid exists',
  86216: 'invalid userid in chat member list',
  86220: 'invalid msgtype',
  93000: 'invalid webhook url',
  301002: 'not allow operate another agent with this accesstoken.',
};

/** A rejection with WeCom's errcode; `reason` is the plain-words explanation for CallRecord.reason. */
export class WeComApiError extends Error {
  override readonly name = 'WeComApiError';
  constructor(
    readonly errcode: number,
    readonly reason: string,
  ) {
    super(`${errcode}: ${reason}`);
  }
}

/**
 * The JSON object body of a POSTed API call; anything else is 47001 (DOC-90313). The caller keeps
 * the raw text for the call log before calling this, so a refused body is still shown.
 */
export function jsonObjectBody(text: string): Record<string, unknown> {
  if (text.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WeComApiError(47001, 'request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new WeComApiError(47001, 'request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

let hintCounter = 0;

export function wecomErrorBody(errcode: number, nowMs: number, remoteAddress: string): { errcode: number; errmsg: string } {
  hintCounter += 1;
  const base = wecomErrorMessages[errcode] ?? 'unknown error';
  const hint = `${Math.floor(nowMs / 1000)}_${hintCounter}_sim`;
  return {
    errcode,
    errmsg: `${base}, hint: [${hint}], from ip: ${remoteAddress}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`,
  };
}
