/** POST /dingtalk/{integrationId}/cards — DingTalk interactive-card button callbacks (sync answer). */
import { dingTalkCardCallbackUseCase } from '../../shared/composition';
import { callbackHandler } from '../../shared/runtime/http';

export const handler = callbackHandler('dingtalk-cards', (request) => dingTalkCardCallbackUseCase().handle(request));
