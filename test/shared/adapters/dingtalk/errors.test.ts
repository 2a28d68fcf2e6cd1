import {
  DingTalkPermanentError,
  DingTalkQuotaExhaustedError,
  DingTalkRetryableError,
  DingTalkThrottledError,
  DingTalkTokenError,
  classifyNewApiAnswer,
  classifyOapiAnswer,
  dingTalkErrorFor,
  type DingTalkOutcomeKind,
} from '../../../../shared/adapters/dingtalk/errors';

describe('oapi answers (HTTP 200 + errcode)', () => {
  const table: [string, number, unknown, DingTalkOutcomeKind][] = [
    ['errcode 0', 200, { errcode: 0, errmsg: 'ok' }, 'ok'],
    ['90018 app×API QPS', 200, { errcode: 90018, errmsg: '您的企业应用调用钉钉开放平台当前接口的所有请求都被暂时禁用了' }, 'throttled'],
    ['90002 global QPS', 200, { errcode: 90002, errmsg: 'x' }, 'throttled'],
    ['90006 legacy corp throttle', 200, { errcode: 90006, errmsg: 'x' }, 'throttled'],
    ['90020 monthly quota', 200, { errcode: 90020, errmsg: '您的企业本月api调用量已超过限制' }, 'quota'],
    ['-1 busy', 200, { errcode: -1, errmsg: '系统繁忙' }, 'retry'],
    ['40014 invalid token', 200, { errcode: 40014, errmsg: '不合法的access_token' }, 'token'],
    ['42001 expired token', 200, { errcode: 42001, errmsg: 'access_token超时' }, 'token'],
    ['88 + sub_code 90018', 200, { errcode: 88, sub_code: '90018', sub_msg: 'qps' }, 'throttled'],
    ['88 + sub_code 90020', 200, { errcode: 88, sub_code: 90020 }, 'quota'],
    ['88 + sub_code 60011 permission', 200, { errcode: 88, sub_code: '60011', sub_msg: '没有调用该接口的权限' }, 'permanent'],
    ['88 without sub_code', 200, { errcode: 88, errmsg: '鉴权异常' }, 'permanent'],
    ['60121 not found', 200, { errcode: 60121, errmsg: '找不到该用户' }, 'permanent'],
    ['errcode as string', 200, { errcode: '90018' }, 'throttled'],
    ['HTTP 200 without errcode is not a success', 200, { result: {} }, 'permanent'],
    ['HTTP 200 with a non-JSON page', 200, '<html>blocked</html>', 'retry'],
    ['HTTP 500 with errcode -1', 500, { errcode: -1, errmsg: '系统繁忙' }, 'retry'],
    ['HTTP 504 with no body', 504, undefined, 'retry'],
    ['HTTP 429', 429, undefined, 'retry'],
    ['HTTP 404 with errcode 404', 404, { errcode: 404, errmsg: '请求的URI地址不存在' }, 'permanent'],
    ['IP ban page', 200, { status: 1111, wait: 5, source: 'x5', punish: 'deny', uuid: 'u' }, 'throttled'],
  ];
  it.each(table)('%s', (_name, status, body, kind) => {
    const result = classifyOapiAnswer(status, body);
    expect(result.kind).toBe(kind);
    expect(result.reason.length).toBeGreaterThan(5);
  });

  it('names the sub_code in the reason and waits 5 minutes on an IP ban', () => {
    expect(classifyOapiAnswer(200, { errcode: 88, sub_code: '90018' }).reason).toContain('sub_code 90018');
    expect(classifyOapiAnswer(200, { punish: 'deny', wait: 5 }).retryAfterMs).toBe(300_000);
    expect(classifyOapiAnswer(200, { errcode: 90018 }).retryAfterMs).toBeGreaterThanOrEqual(1000);
  });
});

