import {
  classifyWeComErrcode,
  weComErrorFromErrcode,
  WeComApiError,
  WeComPermanentError,
  WeComRetryableError,
  WeComThrottledError,
  WeComTokenError,
} from '../../../../shared/adapters/wecom/errors';

describe('classifyWeComErrcode', () => {
  const table: [number, string][] = [
    [0, 'ok'],
    [-1, 'retry'],
    [45009, 'throttled'],
    [45033, 'throttled'],
    [40014, 'token'],
    [42001, 'token'],
    // Service-provider (suite) codes.
    [40082, 'token'],
    [42009, 'token'],
    [40085, 'retry'],
    ...[40080, 40083, 48003, 41023, 40077, 42007, 40078, 41025, 84054, 40084, 48004, 48001, 701099].map((code): [number, string] => [code, 'permanent']),
    ...[48002, 60020, 81013, 301002, 40001, 60011, 40058, 45002, 44004, 60140, 42014, 42015, 42016, 42017, 42018, 86001, 86003, 86216, 86999, 46004, 60111, 41001].map(
      (code): [number, string] => [code, 'permanent'],
    ),
  ];

  it.each(table)('errcode %i → %s', (errcode, kind) => {
    const result = classifyWeComErrcode(errcode);
    expect(result.kind).toBe(kind);
    expect(result.reason).toContain(String(errcode));
  });

  it('explains in plain words', () => {
    expect(classifyWeComErrcode(60020).reason).toMatch(/^the app's IP is not in WeCom's trusted IP list \(60020\)/);
    expect(classifyWeComErrcode(81013).reason).toContain('nothing was delivered');
    expect(classifyWeComErrcode(60140).reason).toContain('72 hours');
  });

  it('explains appchat errcodes to a WeCom admin, 48002 narrowed on the appchat endpoints', () => {
    for (const code of [86001, 86003, 86004, 86005, 86006, 86008, 86201, 86203, 86205, 86207, 86215, 86216, 86220, 40050]) {
      expect(classifyWeComErrcode(code, '', 'appchat/create')).toMatchObject({ kind: 'permanent', reason: expect.stringContaining(`(${code})`) });
    }
    expect(classifyWeComErrcode(48002, '', 'appchat/create').reason).toBe(
      "appchat needs a self-built app whose visible range is the root department (应用可见范围需为根部门): set it in the admin console, in the app's 可见范围 (48002)",
    );
    expect(classifyWeComErrcode(48002, '', 'message/send').reason).not.toContain('root department');
    expect(classifyWeComErrcode(45009, '', 'appchat/create')).toMatchObject({ kind: 'throttled', reason: expect.stringContaining('1000 new group chats') });
    expect(classifyWeComErrcode(45009, '', 'appchat/update')).toMatchObject({ kind: 'throttled', reason: expect.stringContaining('1000 group chat changes') });
    expect(classifyWeComErrcode(45009, '', 'appchat/send').reason).not.toContain('1000');
    const error = weComErrorFromErrcode('appchat/update', 48002, 'api forbidden');
    expect(error).toBeInstanceOf(WeComPermanentError);
    expect(error.message).toContain('应用可见范围需为根部门');
  });

  it('explains the service-provider codes', () => {
    expect(classifyWeComErrcode(48001).reason).toBe('the corp has not authorized the app: authorize it first (48001)');
    expect(classifyWeComErrcode(40084).reason).toMatch(/^the customer removed the app/);
    expect(classifyWeComErrcode(48004).reason).toMatch(/^the customer removed the app/);
    expect(classifyWeComErrcode(40085).reason).toContain('every 10 minutes');
    expect(classifyWeComErrcode(40078).reason).toContain('already used');
    expect(classifyWeComErrcode(701099).reason).toContain('license');
  });

  it("points 60020 on provider calls at the provider console's IP whitelist", () => {
    for (const endpoint of ['service/get_suite_token', 'license/get_app_license_info']) {
      const { kind, reason } = classifyWeComErrcode(60020, '', endpoint);
      expect(kind).toBe('permanent');
      expect(reason).toContain("service provider's IP whitelist (60020)");
      expect(reason).not.toContain('企业可信IP');
    }
    expect(classifyWeComErrcode(60020, '', 'message/send').reason).toContain('企业可信IP');
  });

  it('treats unknown codes as permanent and quotes errmsg', () => {
    expect(classifyWeComErrcode(12345, 'something odd')).toEqual({ kind: 'permanent', reason: 'unknown errcode 12345: something odd' });
    expect(classifyWeComErrcode(12345).reason).toBe('unknown errcode 12345: no errmsg');
  });
});

describe('weComErrorFromErrcode', () => {
  it.each([
    [-1, WeComRetryableError, 'retry'],
    [45009, WeComThrottledError, 'throttled'],
    [42001, WeComTokenError, 'token'],
    [42009, WeComTokenError, 'token'],
    [40085, WeComRetryableError, 'retry'],
    [48004, WeComPermanentError, 'permanent'],
    [60020, WeComPermanentError, 'permanent'],
    [99999, WeComPermanentError, 'permanent'],
  ] as const)('errcode %i → %p', (errcode, type, kind) => {
    const error = weComErrorFromErrcode('message/send', errcode, 'msg, hint: [x]');
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(WeComApiError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ kind, errcode, errmsg: 'msg, hint: [x]', endpoint: 'message/send' });
    expect(error.message).toContain('message/send');
    expect(error.message).toContain(error.reason);
    expect(error.name).toBe(type.name);
  });
});
