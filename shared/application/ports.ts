/**
 * Ports: what the use cases need from the outside world. Adapters under shared/adapters
 * implement them; tests may implement them in memory for pure use-case tests.
 */
import type { DingTalkSecrets, Integration, WeComSecrets } from '../domain/integration';
import type { InboundCallbackMessage } from '../domain/inbound';
import type { GroupChat } from '../domain/group-chat';

export interface IntegrationRepository {
  get(id: string): Promise<Integration | undefined>;
  put(integration: Integration): Promise<void>;
  list(): Promise<Integration[]>;
  delete(id: string): Promise<boolean>;
}

export interface IntegrationSecretsReader {
  weCom(integration: Integration): Promise<WeComSecrets>;
  dingTalk(integration: Integration): Promise<DingTalkSecrets>;
}

export interface DedupeStore {
  /** True when this key was not seen within its retention; false for a duplicate. Atomic. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /** Forget a claim whose work failed, so the platform's retry is processed. */
  release(key: string): Promise<void>;
}

export interface InboundCallbackQueue {
  publish(message: InboundCallbackMessage): Promise<void>;
}

export interface DeadLetterSink {
  /** Park a message that can never succeed, with the reason, on the queue's DLQ. */
  deadLetter(body: string, reason: string): Promise<void>;
}

export interface GroupChatRegistry {
  /** Applies an update if it is newer than what is stored (compare-and-swap on eventTime). */
  apply(group: GroupChat): Promise<'applied' | 'stale'>;
  list(integrationId: string): Promise<GroupChat[]>;
}

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
