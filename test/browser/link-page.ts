/**
 * The account-linking pages in Chromium at a phone's size, as the in-app browsers show them: the
 * real local stack and handler, the simulator's WeCom client, OAuth, OIDC provider and stand-in
 * DingTalk jsapi. Checks that the pages are readable (Chinese for zh-CN, ≥ 16 px text), never
 * scroll sideways, and that every button and field is a ≥ 44 px tap target.
 */
import type { Browser, Page } from 'playwright-core';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { LinkingAdmin } from '../../shared/application/linking-admin';
import { DEMO_DINGTALK_ID, DEMO_WECOM_ID, seedDemo } from '../../local/demo';
import { startLocalStack } from '../../local/stack';
import { createSimulator } from '../../sim/server';

type TestFn = (name: string, body: () => Promise<void>) => Promise<void>;

/** The WeCom in-app browser on a phone (its user agent carries `wxwork`). */
const WECOM_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh_CN';
const DINGTALK_UA = 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/36000000 Channel/700159 language/zh-CN';

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** No sideways scroll, text ≥ 16 px, every tap target ≥ 44 px high and on screen. */
async function checkMobileLayout(page: Page, what: string): Promise<void> {
  // A string: the test code is compiled without the DOM library; this runs in the page.
  const layout = (await page.evaluate(`(() => {
    const targets = [...document.querySelectorAll('a.btn, button, input:not([type=hidden])')].map((el) => {
      const r = el.getBoundingClientRect();
      return { tag: el.tagName, text: (el.textContent || '').trim().slice(0, 30), height: r.height, right: r.right };
    });
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      fontSize: parseFloat(getComputedStyle(document.body).fontSize),
      targets,
      lang: document.documentElement.lang,
      viewport: (document.querySelector('meta[name=viewport]') || { getAttribute: () => '' }).getAttribute('content') || '',
    };
  })()`)) as { scrollWidth: number; innerWidth: number; fontSize: number; lang: string; viewport: string; targets: { tag: string; text: string; height: number; right: number }[] };
  check(layout.scrollWidth <= layout.innerWidth, `${what}: scrolls sideways (${layout.scrollWidth} > ${layout.innerWidth})`);
  check(layout.fontSize >= 16, `${what}: body text ${layout.fontSize}px is too small to read`);
  check(layout.viewport.includes('width=device-width'), `${what}: no viewport meta`);
  check(layout.lang === 'zh-CN', `${what}: page language ${layout.lang}, expected zh-CN`);
  for (const target of layout.targets) {
    check(target.height >= 44, `${what}: ${target.tag} "${target.text}" is ${target.height}px high (< 44)`);
    check(target.right <= layout.innerWidth, `${what}: ${target.tag} "${target.text}" sticks out of the screen`);
  }
}

export async function linkPageScenario(browser: Browser, test: TestFn): Promise<void> {
  // The SDK clients are made once per process (shared/adapters/aws/clients.ts): a stack started
  // after another one in this process must serve on the same local ports.
  const port = (name: string) => (process.env[name] ? Number(new URL(process.env[name]!).port) : undefined);
  const awsPorts = { dynamodb: port('AWS_ENDPOINT_URL_DYNAMODB'), sqs: port('AWS_ENDPOINT_URL_SQS'), secretsManager: port('AWS_ENDPOINT_URL_SECRETS_MANAGER') };
  // Same prefix too: the handlers' configuration (table and queue names) is also read once per process.
  const stack = await startLocalStack({ pollers: false, prefix: 'browser-', awsPorts });
  const sim = await createSimulator({ port: 0, seed: true });
  const table = stack.env.STATE_TABLE_NAME!;
  try {
    await seedDemo({ gatewayUrl: stack.gatewayUrl, simulatorUrl: sim.url, smtpPort: sim.smtpPort });
    const links = new DynamoLinkStore(getDocumentClient(), table);
    // The demo links everyone: unlink lina so that she has something to do, and make her prove who
    // she is (auto-match off) so the page with the proofs is shown.
    await links.remove(DEMO_WECOM_ID, 'lina@example.com');
    await links.remove(DEMO_DINGTALK_ID, 'alice@example.com');
    await new LinkingAdmin(new DynamoIntegrationRepository(getDocumentClient(), table), secretsManagerWriter(getSecretsManagerClient())).set(DEMO_WECOM_ID, { autoMatch: false });

    const context = await browser.newContext({ viewport: { width: 375, height: 667 }, userAgent: WECOM_UA, locale: 'zh-CN', extraHTTPHeaders: { 'accept-language': 'zh-CN,zh;q=0.9' }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    try {
      await test('linking page (WeCom, 375×667, zh-CN): the proofs page is readable, one column, ≥ 44 px tap targets', async () => {
        // Signed in at the identity provider already, so single sign-on comes straight back.
        await page.goto(`${sim.url}/_sim/oidc/client?user=idp-lina&url=${encodeURIComponent(`${sim.url}/_sim/mailbox`)}`);
        await page.goto(`${sim.url}/_sim/wecom/client?user=lina&url=${encodeURIComponent(`${stack.gatewayUrl}/link/wecom/${DEMO_WECOM_ID}`)}`);
        await page.locator('h1', { hasText: '确认你是谁' }).waitFor({ state: 'visible', timeout: 10000 });
        const text = await page.locator('main').innerText();
        check(text.includes('使用公司账号登录（单点登录）'), `no SSO button: ${text}`);
        check(text.includes('工作邮箱'), `no email field: ${text}`);
        await checkMobileLayout(page, 'proofs page');
        await page.screenshot({ path: '.build/link-page-prove.png' });
      });
      await test('linking page (WeCom): single sign-on links lina and says so in Chinese', async () => {
        await page.locator('a.btn', { hasText: '单点登录' }).click();
        await page.locator('h1', { hasText: '关联成功' }).waitFor({ state: 'visible', timeout: 10000 });
        const text = await page.locator('main').innerText();
        check(text.includes('lina@example.com') && text.includes('单点登录'), `result page: ${text}`);
        await checkMobileLayout(page, 'result page');
        const link = await links.byUserId(DEMO_WECOM_ID, 'lina');
        check(link?.email === 'lina@example.com' && link.method === 'sso', `link: ${JSON.stringify(link)}`);
        await page.screenshot({ path: '.build/link-page-linked.png' });
      });
    } finally {
      await context.close();
    }

    const dingTalk = await browser.newContext({ viewport: { width: 375, height: 667 }, userAgent: DINGTALK_UA, locale: 'zh-CN', extraHTTPHeaders: { 'accept-language': 'zh-CN' }, isMobile: true, hasTouch: true });
    const dtPage = await dingTalk.newPage();
    try {
      await test('linking page (DingTalk client): the page loads the jsapi, requestAuthCode, posts the code and alice is auto-matched', async () => {
        await dtPage.goto(`${sim.url}/_sim/dingtalk/client?user=alice&url=${encodeURIComponent(`${stack.gatewayUrl}/link/dingtalk/${DEMO_DINGTALK_ID}`)}`);
        await dtPage.locator('h1', { hasText: '关联成功' }).waitFor({ state: 'visible', timeout: 10000 });
        await checkMobileLayout(dtPage, 'DingTalk result page');
        const link = await links.byUserId(DEMO_DINGTALK_ID, 'alice');
        check(link?.email === 'alice@example.com' && link.method === 'login', `link: ${JSON.stringify(link)}`);
      });
    } finally {
      await dingTalk.close();
    }
  } finally {
    await stack.stop();
    await sim.stop();
  }
}
