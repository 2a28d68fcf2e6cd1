import { FaultInjector, FaultKind, FaultRule } from './contract';

export class FaultRuleError extends Error {
  override readonly name = 'FaultRuleError';
}

const faultKinds: readonly FaultKind[] = ['http500', 'timeout', 'throttle', 'token-invalid', 'quota', 'lost-answer'];

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number | undefined;
}

/** Validates a FaultRule received as JSON on `POST /_sim/faults`. */
export function parseFaultRule(input: unknown): FaultRule {
  if (typeof input !== 'object' || input === null) throw new FaultRuleError('fault rule must be a JSON object');
  const raw = input as Record<string, unknown>;
  if (raw.platform !== 'wecom' && raw.platform !== 'dingtalk') throw new FaultRuleError('platform must be wecom or dingtalk');
  if (typeof raw.endpoint !== 'string' || raw.endpoint.length === 0) throw new FaultRuleError('endpoint must be a non-empty string ("*" for all)');
  if (!faultKinds.includes(raw.kind as FaultKind)) throw new FaultRuleError(`kind must be one of ${faultKinds.join(', ')}`);
  const hasPercent = raw.percent !== undefined;
  const hasNextN = raw.nextN !== undefined;
  if (hasPercent === hasNextN) throw new FaultRuleError('give exactly one of percent or nextN');
  if (hasPercent && (typeof raw.percent !== 'number' || raw.percent < 0 || raw.percent > 100)) {
    throw new FaultRuleError('percent must be a number in 0..100');
  }
  if (hasNextN && (typeof raw.nextN !== 'number' || !Number.isInteger(raw.nextN) || raw.nextN < 1)) {
    throw new FaultRuleError('nextN must be a positive integer');
  }
  return {
    platform: raw.platform,
    endpoint: raw.endpoint,
    kind: raw.kind as FaultKind,
    ...(hasPercent ? { percent: raw.percent as number } : { nextN: raw.nextN as number }),
  };
}

/** Holds fault rules; the first matching rule wins. `random` is injectable for deterministic tests. */
export class FaultRegistry implements FaultInjector {
  private rules: ActiveRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): void {
    this.rules.push({ rule, remaining: rule.nextN });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ rule, remaining }) => (remaining === undefined ? rule : { ...rule, nextN: remaining }));
  }

  take(platform: 'wecom' | 'dingtalk', endpoint: string): FaultKind | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.platform !== platform || (rule.endpoint !== '*' && rule.endpoint !== endpoint)) continue;
      if (active.remaining !== undefined) {
        active.remaining -= 1;
        if (active.remaining <= 0) this.rules = this.rules.filter((r) => r !== active);
        return rule.kind;
      }
      if (this.random() * 100 < (rule.percent ?? 0)) return rule.kind;
    }
    return undefined;
  }
}
