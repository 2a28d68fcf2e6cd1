/**
 * Ports of the smart bot (issue 15): the stream a reply grows in (DynamoDB, so any instance can
 * answer WeCom's refresh callbacks), the queue between the callback (answers within WeCom's
 * deadline) and the reply worker (runs the responders), the model, the media downloader, and the
 * War Room chat index (a message in a War Room implies its incident).
 */
import type { Integration } from '../domain/integration';
import type { BotMedia, BotStream } from '../domain/smart-bot';

export interface BotStreamStore {
  /** Creates the stream if absent (msgid de-duplication); returns the stored one and whether it was new. */
  open(stream: BotStream): Promise<{ readonly stream: BotStream; readonly created: boolean }>;
  get(integrationId: string, streamId: string): Promise<BotStream | undefined>;
  /** Records that the reply job was queued (a callback that died before that is queued again on retry). */
  markQueued(integrationId: string, streamId: string): Promise<void>;
  /**
   * Takes the stream for one worker until `untilMs` (a redelivered job while another worker writes
   * does nothing); false when another holder has it or it is finished.
   */
  claim(integrationId: string, streamId: string, holder: string, untilMs: number): Promise<boolean>;
  /** Writes the cumulative content, and finishes it when `finished`; a finished stream is never written again. */
  write(integrationId: string, streamId: string, content: string, finished: boolean): Promise<void>;
}

/** What the reply worker is asked to answer (the bot-replies queue). */
export interface BotReplyJob {
  readonly kind: 'bot.reply';
  readonly integrationId: string;
  readonly streamId: string;
  readonly msgid: string;
  readonly userId: string;
  readonly chatId?: string;
  readonly chatType: 'single' | 'group';
  /** The words, the leading @mention removed. */
  readonly text: string;
  readonly media: readonly BotMedia[];
  /** Epoch ms the callback arrived. */
  readonly receivedAt: number;
}

export interface BotReplyJobs {
  request(job: BotReplyJob): Promise<void>;
}

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Why a model call failed (the deterministic answer is used instead, with a note). */
export class ModelCallError extends Error {
  constructor(
    readonly kind: 'timeout' | 'http' | 'protocol' | 'network',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/** An OpenAI-compatible chat-completions endpoint, streaming. */
export interface ChatModel {
  /**
   * Streams an answer; `onText` gets the cumulative text so far after each chunk. Resolves with
   * the whole text; rejects with ModelCallError (timeout when `signal` aborts).
   */
  complete(input: { readonly messages: readonly ChatMessage[]; readonly signal: AbortSignal; readonly onText?: (cumulative: string) => void | Promise<void> }): Promise<string>;
}

export interface ChatModels {
  /** The integration's model when settings.ai is on (its key from the integration's secret), else undefined. */
  forIntegration(integration: Integration): Promise<ChatModel | undefined>;
}

/** Why a media download was refused: too large, expired or unreachable URL, or undecryptable. */
export class BotMediaError extends Error {
  constructor(
    readonly kind: 'too_large' | 'unavailable' | 'undecryptable',
    message: string,
  ) {
    super(message);
    this.name = 'BotMediaError';
  }
}

export interface BotMediaFetcher {
  /**
   * Downloads an image/file URL (valid 5 minutes) and decrypts it with the bot's EncodingAESKey
   * (AES-256-CBC, IV = key[0..16), PKCS#7 to 32 bytes, no framing; DOC-100719). In memory only;
   * refuses more than `maxBytes` before reading it all. Throws BotMediaError.
   */
  fetch(url: string, encodingAesKey: string, maxBytes: number): Promise<Buffer>;
}

/** Which incident a War Room chat belongs to (the war-room store writes the index when a room gets its chat id). */
export interface WarRoomChatIndex {
  incidentFor(integrationId: string, chatId: string): Promise<string | undefined>;
}
