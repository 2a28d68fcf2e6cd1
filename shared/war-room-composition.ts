/**
 * Composition of the war-room worker (issue 14): the War Room use case over the state table, both
 * platforms' group-chat APIs (WeCom appchat directly; DingTalk scene groups through the dispatch use
 * case in process, so they keep the app's QPS and the org's monthly quota), the DingTalk card flow
 * (mobile lookups, the incident card in the room) and the actions queue.
 */
import { SqsActionPublisher } from './adapters/aws/action-publisher';
import { getSqsClient } from './adapters/aws/clients';
import { WeComClientAppChats } from './adapters/wecom/appchats';
import { DispatchWarRoomCalls } from './application/dingtalk-war-room-calls';
import { systemClock } from './application/ports';
import { WarRoomUseCase } from './application/war-room';
import { config, dingTalkCards, incidents, integrations, links, members, operationLog, secrets, tokens, warRoomStore } from './composition';
import { incidentActionsQueue } from './config/resources';
import { dispatchUseCase } from './dispatch-composition';

let useCase: WarRoomUseCase | undefined;

export function warRoomUseCase(): WarRoomUseCase {
  useCase ??= new WarRoomUseCase({
    incidents: incidents(),
    integrations: integrations(),
    links: links(),
    members: members(),
    dingTalkMobiles: dingTalkCards(),
    rooms: warRoomStore(),
    weCom: new WeComClientAppChats(secrets(), tokens()),
    dingTalk: new DispatchWarRoomCalls(dispatchUseCase()),
    dingTalkCards: dingTalkCards(),
    actions: new SqsActionPublisher(getSqsClient(), config().queueUrls[incidentActionsQueue.id]),
    operationLog: operationLog(),
    clock: systemClock,
  });
  return useCase;
}
