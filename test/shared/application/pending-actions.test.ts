import { IncidentClicks } from '../../../shared/application/incident-clicks';
import {
  LinkPrompts,
  PENDING_ACTION_TTL_MS,
  linkPromptText,
  linkPromptUrl,
  linkTokenKeyFor,
  signPendingAction,
  verifyPendingAction,
  type PendingActionBody,
} from '../../../shared/application/link-prompt';
import { PendingActionRefusedError, PendingActions } from '../../../shared/application/pending-actions';
import type { TokenClaims } from '../../../shared/application/people-ports';
import { ConcurrentUpdateError, type IncidentRepository, type IntegrationSecretsReader } from '../../../shared/application/ports';
import { SignedTokenError, linkTokenKey, signToken } from '../../../shared/crypto/signed-token';
import { applyIncidentEvent, type Incident } from '../../../shared/domain/incident';
import type { IncidentActionMessage } from '../../../shared/domain/incident-action';
import type { Integration } from '../../../shared/domain/integration';

class MemoryIncidents implements IncidentRepository {
  stored: Incident | undefined;
  async get(incidentId: string): Promise<Incident | undefined> {
    return this.stored?.incidentId === incidentId ? structuredClone(this.stored) : undefined;
  }
  async save(next: Incident, expected: number): Promise<void> {
    if ((this.stored?.revision ?? 0) !== expected) throw new ConcurrentUpdateError(next.incidentId);
    this.stored = structuredClone(next);
  }
  async clearPendingActions(_id: string, revision: number): Promise<boolean> {
    if (!this.stored || this.stored.revision !== revision) return false;
    this.stored = { ...this.stored, pendingActions: undefined };
    return true;
  }
}

/** claimOnce as the DynamoDB adapter does it: a conditional put per jti. */
class MemoryClaims implements TokenClaims {
  readonly taken = new Set<string>();
  /** The next claim whose id starts with this fails (the Lambda dies there). */
  failNextStartingWith: string | undefined;
  async claimOnce(jti: string): Promise<boolean> {
    if (this.failNextStartingWith !== undefined && jti.startsWith(this.failNextStartingWith)) {
      this.failNextStartingWith = undefined;
      throw new Error('lambda died before finishing the claim');
    }
    if (this.taken.has(jti)) return false;
    this.taken.add(jti);
    return true;
  }
}

const integration: Integration = {
  id: 'acme',
  platform: 'wecom',
  settings: { corpId: 'ww1', agentId: '1000002', apiBase: 'https://qyapi.weixin.qq.com' },
  secretName: 's',
  createdAt: '2026-11-01T00:00:00Z',
};
const other: Integration = { ...integration, id: 'other' };
const secrets: IntegrationSecretsReader = {
  weCom: async (i) => ({ secret: `app-secret-of-${i.id}`, token: 't', encodingAesKey: 'a'.repeat(43) }),
  dingTalk: async () => {
    throw new Error('not dingtalk');
  },
};

function triggered(): Incident {
  const r = applyIncidentEvent(
    undefined,
    { type: 'incident.triggered', incidentId: 'i1', version: 1, occurredAt: '2026-11-22T00:00:00Z', title: 'Disk full', severity: 'Critical', description: '', labels: {}, responders: [], targets: [] },
    0,
  );
  if (r.kind !== 'applied') throw new Error('x');
  return r.incident;
}

const body: PendingActionBody = { integrationId: 'acme', platform: 'wecom', userId: 'zhangsan', incidentId: 'i1', action: { kind: 'acknowledge' }, clickKey: 'wecom:acme:click-1' };
const T0 = 1_800_000_000_000;

function setup() {
  let now = T0;
  const clock = { nowMs: () => now };
  const incidents = new MemoryIncidents();
  incidents.stored = triggered();
  const published: IncidentActionMessage[] = [];
  let crashAfterSave = false;
  const clicks = new IncidentClicks({
    incidents,
    actions: {
      publish: async (m) => {
        if (crashAfterSave) {
          crashAfterSave = false;
          throw new Error('lambda died after the state change');
        }
        published.push(m as IncidentActionMessage);
      },
    },
    refresh: { request: async () => undefined },
    clock,
    record: () => undefined,
  });
  const claims = new MemoryClaims();
  const records: { event: string; details: Record<string, unknown> }[] = [];
  const pending = new PendingActions({ secrets, claims, clicks, incidents, clock, record: (event, details) => records.push({ event, details }) });
  const prompts = new LinkPrompts({ secrets, publicApiUrl: 'https://api.example.com/', clock });
  return { incidents, published, clicks, claims, pending, prompts, records, advance: (ms: number) => (now += ms), crashAfterSave: () => (crashAfterSave = true) };
}

