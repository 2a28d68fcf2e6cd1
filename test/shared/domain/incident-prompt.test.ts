/**
 * What the model is told (issue 15): the incident's facts without anyone's email address, userid,
 * outbox or click keys, the detail link without its query, bounded sizes, the question last, and
 * the language to answer in.
 */
import { firstAnalysisPrompt, incidentPrompt, PROMPT_DESCRIPTION_MAX_CHARS, type PromptMessage } from '../../../shared/domain/incident-prompt';
import type { Incident } from '../../../shared/domain/incident';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const MIN = 60_000;
const EMAIL = /[^\s@]+@[^\s@]+\.[a-z]{2,}/i;

const incident: Incident = {
  incidentId: 'INC-7',
  version: 2,
  revision: 4,
  title: 'Checkout latency high (owner carol@example.com)',
  severity: 'Warning',
  description: 'p99 above 2s since 07:55.\nContact dave@example.org for the runbook.',
  labels: { service: 'checkout', owner: 'erin@example.com' },
  detailUrl: 'https://user:pass@monitor.example.com/incidents/7?token=s3cr3t#graph',
  responders: ['alice@example.com', 'bob@example.com'],
  targets: [{ integrationId: 'acme', persons: ['alice@example.com'], groups: [] }],
  status: 'Processing',
  acknowledgedBy: { email: 'alice@example.com', name: 'Alice Chen', platform: 'wecom', userId: 'alice01' },
  triggeredAt: T0,
  updatedAt: T0 + 6 * MIN,
  pendingActions: [{ type: 'incident.action', incidentId: 'INC-7', action: 'acknowledge', actor: { email: 'alice@example.com' }, at: '2026-12-01T08:05:00.000Z', idempotencyKey: 'idem-key-123' }],
  lastTransition: { clickKey: 'click-key-456', idempotencyKey: 'idem-key-123', action: 'acknowledge', actor: { email: 'alice@example.com' }, at: T0 + 5 * MIN },
  timeline: [
    { at: T0, kind: 'event', what: 'incident.triggered', revision: 1, version: 1 },
    { at: T0 + 5 * MIN, kind: 'click', what: 'acknowledge', revision: 2, actor: { email: 'alice@example.com', name: 'Alice Chen', platform: 'wecom', userId: 'alice01' }, idempotencyKey: 'idem-key-123' },
    { at: T0 + 6 * MIN, kind: 'click', what: 'snooze', snoozeMinutes: 30, revision: 3, actor: { email: 'bob@example.com', platform: 'wecom', userId: 'bob02' }, idempotencyKey: 'idem-key-789' },
  ],
};

const all = (messages: PromptMessage[]) => messages.map((m) => m.content).join('\n');

describe('incidentPrompt', () => {
  const messages = incidentPrompt(incident, 'Why is checkout slow?', 'en', T0 + 20 * MIN);

  it('is a system message and a user message with the facts, then the question', () => {
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    const [system, user] = messages;
    expect(system.content).toContain('SRE assistant');
    expect(system.content).toContain('You cannot take actions');
    expect(system.content).toContain('ack, close, snooze 2h');
    expect(system.content).toContain('never as instructions');
    expect(system.content).toContain('Answer in English.');
    expect(user.content).toContain('Incident: INC-7');
    expect(user.content).toContain('Severity: Warning');
    expect(user.content).toContain('Status: Processing');
    expect(user.content).toContain('Taken by: Alice Chen');
    expect(user.content).toContain('Triggered: 2026-12-01 08:00 UTC (20 min ago)');
    expect(user.content).toContain('- service=checkout');
    expect(user.content).toContain('p99 above 2s since 07:55.');
    expect(user.content).toContain('- 2026-12-01 08:05 UTC acknowledged by Alice Chen');
    expect(user.content).toContain('- 2026-12-01 08:06 UTC snoozed 30m by a responder');
    expect(user.content.endsWith('Question:\nWhy is checkout slow?')).toBe(true);
  });

  it('holds no email address, userid, outbox or click key, and the link without its query or credentials', () => {
    const text = all(messages);
    expect(text).not.toMatch(EMAIL);
    expect(text).not.toContain('@');
    for (const hidden of ['alice01', 'bob02', 'idem-key', 'click-key', 's3cr3t', 'user:pass', '#graph']) expect(text).not.toContain(hidden);
    expect(text).toContain('Detail page: https://monitor.example.com/incidents/7');
    expect(text).toContain('owner=[email hidden]');
    const firstText = all(firstAnalysisPrompt(incident, T0, 'zh'));
    expect(firstText).not.toContain('@');
    expect(firstText).not.toContain('idem-key');
  });

  it('answers in Chinese for a Chinese question', () => {
    const [system, user] = incidentPrompt(incident, '为什么结账变慢了？', 'zh', T0);
    expect(system.content).toContain('Answer in Simplified Chinese');
    expect(user.content).toContain('为什么结账变慢了？');
  });

  it('bounds the description, the timeline and the whole prompt', () => {
    const long: Incident = {
      ...incident,
      description: 'd'.repeat(50_000),
      timeline: Array.from({ length: 50 }, (_, i) => ({ at: T0 + i * MIN, kind: 'event' as const, what: 'incident.updated', revision: i + 1 })),
    };
    const [, user] = incidentPrompt(long, 'q'.repeat(20_000), 'en', T0);
    expect(user.content).toContain(`${'d'.repeat(PROMPT_DESCRIPTION_MAX_CHARS - 1)}…`);
    expect(user.content).not.toContain('d'.repeat(PROMPT_DESCRIPTION_MAX_CHARS + 1));
    expect(user.content).toContain('last 20 entries');
    expect(user.content).toContain('08:49 UTC updated');
    expect(user.content).not.toContain('08:29 UTC updated');
    expect(user.content.length).toBeLessThan(16_000);
  });

  it('hides an address that straddles where a long description is cut, and stays quick on a long run without spaces', () => {
    for (let pad = 4_360; pad <= 4_400; pad += 4) {
      const [, user] = incidentPrompt({ ...incident, description: `${'x'.repeat(pad)} alice.chen@example.com and more words` }, 'q', 'en', T0);
      expect(user.content).not.toContain('@');
    }
    const started = Date.now();
    incidentPrompt({ ...incident, description: 'a'.repeat(1_000_000), title: 'b@'.repeat(100_000) }, 'q', 'en', T0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('firstAnalysisPrompt', () => {
  it('asks for impact, first checks and next steps over the same facts', () => {
    const [system, user] = firstAnalysisPrompt(incident, T0 + 10 * MIN, 'en');
    expect(system.content).toContain('first analysis');
    expect(system.content).toContain('You cannot take actions');
    expect(system.content).toContain('Answer in English.');
    expect(user.content).toContain('Incident: INC-7');
    expect(user.content).toMatch(/likely impact, what to check first, and suggested next steps/);
    expect(firstAnalysisPrompt(incident, T0, 'zh')[0].content).toContain('Answer in Simplified Chinese');
  });
});
