/** POST /dingtalk/{integrationId}/events — DingTalk HTTP-push events (check_url, group, cool app). */
import { dingTalkEventUseCase } from '../../shared/composition';
import { callbackHandler } from '../../shared/runtime/http';

export const handler = callbackHandler('dingtalk-events', (request) => dingTalkEventUseCase().handle(request));
