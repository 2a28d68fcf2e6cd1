/**
 * LOCAL DEMO ONLY. Deterministic, publicly known identifiers and secrets for the simulator and the
 * local stack. They protect nothing and must never be configured against real WeCom or DingTalk.
 */
import { SimUser } from './core/contract';

export interface DemoWeComCorp {
  readonly corpId: string;
  readonly agentId: number;
  readonly secret: string;
  /** Callback Token: letters/digits, ≤ 32 chars (DOC-90930). */
  readonly token: string;
  /** EncodingAESKey: exactly 43 letters/digits (DOC-90930). */
  readonly encodingAesKey: string;
}

export interface DemoDingTalkApp {
  readonly corpId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly token: string;
  readonly aesKey: string;
  readonly robotCode: string;
  readonly apiSecret?: string;
}

export const demoWeComCorp: DemoWeComCorp = {
  corpId: 'wwlocaldemo0000001',
  agentId: 1000002,
  secret: 'local-demo-only-wecom-secret-not-a-real-one',
  token: 'LocalDemoToken',
  encodingAesKey: 'LocalDemoOnlyEncodingAesKeyForWeComSimul000',
};

/** Demo group robot (webhook key = its only credential, DOC-99110): `POST /cgi-bin/webhook/send?key=local-demo-robot-key`. */
export const demoWeComRobot = { key: 'local-demo-robot-key', name: 'On-call robot', chatId: 'demo-oncall-group' } as const;

export const demoDingTalkApp: DemoDingTalkApp = {
  corpId: 'dinglocaldemo0000001',
  clientId: 'dinglocaldemoclient01',
  clientSecret: 'local-demo-only-dingtalk-client-secret-0000000000000',
  token: 'LocalDemoDingToken',
  aesKey: 'LocalDemoOnlyDingTalkAesKeyForCallbacks0000',
  robotCode: 'dinglocaldemoclient01',
  apiSecret: 'local-demo-only-dingtalk-robot-secret',
};

/** Five people, Chinese and English names; the same directory is used for both demo orgs. */
/**
 * Demo WeCom third-party app (suite mode, issue 16) and a customer corp that can install it from
 * the simulator's market page (`/_sim/wecom/market`). Public, local-only values.
 */
export const demoWeComSuite = {
  suiteId: 'wwlocaldemosuite01',
  suiteSecret: 'local-demo-only-suite-secret',
  token: 'LocalDemoSuiteToken',
  encodingAesKey: 'LocalDemoOnlySuiteEncodingAesKeyForWeComSim',
  providerCorpId: 'wwlocaldemoprovider',
  providerSecret: 'local-demo-only-provider-secret',
} as const;
export const demoSuiteCustomer = { corpId: 'wwlocaldemocustomer1', corpName: 'Demo Customer Ltd' } as const;

export const demoUsers: readonly SimUser[] = [
  { userId: 'zhangwei', name: '张伟', mobile: '+86-13800000001', email: 'zhangwei@example.com', unionId: 'demoUnion0001' },
  { userId: 'lina', name: '李娜', mobile: '+86-13800000002', email: 'lina@example.com', unionId: 'demoUnion0002' },
  { userId: 'wangfang', name: '王芳', mobile: '+86-13800000003', email: 'wangfang@example.com', unionId: 'demoUnion0003' },
  { userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000004', email: 'alice@example.com', unionId: 'demoUnion0004' },
  { userId: 'bob', name: 'Bob Smith', mobile: '+86-13800000005', email: 'bob@example.com', unionId: 'demoUnion0005' },
];

/**
 * Demo OpenID Connect client of the simulated identity provider (issuer `<simulator URL>/oidc`):
 * any loopback redirect URL is accepted, so the local gateway on any port can use it.
 */
export const demoOidcClient = {
  clientId: 'dutybridge-demo',
  clientSecret: 'local-demo-only-oidc-client-secret',
  redirectUris: [] as string[],
  anyLoopbackRedirect: true,
} as const;

/** The demo people as identity-provider users (same emails); wangfang's email is not verified. */
export const demoOidcUsers: readonly { sub: string; email: string; name: string; emailVerified: boolean }[] = demoUsers.map((user) => ({
  sub: `idp-${user.userId}`,
  email: user.email,
  name: user.name,
  emailVerified: user.userId !== 'wangfang',
}));
