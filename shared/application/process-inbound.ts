/**
 * Processes verified callbacks from the inbound queue. DingTalk group and cool-app events keep the
 * group registry current; WeCom card clicks are recorded here until the notification flow
 * (incident projection and cards) consumes them.
 */
import { groupChangeFromEvent } from '../domain/group-chat';
import type { InboundCallbackMessage } from '../domain/inbound';
import type { GroupChatRegistry } from './ports';

export interface ProcessInboundDeps {
  readonly groups: GroupChatRegistry;
  readonly record: (outcome: string, details: Record<string, unknown>) => void;
}

export type ProcessInboundOutcome = 'group_applied' | 'group_stale' | 'recorded';

export class ProcessInboundUseCase {
  constructor(private readonly deps: ProcessInboundDeps) {}

  async process(message: InboundCallbackMessage): Promise<ProcessInboundOutcome> {
    if (message.kind === 'dingtalk.event') {
      const change = groupChangeFromEvent(message.integrationId, message.event.eventType, message.event.data, message.event.eventTime);
      if (change) {
        const result = await this.deps.groups.apply(change);
        this.deps.record(`group_${result}`, { eventType: message.event.eventType, state: change.state });
        return result === 'applied' ? 'group_applied' : 'group_stale';
      }
      this.deps.record('recorded', { eventType: message.event.eventType });
      return 'recorded';
    }
    this.deps.record('recorded', { event: message.event.event, cardType: message.event.cardType });
    return 'recorded';
  }
}
