/**
 * Composition of the WeCom smart bot (issue 15): the callback (wecom-bot: integration, secrets,
 * streams, the bot-replies queue) and the reply worker (bot-replies: the responders over the state
 * table, IncidentClicks for actions, the model and the media downloader). Nothing else wires them.
 */
import { randomBytes } from 'node:crypto';
import { SqsBotReplyJobs } from './adapters/aws/bot-reply-jobs';
import { DynamoBotStreamStore } from './adapters/aws/bot-stream-store';
import { getDocumentClient, getSqsClient } from './adapters/aws/clients';
import { DynamoWarRoomChatIndex } from './adapters/aws/war-room-chat-index';
import { IntegrationChatModels } from './adapters/model/chat-models';
import { HttpBotMediaFetcher } from './adapters/wecom/bot-media';
import { systemClock } from './application/ports';
import { SmartBotCallbackUseCase } from './application/smart-bot-callback';
import { SmartBotReplies } from './application/smart-bot-replies';
import { config, incidentClicks, once, incidents, integrations, linkPrompts, links, members, operationLog, secrets, warRoomStore } from './composition';
import { botRepliesQueue } from './config/resources';
import { readPublicApiUrl } from './config/runtime-config';
import { logger } from './runtime/observability';

const streams = /* @__PURE__ */ once(() => new DynamoBotStreamStore(getDocumentClient(), config().stateTableName));

export const smartBotCallbackUseCase = /* @__PURE__ */ once(
  () =>
    new SmartBotCallbackUseCase({
      integrations: integrations(),
      secrets: secrets(),
      streams: streams(),
      jobs: new SqsBotReplyJobs(getSqsClient(), config().queueUrls[botRepliesQueue.id]),
      clock: systemClock,
      record: (outcome, details) => logger.info(outcome, details),
    }),
);

/** Chat models of the integrations (cached per integration and key). */
export const chatModels = /* @__PURE__ */ once(() => new IntegrationChatModels({ secrets: secrets() }));

export const smartBotReplies = /* @__PURE__ */ once(
  () =>
    new SmartBotReplies({
      integrations: integrations(),
      secrets: secrets(),
      streams: streams(),
      links: links(),
      members: members(),
      warRoomChats: new DynamoWarRoomChatIndex(getDocumentClient(), config().stateTableName),
      rooms: warRoomStore(),
      incidents: incidents(),
      clicks: incidentClicks(),
      linkPrompts: linkPrompts(),
      publicApiUrl: readPublicApiUrl(),
      models: chatModels(),
      media: new HttpBotMediaFetcher(),
      operationLog: operationLog(),
      clock: systemClock,
      holder: `bot-${randomBytes(6).toString('hex')}`,
      // The worker's timeout is 100 s: the model gets at most 80 of them.
      maxModelMs: 80_000,
    }),
);
