/** Starts the platform simulator with one DingTalk app for client/dispatch tests. */
import { createSimulator, type Simulator } from '../../../../sim/server';
import { InMemoryAccessTokenStore, TokenProvider } from '../../../../shared/application/token-provider';
import { DingTalkClient } from '../../../../shared/adapters/dingtalk/client';

export const APP = { corpId: 'dingcorptest', clientId: 'dingclienttest', clientSecret: 'client-secret-test', robotCode: 'dingclienttest' };
export const GROUP = 'cidTestGroup==';
export const COOL_GROUP = 'cidTestCool==';
export const COOL_APP = 'COOLAPP-1-TEST';

export interface SimApp {
  readonly sim: Simulator;
  readonly client: DingTalkClient;
  readonly tokens: TokenProvider;
  fault(rule: { endpoint: string; kind: string; nextN?: number; percent?: number }): Promise<void>;
  usage(): Promise<{ metered: number; byEndpoint: Record<string, number>; free: Record<string, number> }>;
  stop(): Promise<void>;
}

export async function startSimApp(options: { qps?: number; monthlyQuota?: number; timeoutMs?: number; timeoutFaultDelayMs?: number } = {}): Promise<SimApp> {
  const sim = await createSimulator({ port: 0, log: () => undefined, ...(options.timeoutFaultDelayMs ? { timeoutFaultDelayMs: options.timeoutFaultDelayMs } : {}) });
  const put = await fetch(`${sim.url}/_sim/dingtalk/apps/${APP.clientId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      corpId: APP.corpId,
      clientId: APP.clientId,
      clientSecret: APP.clientSecret,
      token: 'SimToken123',
      aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      robotCode: APP.robotCode,
      eventsUrl: 'http://127.0.0.1:9/events',
      users: [
        { userId: 'alice', name: 'Alice', mobile: '+86-13800000004', email: 'alice@example.com', unionId: 'unionAlice' },
        { userId: 'bob', name: 'Bob', mobile: '+86-13800000005', email: 'bob@example.com', unionId: 'unionBob' },
      ],
      groups: [
        { openConversationId: GROUP, title: 'Ops', memberUserIds: ['alice', 'bob'] },
        { openConversationId: COOL_GROUP, title: 'Cool', memberUserIds: ['alice'], coolAppCode: COOL_APP },
      ],
      ...(options.qps ? { qps: options.qps } : {}),
      ...(options.monthlyQuota !== undefined ? { monthlyQuota: options.monthlyQuota } : {}),
    }),
  });
  if (put.status !== 200) throw new Error(`sim app registration failed: ${put.status} ${await put.text()}`);
  const tokens = new TokenProvider({ store: new InMemoryAccessTokenStore() });
  const client = new DingTalkClient({ ...APP, apiBase: sim.url, oapiBase: sim.url }, { tokens, timeoutMs: options.timeoutMs ?? 2000 });
  return {
    sim,
    client,
    tokens,
    async fault(rule) {
      const res = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'dingtalk', ...rule }) });
      if (res.status !== 200) throw new Error(`fault rejected: ${await res.text()}`);
    },
    async usage() {
      return (await (await fetch(`${sim.url}/_sim/dingtalk/apps/${APP.clientId}/usage`)).json()) as { metered: number; byEndpoint: Record<string, number>; free: Record<string, number> };
    },
    stop: () => sim.stop(),
  };
}