describe('new API answers (HTTP status + code)', () => {
  const table: [string, number, unknown, DingTalkOutcomeKind][] = [
    ['200 result', 200, { processQueryKey: 'k' }, 'ok'],
    ['200 success:true', 200, { success: true, result: true }, 'ok'],
    ['200 success:false', 200, { success: false }, 'permanent'],
    ['200 with an error code', 200, { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', message: 'x' }, 'throttled'],
    ['403 QpsLimitForAppkeyAndApi', 403, { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', message: '您的企业应用…', requestid: 'r' }, 'throttled'],
    ['403 QpsLimitForApi', 403, { code: 'Forbidden.AccessDenied.QpsLimitForApi' }, 'throttled'],
    ['403 QpmLimitForAppkeyAndApi', 403, { code: 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi' }, 'throttled'],
    ['403 ApiCountLimitForOrg', 403, { code: 'Forbidden.AccessDenied.ApiCountLimitForOrg' }, 'quota'],
    ['403 IP not allowed', 403, { code: 'Forbidden.AccessDenied.IpNotInWhiteList' }, 'permanent'],
    ['401 InvalidAuthentication', 401, { code: 'InvalidAuthentication', message: '不合法的access_token' }, 'token'],
    ['401 without body', 401, undefined, 'token'],
    ['400 InvalidAuthentication', 400, { code: 'InvalidAuthentication' }, 'token'],
    ['400 InvalidAuthentication as captured', 400, { code: 'InvalidAuthentication', requestid: '30EE8654-1AA2-7D88-8248-9518547248AA', message: '不合法的access_token' }, 'token'],
    ['400 invalidAuthentication (lower camel)', 400, { code: 'invalidAuthentication', message: '不合法的access_token' }, 'token'],
    ['400 param.cardAlreadyExist (the client turns it into delivered)', 400, { code: 'param.cardAlreadyExist', message: '卡片已存在' }, 'permanent'],
    ['429', 429, { code: 'Throttling' }, 'retry'],
    ['500 system.busy', 500, { code: 'system.busy', message: '系统繁忙' }, 'retry'],
    ['503 no body', 503, '<html>', 'retry'],
    ['504 GatewayTimeout', 504, { code: 'GatewayTimeout' }, 'retry'],
    ['400 send.too.fast', 400, { code: 'send.too.fast' }, 'throttled'],
    ['400 param.cardNotExist', 400, { code: 'param.cardNotExist', message: '卡片不存在' }, 'permanent'],
    ['400 invalidParameter.robotCode.coolApp', 400, { code: 'invalidParameter.robotCode.coolApp' }, 'permanent'],
    ['404 InvalidAction.NotFound', 404, { code: 'InvalidAction.NotFound' }, 'permanent'],
  ];
  it.each(table)('%s', (_name, status, body, kind) => {
    const result = classifyNewApiAnswer(status, body);
    expect(result.kind).toBe(kind);
    if (kind !== 'ok' && typeof body === 'object' && body !== null && 'code' in body) expect(result.reason).toContain(String((body as { code: string }).code));
  });
});

describe('typed errors', () => {
  it('maps each kind to its class, all DingTalkApiError with the kind and endpoint', () => {
    const details = { endpoint: 'new:/v1.0/x', httpStatus: 403, answered: true };
    const cases = [
      [classifyNewApiAnswer(500, { code: 'system.busy' }), DingTalkRetryableError],
      [classifyNewApiAnswer(403, { code: 'Forbidden.AccessDenied.QpsLimitForApi' }), DingTalkThrottledError],
      [classifyNewApiAnswer(401, { code: 'InvalidAuthentication' }), DingTalkTokenError],
      [classifyNewApiAnswer(403, { code: 'Forbidden.AccessDenied.ApiCountLimitForOrg' }), DingTalkQuotaExhaustedError],
      [classifyNewApiAnswer(400, { code: 'param.cardNotExist' }), DingTalkPermanentError],
    ] as const;
    for (const [classification, type] of cases) {
      const error = dingTalkErrorFor(classification, details);
      expect(error).toBeInstanceOf(type);
      expect(error.kind).toBe(classification.kind);
      expect(error.message).toContain('new:/v1.0/x');
      expect(error.name).toBe(type.name);
    }
    expect(() => dingTalkErrorFor({ kind: 'ok', reason: 'fine' }, details)).toThrow(TypeError);
  });
});
