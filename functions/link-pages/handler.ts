/** GET|POST /link/{platform}/{integrationId}[/callback|/oidc|/oidc/callback|/code] — the account-linking pages. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { settleOperationLog } from '../../shared/composition';
import { accountLinking, publicApiUrl } from '../../shared/link-composition';
import { LinkRequestError, plainError, refusalPage, toLinkPageRequest, toLinkResult } from '../../shared/runtime/link-http';
import { logger } from '../../shared/runtime/observability';

const base = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  logger.resetKeys();
  logger.appendKeys({ route: 'link-pages', integrationId: event.pathParameters?.integrationId });
  try {
    return toLinkResult(await accountLinking().handle(toLinkPageRequest(event, publicApiUrl())));
  } catch (error) {
    if (error instanceof LinkRequestError) {
      logger.warn('link request rejected', { status: error.statusCode, reason: error.message });
      return refusalPage(event, error);
    }
    logger.error('link page failed', { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
    return plainError(500, 'internal error; try again');
  } finally {
    await settleOperationLog();
  }
};

export const handler = middy(base).use(injectLambdaContext(logger));
