/**
 * Composition of the war-room worker (issue 14): the War Room use case over the state table, both
 * platforms' group-chat APIs (WeCom appchat directly; DingTalk scene groups through the dispatch use
 * case in process, so they keep the app's QPS and the org's monthly quota), DingTalk mobile lookups,
 * the card-refresh queue (which puts the incident card into a scene group) and the actions queue.
 */
import { SqsActionPublisher } from './adapters/aws/action-publisher';
import { SqsCardRefreshQueue } from './adapters/aws/card-refresh-queue';
import { getDocumentClient, getSqsClient } from './adapters/aws/clients';
import { DynamoMobileLookupCache } from './adapters/aws/mobile-lookup-cache';
import { DingTalkClients } from './adapters/dingtalk/messengers';
import { DingTalkMobileResolver } from './application/dingtalk-mobile-resolver';
import { WeComClientAppChats } from './adapters/wecom/appchats';
import { DispatchWarRoomCalls } from './application/dingtalk-war-room-calls';
import { systemClock } from './application/ports';
import { WarRoomUseCase } from './application/war-room';
import { WarRoomFirstAnalysis } from './application/war-room-analysis';
import { IntegrationChatModels } from './adapters/model/chat-models';
import { config, incidents, integrations, links, members, operationLog, secrets, tokens, warRoomStore, suiteTokens } from './composition';
import { cardRefreshQueue, incidentActionsQueue } from './config/resources';
import { dispatchUseCase } from './dispatch-composition';

let useCase: WarRoomUseCase | undefined;

export function warRoomUseCase(): WarRoomUseCase {
  const cardRefresh = new SqsCardRefreshQueue(getSqsClient(), config().queueUrls[cardRefreshQueue.id], 0);
  useCase ??= new WarRoomUseCase({
    incidents: incidents(),
    integrations: integrations(),
    links: links(),
    members: members(),
    dingTalkMobiles: new DingTalkMobileResolver({ userLookups: new DingTalkClients(secrets(), tokens()), mobileLookups: new DynamoMobileLookupCache(getDocumentClient(), config().stateTableName), clock: systemClock }),
    rooms: warRoomStore(),
    weCom: new WeComClientAppChats(secrets(), tokens(), suiteTokens()),
    dingTalk: new DispatchWarRoomCalls(dispatchUseCase()),
    // The card is rendered by refresh-card (templates live there), asked through its queue.
    dingTalkCards: {
      deliverToWarRoom: (integration, incident, openConversationId, robotCode) =>
        cardRefresh.request(incident.incidentId, { delaySeconds: 0, warRoomCard: { integrationId: integration.id, openConversationId, robotCode } }),
    },
    actions: new SqsActionPublisher(getSqsClient(), config().queueUrls[incidentActionsQueue.id]),
    operationLog: operationLog(),
    clock: systemClock,
    // The first analysis once a room is open (issue 15); the model only with settings.ai. The worker's
    // timeout is 60 s: the model gets at most 30 of them.
    firstAnalysis: new WarRoomFirstAnalysis({ models: new IntegrationChatModels({ secrets: secrets() }), clock: systemClock, maxModelMs: 30_000 }),
  });
  return useCase;
}
