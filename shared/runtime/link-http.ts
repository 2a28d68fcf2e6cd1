/**
 * API Gateway HTTP API v2 ↔ the linking pages' request and response (HTML, cookies, form posts).
 * The step comes from the route key, the public base from PUBLIC_API_URL (else the request's host).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { LinkPageRequest, LinkPageResponse, LinkStep } from '../application/account-linking-ports';
import { parseCookies } from '../application/link-session';
import { renderLinkPage } from '../domain/link-page-html';
import { pickLanguage } from '../domain/link-page-text';
import { randomBytes } from 'node:crypto';

/** Form posts of the linking pages are a few hundred bytes. */
export const MAX_FORM_BYTES = 8 * 1024;

const eventSchema = z.object({
  routeKey: z.string(),
  rawQueryString: z.optional(z.string()),
  pathParameters: z.object({ integrationId: z.string().check(z.maxLength(200)), platform: z.optional(z.string().check(z.maxLength(20))) }),
});

export class LinkRequestError extends Error {
  override readonly name = 'LinkRequestError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

function stepOf(routeKey: string): LinkStep {
  const path = routeKey.replace(/^\S+\s+/, '');
  if (path.endsWith('/oidc/callback')) return 'oidc_callback';
  if (path.endsWith('/callback')) return 'callback';
  if (path.endsWith('/oidc')) return 'oidc';
  if (path.endsWith('/code')) return 'code';
  return 'home';
}

function params(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(raw)) if (!out.has(k)) out.set(k, v);
  return out;
}

export function toLinkPageRequest(event: APIGatewayProxyEventV2, publicApiUrl: string | undefined): LinkPageRequest {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new LinkRequestError(400, 'not a linking-page request');
  const { routeKey, pathParameters } = parsed.data;
  const platform = pathParameters.platform ?? (/^\S+ \/link\/(wecom|dingtalk)\//.exec(routeKey)?.[1] ?? '');
  if (platform !== 'wecom' && platform !== 'dingtalk') throw new LinkRequestError(404, 'unknown platform');
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
  let form = new Map<string, string>();
  if (method === 'POST') {
    const raw = event.body ?? '';
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    if (body.length > MAX_FORM_BYTES) throw new LinkRequestError(413, 'form too large');
    if (!(headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) throw new LinkRequestError(415, 'expected a form post');
    form = params(body.toString('utf8'));
  }
  const host = headers['x-forwarded-host'] ?? headers.host ?? event.requestContext?.domainName ?? 'localhost';
  const proto = headers['x-forwarded-proto'] ?? (/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host) ? 'http' : 'https');
  return {
    step: stepOf(routeKey),
    method: method === 'POST' ? 'POST' : 'GET',
    platform,
    integrationId: pathParameters.integrationId,
    query: params(parsed.data.rawQueryString ?? ''),
    form,
    cookies: parseCookies([...(event.cookies ?? []), ...(headers.cookie ? [headers.cookie] : [])]),
    ...(headers['accept-language'] ? { acceptLanguage: headers['accept-language'] } : {}),
    publicBase: publicApiUrl ?? `${proto}://${host}`,
  };
}

export function toLinkResult(response: LinkPageResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.statusCode, headers: response.headers, ...(response.cookies.length ? { cookies: response.cookies } : {}), body: response.body };
}

export function plainError(statusCode: number, message: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: message };
}

/** A request the pages cannot even read (not a form, too large, unknown platform): a page in the person's language. */
export function refusalPage(event: Pick<APIGatewayProxyEventV2, 'headers' | 'routeKey'>, error: LinkRequestError): APIGatewayProxyStructuredResultV2 {
  const acceptLanguage = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'accept-language')?.[1];
  const platform = /\/link\/dingtalk\//.test(event.routeKey ?? '') ? 'dingtalk' : 'wecom';
  const page = renderLinkPage({ kind: 'error', code: error.statusCode === 404 ? 'integration_unknown' : 'bad_request' }, { lang: pickLanguage(acceptLanguage), platform, nonce: randomBytes(16).toString('base64') });
  return { statusCode: error.statusCode, headers: page.headers, body: page.html };
}
