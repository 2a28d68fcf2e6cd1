/**
 * The rules that keep the CLI from hurting production by accident (cli/safety.ts), and the
 * account read from a stack's ARN (cli/target.ts).
 */
import { PassThrough } from 'node:stream';
import { cardCallbackRefusal, checkEndpoints, confirmByTypingId, effectiveEndpoints, isLoopbackHost, isLoopbackUrl } from '../../cli/safety';
import { CliUsageError, parseStackArn } from '../../cli/target';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return (error as Error).message;
  }
  throw new Error('expected a CliUsageError');
}

describe('loopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST.', 'app.localhost', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:0:0:1'])('%s is loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(true);
  });
  it.each(['128.0.0.1', '10.0.0.1', '0.0.0.0', 'api.dingtalk.com', 'localhost.example.com', '127.0.0.1.nip.io', '::2', '::ffff:10.0.0.1'])('%s is not loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });
  it('reads URLs, IPv6 in brackets included', () => {
    expect(isLoopbackUrl('http://[::1]:8787/x')).toBe(true);
    expect(isLoopbackUrl('http://127.0.0.1:8787')).toBe(true);
    expect(isLoopbackUrl('https://abc.execute-api.cn-north-1.amazonaws.com.cn')).toBe(false);
    expect(isLoopbackUrl('not a url')).toBe(false);
  });
});

describe('endpoints', () => {
  it('applies the defaults as IntegrationAdmin does (oapiBase follows a non-default apiBase)', () => {
    expect(effectiveEndpoints('dingtalk', {}).map((e) => e.url)).toEqual(['https://api.dingtalk.com', 'https://oapi.dingtalk.com']);
    expect(effectiveEndpoints('dingtalk', { 'api-base': 'http://127.0.0.1:8788' }).map((e) => e.url)).toEqual(['http://127.0.0.1:8788', 'http://127.0.0.1:8788']);
    expect(effectiveEndpoints('wecom', {}).map((e) => e.url)).toEqual(['https://qyapi.weixin.qq.com']);
  });

  it('local stack: refuses the production defaults and any host off loopback, with the hint to pass --stack', () => {
    const ding = refusal(() => checkEndpoints('dingtalk', {}, 'local', false));
    expect(ding).toContain("--api-base not given, so https://api.dingtalk.com (DingTalk's production API)");
    expect(ding).toContain('Pass --stack NAME --region REGION');
    expect(refusal(() => checkEndpoints('dingtalk', { 'api-base': 'http://127.0.0.1:8788', 'oapi-base': 'https://oapi.dingtalk.com' }, 'local', false))).toContain(
      '--oapi-base https://oapi.dingtalk.com (DingTalk\'s production API (old family))',
    );
    expect(refusal(() => checkEndpoints('wecom', {}, 'local', false))).toContain("https://qyapi.weixin.qq.com (WeCom's production API)");
    expect(refusal(() => checkEndpoints('wecom', { 'api-base': 'https://wecom.private.example' }, 'local', false))).toContain('not the simulator (not on loopback)');
  });

  it('local stack: accepts the simulator on loopback, and anything with --allow-real-credentials-locally', () => {
    expect(() => checkEndpoints('dingtalk', { 'api-base': 'http://127.0.0.1:8788' }, 'local', false)).not.toThrow();
    expect(() => checkEndpoints('wecom', { 'api-base': 'http://localhost:8788' }, 'local', false)).not.toThrow();
    expect(() => checkEndpoints('dingtalk', {}, 'local', true)).not.toThrow();
  });

  it('deployed stack: https only, for apiBase and oapiBase', () => {
    expect(refusal(() => checkEndpoints('dingtalk', { 'api-base': 'http://proxy.example' }, 'stack', false))).toContain('--api-base http://proxy.example: a deployed stack talks to the platform over https only');
    expect(refusal(() => checkEndpoints('dingtalk', { 'api-base': 'https://proxy.example', 'oapi-base': 'http://proxy.example' }, 'stack', false))).toMatch(/^--oapi-base http:/);
    expect(refusal(() => checkEndpoints('wecom', { 'api-base': 'http://wecom.private.example' }, 'stack', false))).toMatch(/https only/);
    expect(() => checkEndpoints('dingtalk', {}, 'stack', false)).not.toThrow();
    expect(() => checkEndpoints('wecom', { 'api-base': 'https://wecom.private.example' }, 'stack', false)).not.toThrow();
  });
});

describe('card callback URL', () => {
  it('a loopback URL is refused for a deployed stack', () => {
    expect(cardCallbackRefusal('http://127.0.0.1:8787/dingtalk/a/cards', 'https://api.dingtalk.com', 'stack')).toMatch(/target is a deployed stack/);
    expect(cardCallbackRefusal('http://localhost:8787/dingtalk/a/cards', 'http://127.0.0.1:8788', 'stack')).toMatch(/target is a deployed stack/);
  });
  it('a loopback URL is refused with a DingTalk off loopback, even for the local stack', () => {
    expect(cardCallbackRefusal('http://127.0.0.1:8787/dingtalk/a/cards', 'https://api.dingtalk.com', 'local')).toMatch(/send that app's card clicks to this machine/);
  });
  it('allowed: loopback to the simulator on the local stack, and a public URL anywhere', () => {
    expect(cardCallbackRefusal('http://127.0.0.1:8787/dingtalk/a/cards', 'http://127.0.0.1:8788', 'local')).toBeUndefined();
    expect(cardCallbackRefusal('https://abc.execute-api.cn-north-1.amazonaws.com.cn/dingtalk/a/cards', 'https://api.dingtalk.com', 'stack')).toBeUndefined();
  });
});

describe('stack ARN', () => {
  it('gives the account, region and partition', () => {
    expect(parseStackArn('arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/DutyBridge/0f1e2d3c-aaaa-bbbb-cccc-123456789abc')).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
      account: '123456789012',
      stackName: 'DutyBridge',
    });
    expect(parseStackArn('DutyBridge')).toBeUndefined();
    expect(parseStackArn(undefined)).toBeUndefined();
  });
});

describe('confirmByTypingId', () => {
  async function answer(typed: string | null): Promise<{ ok: boolean; prompt: string }> {
    const input = new PassThrough();
    const output = new PassThrough();
    let prompt = '';
    output.on('data', (c: Buffer) => (prompt += c.toString()));
    const result = confirmByTypingId('acme', 'remove acme?', input, output);
    if (typed === null) input.end();
    else input.write(typed);
    return { ok: await result, prompt };
  }
  it('is true only for the id typed exactly (surrounding blanks aside)', async () => {
    const yes = await answer('acme\n');
    expect(yes.ok).toBe(true);
    expect(yes.prompt).toContain('remove acme?\ntype the integration id (acme) to confirm: ');
    expect((await answer('  acme \n')).ok).toBe(true);
    expect((await answer('y\n')).ok).toBe(false);
    expect((await answer('acme2\n')).ok).toBe(false);
    expect((await answer('\n')).ok).toBe(false);
  });
  it('is false at end of input', async () => {
    expect((await answer(null)).ok).toBe(false);
  });
});
