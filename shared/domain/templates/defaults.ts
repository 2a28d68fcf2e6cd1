/**
 * The built-in template of each channel, in the same format and engine as custom ones, reproducing
 * the fixed content of wecom-card.ts, group-bot.ts and dingtalk-card.ts, in Chinese when the
 * context's locale is zh and in English otherwise.
 */
import type { TemplateChannel } from '../channel-limits';

const STATUS_LINE_ZH = `{% case incident.status %}{% when 'Triggered' %}待处理，等待响应{% when 'Processing' %}处理中{% if incident.acknowledgedBy %}（{{ incident.acknowledgedBy.name | default: incident.acknowledgedBy.email }}）{% endif %}{% when 'Snoozed' %}已暂缓{% if incident.snoozedUntil %}至 {{ incident.snoozedUntil | time }}{% endif %}{% when 'Closed' %}已关闭{% if incident.closedBy %}（{{ incident.closedBy.name | default: incident.closedBy.email }}）{% endif %}{% endcase %}`;
const STATUS_LINE_EN = `{% case incident.status %}{% when 'Triggered' %}Triggered, waiting for someone to respond{% when 'Processing' %}Processing{% if incident.acknowledgedBy %} by {{ incident.acknowledgedBy.name | default: incident.acknowledgedBy.email }}{% endif %}{% when 'Snoozed' %}Snoozed{% if incident.snoozedUntil %} until {{ incident.snoozedUntil | time }} (UTC+8){% endif %}{% when 'Closed' %}Closed{% if incident.closedBy %} by {{ incident.closedBy.name | default: incident.closedBy.email }}{% endif %}{% endcase %}`;
const STATUS_LINE = `{% if locale == 'zh' %}${STATUS_LINE_ZH}{% else %}${STATUS_LINE_EN}{% endif %}`;

const WECOM_CARD = `# Built-in WeCom card template (dutybridge)
--- title ---
[{{ incident.severity | severity }}] {{ incident.title }}
--- description ---
{% capture headline %}[{{ incident.severity | severity }}] {{ incident.title }}{% endcapture -%}
{% comment %}The title field holds 36 characters: when it was cut, the full title opens the description.{% endcomment -%}
{% if headline.size > 36 %}{{ incident.title }}
{% endif %}{{ incident.description }}
--- customArea ---
{% if locale == 'zh' -%}
级别：{{ incident.severity | severity }}
状态：{{ incident.status | status }}
{% if incident.status == 'Processing' and incident.acknowledgedBy %}处理人：{{ incident.acknowledgedBy.name | default: incident.acknowledgedBy.email }}
{% endif %}{% if incident.status == 'Closed' and incident.closedBy %}关闭人：{{ incident.closedBy.name | default: incident.closedBy.email }}
{% endif %}触发时间：{{ incident.triggeredAt | time }}
{% else -%}
Severity: {{ incident.severity }}
Status: {{ incident.status }}
{% if incident.status == 'Processing' and incident.acknowledgedBy %}Assignee: {{ incident.acknowledgedBy.name | default: incident.acknowledgedBy.email }}
{% endif %}{% if incident.status == 'Closed' and incident.closedBy %}Closed by: {{ incident.closedBy.name | default: incident.closedBy.email }}
{% endif %}Triggered: {{ incident.triggeredAt | time }}
{% endif %}{% for label in incident.labels %}{{ label.key }}={{ label.value }}
{% endfor %}
--- quote ---
${STATUS_LINE}
`;

const WECOM_BOT_MARKDOWN = `# Built-in WeCom robot markdown template (dutybridge)
--- content ---
**[{{ incident.severity | severity }}] {{ incident.title }}**
{% if locale == 'zh' %}事件 {{ incident.id }} · {{ incident.status | status }}{% else %}Incident {{ incident.id }} · {{ incident.status }}{% endif %}
{% if incident.description != '' %}
{{ incident.description }}
{% endif %}{% if links.detail %}[{% if locale == 'zh' %}详情{% else %}Details{% endif %}]({{ links.detail }}){% endif %}
`;

const WECOM_BOT_TEXT = `# Built-in WeCom robot text template (dutybridge)
--- content ---
[{{ incident.severity | severity }}] {{ incident.title }}
{% if locale == 'zh' %}事件 {{ incident.id }} · {{ incident.status | status }}{% else %}Incident {{ incident.id }} · {{ incident.status }}{% endif %}
{% if incident.description != '' %}
{{ incident.description }}
{% endif %}{% if links.detail %}{% if locale == 'zh' %}详情：{% else %}Details: {% endif %}{{ links.detail }}{% endif %}
`;

const DINGTALK_CARD = `# Built-in DingTalk card template (dutybridge): the card's title, status and description values
--- title ---
{{ incident.title }}
--- status ---
{{ incident.status | status }}{% if incident.status == 'Snoozed' and incident.snoozedUntil %} → {{ incident.snoozedUntil | time }} (UTC+8){% endif %}
--- description ---
{{ incident.description }}
`;

const DINGTALK_ROBOT_MARKDOWN = `# Built-in DingTalk robot markdown template (dutybridge)
--- title ---
[{{ incident.severity | severity }}] {{ incident.title }}
--- text ---
**[{{ incident.severity | severity }}] {{ incident.title }}**

{% if locale == 'zh' %}事件 {{ incident.id }} · {{ incident.status | status }}{% else %}Incident {{ incident.id }} · {{ incident.status }}{% endif %}
{% if incident.description != '' %}
{{ incident.description }}
{% endif %}{% if links.detail %}
[{% if locale == 'zh' %}详情{% else %}Details{% endif %}]({{ links.detail }}){% endif %}
`;

const DEFAULTS: Record<TemplateChannel, string> = {
  'wecom.card': WECOM_CARD,
  'wecom.bot.markdown': WECOM_BOT_MARKDOWN,
  'wecom.bot.text': WECOM_BOT_TEXT,
  'dingtalk.card': DINGTALK_CARD,
  'dingtalk.robot.markdown': DINGTALK_ROBOT_MARKDOWN,
};

/** The built-in template file of a channel (a starting point for a custom one). */
export function defaultTemplateSource(channel: TemplateChannel): string {
  return DEFAULTS[channel];
}
