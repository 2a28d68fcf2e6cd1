/**
 * The `npm start` experience in a browser: the real local stack (gateway, queues, handlers), the
 * simulator and the demo integrations; an incident becomes a card in the view, a click in Chromium
 * travels the real encrypted callback through the gateway, and the card in the view turns to
 * Processing while exactly one incident.action is published.
 */
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Browser } from 'playwright-core';
import { seedDemo, DEMO_WECOM_ID } from '../../local/demo';
import { startLocalStack } from '../../local/stack';
import { createSimulator } from '../../sim/server';

type TestFn = (name: string, body: () => Promise<void>) => Promise<void>;

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export async function productScenario(browser: Browser, test: TestFn): Promise<void> {
  process.env.CARD_REFRESH_DELAY_SECONDS = '0';
  const stack = await startLocalStack({ pollers: true, prefix: 'browser-' });
  const sim = await createSimulator({ port: 0, seed: true, callbackTimeoutMs: 3000 });
  const sqs = new SQSClient({ endpoint: stack.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
  try {
    await seedDemo({ gatewayUrl: stack.gatewayUrl, simulatorUrl: sim.url });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.env.INCIDENT_EVENTS_QUEUE_URL,
        MessageBody: JSON.stringify({
          type: 'incident.triggered',
          incidentId: 'INC-7001',
          version: 1,
          occurredAt: new Date().toISOString(),
          title: 'Checkout error rate above 5%',
          severity: 'Critical',
          description: 'payments-api 5xx at 7.2% for 5 minutes',
          responders: ['alice@example.com', 'bob@example.com'],
          targets: [{ integrationId: DEMO_WECOM_ID }],
        }),
      }),
    );
    const page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
    await page.goto(sim.url);

    await test('npm start flow: the incident arrives as a card in Alice’s chat', async () => {
      await page.locator('.platform.active li.conv', { hasText: 'Alice Chen' }).click();
      const card = page.locator('.pane.active .card', { hasText: 'Checkout error rate' });
      await card.waitFor({ state: 'visible', timeout: 15000 });
      check((await card.innerText()).includes('Start Processing'), 'no Start Processing button');
    });

    await test('npm start flow: clicking Start Processing reaches the gateway, publishes one action and updates the card', async () => {
      await page.locator('.pane.active .card button', { hasText: 'Start Processing' }).first().click();
      const deadline = Date.now() + 15000;
      const actions: unknown[] = [];
      while (Date.now() < deadline && actions.length === 0) {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.env.INCIDENT_ACTIONS_QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const m of out.Messages ?? []) actions.push(JSON.parse(m.Body ?? '{}'));
      }
      check(actions.length === 1, `expected one incident.action, got ${actions.length}`);
      check((actions[0] as { action?: string }).action === 'acknowledge', 'action is not acknowledge');
      // The Status field, not the "Start Processing" button, must say Processing.
      const processing = page.locator('.pane.active .card').filter({ hasText: /Status\s*Processing/ }).filter({ hasText: 'Alice Chen' });
      try {
        await processing.waitFor({ state: 'visible', timeout: 15000 });
      } finally {
        await page.screenshot({ path: '.build/product-view.png' });
      }
    });
    await page.close();
  } finally {
    sqs.destroy();
    await stack.stop(); // pollers first, so no refresh is left talking to a stopped simulator
    await sim.stop();
  }
}
