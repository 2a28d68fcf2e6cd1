/**
 * HTTP entry-point plumbing shared by the callback functions: API Gateway HTTP API v2 event →
 * CallbackRequest, body limit, typed errors → `{code, message}` (no stack traces), logging and
 * metrics through middy + Powertools.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PayloadTooLargeError, RequestRejectedError } from '../domain/errors';
import type { CallbackRequest, CallbackResponse } from '../application/http-types';
import { logger, logOutcome, metrics } from './observability';

/** Callback bodies above this are refused with 413; the platforms' callbacks are a few KB. */
export const MAX_BODY_BYTES = 64 * 1024;

/** How a route names the id in its path and how large a body it takes. */
export interface RouteShape {
  /** Path parameter holding the integration (or source) id; default `integrationId`. */
  readonly idParameter?: string;
  /** Default MAX_BODY_BYTES. */
  readonly maxBodyBytes?: number;
}

export function toCallbackRequest(event: APIGatewayProxyEventV2, shape: RouteShape = {}): CallbackRequest {
  const raw = event.body ?? '';
  const maxBodyBytes = shape.maxBodyBytes ?? MAX_BODY_BYTES;
  // Checked on the raw size first, so an oversized body is never decoded.
  if (raw.length > (event.isBase64Encoded ? Math.ceil((maxBodyBytes * 4) / 3) + 4 : maxBodyBytes * 4)) throw new PayloadTooLargeError(maxBodyBytes);
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (body.length > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes);
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    integrationId: event.pathParameters?.[shape.idParameter ?? 'integrationId'] ?? '',
    rawQuery: event.rawQueryString ?? '',
    headers,
    body,
  };
}

export function errorResult(error: unknown, route: string): APIGatewayProxyStructuredResultV2 {
  if (error instanceof RequestRejectedError) {
    logger.warn('request rejected', { route, status: error.statusCode, code: error.code, reason: error.message });
    metrics.addMetric('RequestRejected', MetricUnit.Count, 1);
    return json(error.statusCode, { code: error.code, message: error.message });
  }
  logger.error('request failed', { route, error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
  metrics.addMetric('RequestFailed', MetricUnit.Count, 1);
  return json(500, { code: 'internal_error', message: 'internal error; the platform will retry' });
}

function json(statusCode: number, payload: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(payload) };
}

export function toResult(response: CallbackResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}

/** Wraps a callback use case as a Lambda handler. */
export function callbackHandler(
  route: string,
  run: (request: CallbackRequest, event: APIGatewayProxyEventV2) => Promise<{ response: CallbackResponse; outcome: string }>,
  shape: RouteShape = {},
): (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  const base = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const integrationId = event.pathParameters?.[shape.idParameter ?? 'integrationId'];
    // A warm instance keeps the logger: drop the previous request's keys before adding this one's.
    logger.resetKeys();
    logger.appendKeys({ integrationId, route });
    try {
      const { response, outcome } = await run(toCallbackRequest(event, shape), event);
      logOutcome({ source: route, message: 'callback handled', outcome, status: response.statusCode, integrationId });
      metrics.addMetric(`Callback_${outcome}`, MetricUnit.Count, 1);
      return toResult(response);
    } catch (error) {
      return errorResult(error, route);
    } finally {
      logger.removeKeys(['integrationId', 'route']);
    }
  };
  return middy(base)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false })) as unknown as (
    event: APIGatewayProxyEventV2,
    context: Context,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
}