const zhangsan = { email: 'zhang@example.com', userId: 'zhangsan' };

describe('pending-action tokens and the prompt URL', () => {
  it('round-trips the body, valid 10 minutes', async () => {
    const key = await linkTokenKeyFor(secrets, integration);
    const { token, claims } = signPendingAction(key, body, T0);
    expect(claims.exp).toBe(T0 + PENDING_ACTION_TTL_MS);
    expect(verifyPendingAction(key, token, T0 + PENDING_ACTION_TTL_MS - 1)).toMatchObject({ ...body, kind: 'pending', jti: claims.jti });
    expect(() => verifyPendingAction(key, token, T0 + PENDING_ACTION_TTL_MS)).toThrow(new SignedTokenError('expired'));
  });

  it('refuses another integration’s key, another kind, and a body without a valid action', async () => {
    const key = await linkTokenKeyFor(secrets, integration);
    const { token } = signPendingAction(key, body, T0);
    expect(() => verifyPendingAction(linkTokenKey('app-secret-of-other', 'other'), token, T0)).toThrow(new SignedTokenError('bad_signature'));
    expect(() => verifyPendingAction(key, signToken(key, 'state', body, 60_000, T0).token, T0)).toThrow(new SignedTokenError('wrong_kind'));
    const badAction = signToken(key, 'pending', { ...body, action: { kind: 'delete' } }, 60_000, T0).token;
    expect(() => verifyPendingAction(key, badAction, T0)).toThrow(new SignedTokenError('malformed'));
    const noUser = signToken(key, 'pending', { ...body, userId: '' }, 60_000, T0).token;
    expect(() => verifyPendingAction(key, noUser, T0)).toThrow(new SignedTokenError('malformed'));
  });

  it('builds <PUBLIC_API_URL>/link/<platform>/<integrationId>?pending=<token> and a bilingual text, Chinese first', async () => {
    const { prompts } = setup();
    const prompt = await prompts.issue(integration, { userId: 'zhangsan', incidentId: 'i1', action: { kind: 'acknowledge' }, clickKey: 'c1' });
    const url = new URL(prompt.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://api.example.com/link/wecom/acme');
    const token = url.searchParams.get('pending')!;
    expect(verifyPendingAction(await linkTokenKeyFor(secrets, integration), token, T0)).toMatchObject({ userId: 'zhangsan', incidentId: 'i1', jti: prompt.jti });
    expect(prompt.text.indexOf('开始处理')).toBeLessThan(prompt.text.indexOf('Start Processing'));
    expect(prompt.text).toContain('10 分钟');
    expect(prompt.text.endsWith(prompt.url)).toBe(true);
    expect(Buffer.byteLength(prompt.text)).toBeLessThanOrEqual(2048); // WeCom text ≤ 2,048 bytes (DOC 90236)
    expect(linkPromptUrl('http://127.0.0.1:8787', 'dingtalk', 'd1', 'a.b')).toBe('http://127.0.0.1:8787/link/dingtalk/d1?pending=a.b');
    expect(linkPromptText('dingtalk', { kind: 'snooze', minutes: 120 }, 'U')).toMatch(/^你的钉钉账号[\s\S]*暂缓 120 分钟[\s\S]*DingTalk[\s\S]*Snooze 120 min[\s\S]*\n\nU$/);
  });
});

describe('PendingActions.apply', () => {
  async function issue(t: ReturnType<typeof setup>, click: Partial<PendingActionBody> = {}) {
    const prompt = await t.prompts.issue(integration, { userId: 'zhangsan', incidentId: 'i1', action: { kind: 'acknowledge' }, clickKey: 'c1', ...click });
    return new URL(prompt.url).searchParams.get('pending')!;
  }

  it('applies the action for the person who clicked, once: a replay is already_applied and publishes nothing', async () => {
    const t = setup();
    const token = await issue(t);
    expect(await t.pending.apply(integration, token, zhangsan)).toEqual({ kind: 'transition', action: { kind: 'acknowledge' }, incidentId: 'i1', status: 'Processing', title: 'Disk full' });
    expect(t.incidents.stored?.status).toBe('Processing');
    expect(t.incidents.stored?.acknowledgedBy).toMatchObject({ email: 'zhang@example.com', userId: 'zhangsan', platform: 'wecom' });
    expect(t.published.map((m) => m.action)).toEqual(['acknowledge']);
    expect(await t.pending.apply(integration, token, zhangsan)).toMatchObject({ kind: 'already_applied', status: 'Processing' });
    expect(t.published).toHaveLength(1);
    expect(t.records.map((r) => r.event)).toEqual(['pending_action_applied', 'pending_action_replayed']);
  });

  it('a replay after someone else moved the incident on does not apply again (snooze twice would be two actions)', async () => {
    const t = setup();
    const token = await issue(t, { action: { kind: 'snooze', minutes: 120 } });
    expect((await t.pending.apply(integration, token, zhangsan)).kind).toBe('transition');
    await t.clicks.apply('i1', { kind: 'acknowledge' }, { email: 'li@example.com', platform: 'wecom', userId: 'lisi' }, 'other-click');
    t.advance(1000);
    expect((await t.pending.apply(integration, token, zhangsan)).kind).toBe('already_applied');
    expect(t.published.map((m) => m.action)).toEqual(['snooze', 'acknowledge']);
  });

  it('two concurrent submissions of the same token make one transition', async () => {
    const t = setup();
    const token = await issue(t);
    const outcomes = await Promise.all([t.pending.apply(integration, token, zhangsan), t.pending.apply(integration, token, zhangsan)]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['already_applied', 'transition']);
    expect(t.published).toHaveLength(1);
  });

  it('a crash between the claim and the apply loses nothing: the retry applies it, once', async () => {
    const t = setup();
    const token = await issue(t);
    // The first attempt takes the claim, then dies (here: the incident read fails).
    const get = t.incidents.get.bind(t.incidents);
    t.incidents.get = async () => {
      throw new Error('lambda died before applying');
    };
    await expect(t.pending.apply(integration, token, zhangsan)).rejects.toThrow('lambda died');
    t.incidents.get = get;
    expect(t.incidents.stored?.status).toBe('Triggered');
    expect(await t.pending.apply(integration, token, zhangsan)).toMatchObject({ kind: 'transition', status: 'Processing' });
    expect(await t.pending.apply(integration, token, zhangsan)).toMatchObject({ kind: 'already_applied' });
    expect(t.published).toHaveLength(1);
  });

  it('a crash after the state change (before publishing) is finished by the retry, without a second transition', async () => {
    const t = setup();
    const token = await issue(t);
    t.crashAfterSave();
    await expect(t.pending.apply(integration, token, zhangsan)).rejects.toThrow('lambda died');
    expect(t.incidents.stored?.status).toBe('Processing');
    expect(await t.pending.apply(integration, token, zhangsan)).toMatchObject({ kind: 'already_applied', status: 'Processing' });
    expect(t.published.map((m) => m.action)).toEqual(['acknowledge']); // the outbox was flushed by the retry
    const revision = t.incidents.stored!.revision;
    expect((await t.pending.apply(integration, token, zhangsan)).kind).toBe('already_applied');
    expect(t.incidents.stored!.revision).toBe(revision);
  });

  it('a crash after the apply and before the finishing claim, then someone else’s click: the retry does not apply it again', async () => {
    const t = setup();
    const token = await issue(t, { action: { kind: 'snooze', minutes: 120 } });
    t.claims.failNextStartingWith = 'pending-done:';
    await expect(t.pending.apply(integration, token, zhangsan)).rejects.toThrow('lambda died');
    expect(t.incidents.stored?.status).toBe('Snoozed');
    t.advance(1000);
    await t.clicks.apply('i1', { kind: 'acknowledge' }, { email: 'li@example.com', platform: 'wecom', userId: 'lisi' }, 'other-click');
    t.advance(30_000);
    expect(await t.pending.apply(integration, token, zhangsan)).toMatchObject({ kind: 'already_applied', status: 'Processing' });
    expect(t.published.map((m) => m.action)).toEqual(['snooze', 'acknowledge']);
    expect(await t.pending.apply(integration, token, zhangsan)).toMatchObject({ kind: 'already_applied' });
    expect(t.published).toHaveLength(2);
  });

  it('refuses someone else’s token (not_yours) and leaves it usable by its owner', async () => {
    const t = setup();
    const token = await issue(t);
    expect(await t.pending.apply(integration, token, { email: 'li@example.com', userId: 'lisi' })).toEqual({ kind: 'not_yours' });
    expect(t.incidents.stored?.status).toBe('Triggered');
    expect(t.claims.taken.size).toBe(0);
    expect((await t.pending.apply(integration, token, zhangsan)).kind).toBe('transition');
  });

  it('refuses a tampered token, another integration’s token and an expired one, changing nothing', async () => {
    const t = setup();
    const token = await issue(t);
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), action: { kind: 'resolve' } })).toString('base64url');
    expect(await t.pending.apply(integration, `${forged}.${mac}`, zhangsan)).toEqual({ kind: 'invalid', reason: 'bad_signature' });
    expect(await t.pending.apply(integration, 'not-a-token', zhangsan)).toEqual({ kind: 'invalid', reason: 'malformed' });
    expect(await t.pending.apply(other, token, zhangsan)).toEqual({ kind: 'invalid', reason: 'bad_signature' });
    // Signed with acme's key but naming another integration (never issued by us): refused too.
    const key = await linkTokenKeyFor(secrets, integration);
    expect(await t.pending.apply(integration, signPendingAction(key, { ...body, integrationId: 'other' }, T0).token, zhangsan)).toEqual({ kind: 'invalid', reason: 'other_integration' });
    t.advance(PENDING_ACTION_TTL_MS);
    expect(await t.pending.apply(integration, token, zhangsan)).toEqual({ kind: 'expired' });
    expect(t.incidents.stored?.status).toBe('Triggered');
    expect(t.published).toHaveLength(0);
    expect(t.claims.taken.size).toBe(0);
    expect(t.records.every((r) => r.event === 'pending_action_refused' && !JSON.stringify(r.details).includes(token))).toBe(true);
  });

  it('reports no_change with the reason and unknown_incident', async () => {
    const t = setup();
    await t.clicks.apply('i1', { kind: 'resolve' }, { email: 'li@example.com', platform: 'wecom', userId: 'lisi' }, 'close');
    expect(await t.pending.apply(integration, await issue(t), zhangsan)).toMatchObject({ kind: 'no_change', status: 'Closed', reason: expect.any(String) });
    expect(await t.pending.apply(integration, await issue(t, { incidentId: 'gone' }), zhangsan)).toMatchObject({ kind: 'unknown_incident', incidentId: 'gone' });
  });
});

describe('PendingActions.verify (the linking page, before the login)', () => {
  it('returns the claims of a good token and claims nothing', async () => {
    const t = setup();
    const prompt = await t.prompts.issue(integration, { userId: 'zhangsan', incidentId: 'i1', action: { kind: 'resolve' }, clickKey: 'c1' });
    const token = new URL(prompt.url).searchParams.get('pending')!;
    expect(await t.pending.verify(integration, token)).toMatchObject({ userId: 'zhangsan', action: { kind: 'resolve' } });
    expect(t.claims.taken.size).toBe(0);
    await expect(t.pending.verify(other, token)).rejects.toEqual(new PendingActionRefusedError('bad_signature'));
    await expect(t.pending.verify(integration, `${token}x`)).rejects.toBeInstanceOf(PendingActionRefusedError);
    const key = await linkTokenKeyFor(secrets, integration);
    await expect(t.pending.verify(integration, signPendingAction(key, { ...body, integrationId: 'other' }, T0).token)).rejects.toEqual(new PendingActionRefusedError('other_integration'));
    t.advance(PENDING_ACTION_TTL_MS);
    await expect(t.pending.verify(integration, token)).rejects.toEqual(new PendingActionRefusedError('expired'));
  });
});
