/** GET|POST /wecom/{integrationId}/bot — WeCom smart bot: URL verification, messages, stream refreshes, events (issue 15). */
import { callbackHandler } from '../../shared/runtime/http';
import { smartBotCallbackUseCase } from '../../shared/smart-bot-composition';

export const handler = callbackHandler('wecom-bot', (request) => smartBotCallbackUseCase().handle(request));
