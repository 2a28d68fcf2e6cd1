/**
 * GET /healthz — liveness: answers without touching any dependency.
 * GET /WW_verify_<code>.txt — WeCom's domain check, routed here only when the stack has
 * `wecomVerifyFile` (which also sets WECOM_VERIFY_FILE): the body is the code alone, plain text
 * without a trailing newline, as in the file the console hands out. Any other path is 404.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { WECOM_VERIFY_FILE_ENV, weComVerificationCode } from '../../shared/config/wecom-verify-file';

const HEALTH_PATH = '/healthz';

export const handler = async (event?: Pick<APIGatewayProxyEventV2, 'rawPath'>): Promise<APIGatewayProxyStructuredResultV2> => {
  const path = event?.rawPath ?? HEALTH_PATH;
  if (path === HEALTH_PATH) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ status: 'ok', service: 'dutybridge' }),
    };
  }
  const verifyFile = process.env[WECOM_VERIFY_FILE_ENV];
  const code = verifyFile !== undefined && path === `/${verifyFile}` ? weComVerificationCode(verifyFile) : undefined;
  if (code === undefined) return { statusCode: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'not found' };
  return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: code };
};
