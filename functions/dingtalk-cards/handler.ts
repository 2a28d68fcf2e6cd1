/** POST /dingtalk/{integrationId}/cards — DingTalk interactive-card button callbacks (sync answer). */
import { dingTalkCardCallbackUseCase, settleOperationLog } from '../../shared/composition';
import { callbackHandler } from '../../shared/runtime/http';

// Operation-log writes (a click by someone not linked) start at once; they are awaited before the answer.
export const handler = callbackHandler('dingtalk-cards', (request) => dingTalkCardCallbackUseCase().handle(request).finally(settleOperationLog));
