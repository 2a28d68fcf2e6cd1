/**
 * Built-in sample incidents for validating a template when an integration has no incidents yet:
 * Chinese and English, a long description, many labels (12, more than the custom area's 8 rows),
 * emoji with modifiers and joiners, every status.
 */
import type { Incident } from '../incident';
import { templateContextFor, type TemplateContext } from './context';

const T0 = Date.UTC(2026, 2, 1, 0, 5); // 2026-03-01 08:05 China time
const BASE = { version: 3, revision: 5, responders: ['alice@example.com', 'bob@example.com'], targets: [], triggeredAt: T0, updatedAt: T0 + 3_900_000 };

const twelveLabels = Object.fromEntries(
  ['service=checkout', 'env=prod', 'region=cn-shanghai', 'team=payments', 'host=web-07', 'cluster=k8s-a', 'pod=checkout-5f9c', 'alertname=HighErrorRate', 'runbook=RB-12', 'owner=张三', 'tier=1', 'source=prometheus'].map((kv) => kv.split('=') as [string, string]),
);

export function templateSampleIncidents(): Incident[] {
  return [
    {
      ...BASE,
      incidentId: 'sample-zh-long',
      title: '数据库主库连接数过高，订单服务写入超时，影响华东区全部门店的收银与退款流程',
      severity: 'Critical',
      description: '主库 db-master-01 的活跃连接数在 5 分钟内从 300 升至 4800，超过阈值 4000。'.repeat(8),
      labels: { 服务: '订单', 环境: '生产', 区域: '华东' },
      detailUrl: 'https://ops.example.com/incidents/sample-zh-long',
      status: 'Processing',
      acknowledgedBy: { email: 'zhangsan@example.com', name: '张三' },
      lastTransition: { clickKey: 'k1', idempotencyKey: 'i1', action: 'acknowledge', actor: { email: 'zhangsan@example.com', name: '张三' }, at: T0 + 600_000 },
    },
    {
      ...BASE,
      incidentId: 'sample-en-labels',
      title: 'Checkout API error rate above 50% for 10 minutes in cn-shanghai production v2',
      severity: 'Warning',
      description: 'The 5xx ratio of POST /checkout crossed 50% at 08:05. Upstream payment gateway timeouts dominate. '.repeat(6),
      labels: twelveLabels,
      detailUrl: 'https://ops.example.com/incidents/sample-en-labels',
      status: 'Triggered',
    },
    {
      ...BASE,
      incidentId: 'sample-emoji',
      title: '🔥👨‍👩‍👧‍👦 支付回调失败 🇨🇳 payment callback failing 👍🏽👍🏽👍🏽',
      severity: 'Info',
      description: '🚨 回调队列积压 ✅ 已自动重试 👩🏻‍💻 请值班同学确认。\n第二行：e\u0301e\u0301e\u0301 组合字符。',
      labels: twelveLabels,
      status: 'Snoozed',
      snoozedUntil: T0 + 7_200_000,
    },
    {
      ...BASE,
      incidentId: 'sample-en-closed',
      title: 'Disk usage 91% on web-07',
      severity: 'Info',
      description: '',
      labels: {},
      status: 'Closed',
      closedBy: { email: 'bob@example.com', name: 'Bob' },
      lastTransition: { clickKey: 'k2', idempotencyKey: 'i2', action: 'resolve', actor: { email: 'bob@example.com', name: 'Bob' }, at: T0 + 1_800_000 },
    },
  ];
}

/** The samples as template contexts, each in Chinese and in English. */
export function templateSampleContexts(nowMs: number = T0 + 3_600_000): TemplateContext[] {
  const integration = { id: 'sample-integration', name: '示例集成 Sample' };
  return templateSampleIncidents().flatMap((incident) =>
    (['zh', 'en'] as const).map((locale) =>
      templateContextFor(incident, { nowMs, locale, integration, responderNames: { 'alice@example.com': 'Alice', 'bob@example.com': '李四' } }),
    ),
  );
}
