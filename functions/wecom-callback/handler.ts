/** GET|POST /wecom/{integrationId}/callback — WeCom URL verification and encrypted events. */
import { weComCallbackUseCase } from '../../shared/composition';
import { callbackHandler } from '../../shared/runtime/http';

export const handler = callbackHandler('wecom-callback', (request) => weComCallbackUseCase().handle(request));
