import { handler } from '../../functions/healthz/handler';
import { WECOM_VERIFY_FILE_ENV, weComVerificationCode } from '../../shared/config/wecom-verify-file';

const VERIFY_FILE = 'WW_verify_YpAqDE4xoAPsmGSK.txt';

describe('healthz', () => {
  const previous = process.env[WECOM_VERIFY_FILE_ENV];
  afterEach(() => {
    if (previous === undefined) delete process.env[WECOM_VERIFY_FILE_ENV];
    else process.env[WECOM_VERIFY_FILE_ENV] = previous;
  });

  it('answers the liveness probe with JSON, with or without an event', async () => {
    for (const event of [undefined, { rawPath: '/healthz' }]) {
      const result = await handler(event);
      expect(result.statusCode).toBe(200);
      expect(result.headers).toEqual({ 'content-type': 'application/json; charset=utf-8' });
      expect(JSON.parse(result.body as string)).toEqual({ status: 'ok', service: 'dutybridge' });
    }
  });

  it('serves the configured WeCom file as its bare code: plain text, no newline', async () => {
    process.env[WECOM_VERIFY_FILE_ENV] = VERIFY_FILE;
    const result = await handler({ rawPath: `/${VERIFY_FILE}` });
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/^text\/plain(;|$)/);
    expect(result.body).toBe('YpAqDE4xoAPsmGSK');
  });

  it.each([
    ['another verification file', '/WW_verify_SomethingElse1.txt'],
    ['the file under a path', `/x/${VERIFY_FILE}`],
    ['a different case', `/${VERIFY_FILE.toLowerCase()}`],
    ['the root', '/'],
  ])('answers 404 for %s', async (_label, rawPath) => {
    process.env[WECOM_VERIFY_FILE_ENV] = VERIFY_FILE;
    const result = await handler({ rawPath });
    expect(result.statusCode).toBe(404);
    expect(result.body).not.toContain('YpAqDE4xoAPsmGSK');
  });

  it('answers 404 for a verification path when no file is configured', async () => {
    delete process.env[WECOM_VERIFY_FILE_ENV];
    expect((await handler({ rawPath: `/${VERIFY_FILE}` })).statusCode).toBe(404);
  });

  it('never serves a configured value that is not a WeCom file name', async () => {
    process.env[WECOM_VERIFY_FILE_ENV] = 'secrets.txt';
    expect((await handler({ rawPath: '/secrets.txt' })).statusCode).toBe(404);
  });
});

describe('weComVerificationCode', () => {
  it('extracts the code between WW_verify_ and .txt', () => {
    expect(weComVerificationCode('WW_verify_AbCdEf123.txt')).toBe('AbCdEf123');
  });

  it.each(['WW_verify_.txt', 'ww_verify_abc.txt', 'WW_verify_ab-c.txt', 'WW_verify_abc.txt.bak', 'WW_verify_abc.html', `WW_verify_${'a'.repeat(65)}.txt`])(
    'refuses %p',
    (fileName) => {
      expect(weComVerificationCode(fileName)).toBeUndefined();
    },
  );
});
