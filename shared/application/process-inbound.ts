/**
 * Processes verified callbacks from the inbound queue: DingTalk group and cool-app events keep the
 * group registry current; WeCom card clicks change incidents (wecom-cards); other events are recorded.
 */
import { groupChangeFromEvent } from '../domain/group-chat';
import type { InboundCallbackMessage } from '../domain/inbound';
import type { WeComIntegration } from '../domain/integration';
import type { GroupChatRegistry, IntegrationRepository } from './ports';
import type { ClickOutcome, WeComCardsUseCase } from './wecom-cards';

export interface ProcessInboundDeps {
  readonly groups: GroupChatRegistry;
  readonly integrations: IntegrationRepository;
  readonly weComCards: WeComCardsUseCase;
  readonly record: (outcome: string, details: Record<string, unknown>) => void;
}

export type ProcessInboundOutcome = 'group_applied' | 'group_stale' | 'recorded' | 'integration_removed' | `click_${ClickOutcome}`;

const WECOM_CLICK_EVENTS = new Set(['template_card_event', 'template_card_menu_event']);

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
    if (WECOM_CLICK_EVENTS.has(message.event.event ?? '')) {
      const integration = await this.deps.integrations.get(message.integrationId);
      if (integration?.platform !== 'wecom') {
        this.deps.record('integration_removed', { integrationId: message.integrationId });
        return 'integration_removed';
      }
      const outcome = await this.deps.weComCards.click(integration as WeComIntegration, message.event, message.dedupeKey);
      return `click_${outcome}`;
    }
    this.deps.record('recorded', { event: message.event.event, changeType: message.event.changeType });
    return 'recorded';
  }
}
