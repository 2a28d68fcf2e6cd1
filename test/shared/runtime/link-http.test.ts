/** API Gateway ↔ linking pages: requests the pages cannot read are refused with a page in the person's language. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LinkRequestError, MAX_FORM_BYTES, refusalPage, toLinkPageRequest } from '../../../shared/runtime/link-http';

const event = (over: Partial<APIGatewayProxyEventV2> & { method?: string } = {}): APIGatewayProxyEventV2 =>
  ({
    routeKey: 'POST /link/{platform}/{integrationId}/code',
    rawQueryString: '',
    pathParameters: { platform: 'wecom', integrationId: 'wc' },
    headers: { host: 'api.example.com', 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'zh-CN,zh;q=0.9' },
    requestContext: { http: { method: over.method ?? 'POST' } },
    body: 'step=send&email=a%40example.com',
    isBase64Encoded: false,
    ...over,
  }) as unknown as APIGatewayProxyEventV2;

function refusal(e: APIGatewayProxyEventV2): LinkRequestError {
  try {
    toLinkPageRequest(e, 'https://api.example.com');
  } catch (error) {
    if (error instanceof LinkRequestError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('toLinkPageRequest', () => {
  it('reads a form post with its cookies, language and the public base', () => {
    const request = toLinkPageRequest(event({ cookies: ['dbl_session=abc'] }), 'https://api.example.com/prod');
    expect(request).toMatchObject({ step: 'code', method: 'POST', platform: 'wecom', integrationId: 'wc', acceptLanguage: 'zh-CN,zh;q=0.9', publicBase: 'https://api.example.com/prod' });
    expect(request.form.get('email')).toBe('a@example.com');
    expect(request.cookies.get('dbl_session')).toBe('abc');
  });

  it('refuses a post that is not a form (415), a form over the limit (413) and an unknown platform (404)', () => {
    expect(refusal(event({ headers: { 'content-type': 'application/json' } })).statusCode).toBe(415);
    expect(refusal(event({ body: 'x'.repeat(MAX_FORM_BYTES + 1) })).statusCode).toBe(413);
    expect(refusal(event({ pathParameters: { platform: 'slack', integrationId: 'wc' } })).statusCode).toBe(404);
  });
});

describe('refusalPage', () => {
  it('answers in the person’s language with the pages’ strict headers, not the raw reason', () => {
    const zh = refusalPage(event(), new LinkRequestError(415, 'expected a form post'));
    expect(zh.statusCode).toBe(415);
    expect(zh.body).toContain('请求无效，请重新打开此页面。');
    expect(zh.body).not.toContain('expected a form post');
    expect((zh.headers as Record<string, string>)['content-security-policy']).toContain("default-src 'none'");
    const en = refusalPage(event({ headers: { 'Accept-Language': 'en-US' }, routeKey: 'GET /link/dingtalk/{integrationId}' }), new LinkRequestError(404, 'unknown platform'));
    expect(en.statusCode).toBe(404);
    expect(en.body).toContain('This app is not configured here');
  });
});
