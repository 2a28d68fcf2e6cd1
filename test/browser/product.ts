/**
 * The `npm start` experience in a browser: the real local stack (gateway, queues, handlers), the
 * simulator and the demo integrations; an incident becomes a card in the view, a click in Chromium
 * travels the real encrypted callback through the gateway, and the card in the view turns to
 * Processing while exactly one incident.action is published.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Browser } from 'playwright-core';
import { seedDemo, DEMO_WECOM_ID } from '../../local/demo';
import { startLocalStack } from '../../local/stack';
import { createSimulator } from '../../sim/server';
import { localViewInsight } from '../../local/view-insight';
import type { IncidentActionMessage } from '../../shared/domain/incident-action';

type TestFn = (name: string, body: () => Promise<void>) => Promise<void>;

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export async function productScenario(browser: Browser, test: TestFn): Promise<void> {
  process.env.CARD_REFRESH_DELAY_SECONDS = '0';
  const stack = await startLocalStack({ pollers: true, prefix: 'browser-' });
  // The actions this test takes off the queue are the local copy the view shows per card.
  const published: IncidentActionMessage[] = [];
  const sim = await createSimulator({
    port: 0,
    seed: true,
    callbackTimeoutMs: 3000,
    insight: localViewInsight({ tableName: stack.env.STATE_TABLE_NAME!, actions: () => published }),
  });
  const sqs = new SQSClient({ endpoint: stack.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
  const receiveActions = async (count: number): Promise<IncidentActionMessage[]> => {
    const got: IncidentActionMessage[] = [];
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline && got.length < count) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.env.INCIDENT_ACTIONS_QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of out.Messages ?? []) {
        got.push(JSON.parse(m.Body ?? '{}') as IncidentActionMessage);
        // Delete it as the consumer would: the FIFO group stays locked while a message is in flight.
        await sqs.send(new DeleteMessageCommand({ QueueUrl: stack.env.INCIDENT_ACTIONS_QUEUE_URL, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    published.push(...got);
    return got;
  };
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
      const actions = await receiveActions(1);
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
    await test('npm start flow: 24h picked in the WeCom dropdown, then Snooze, publishes snooze 1440 and the card says Snoozed', async () => {
      const card = page.locator('.pane.active .card', { hasText: 'Checkout error rate' });
      const select = card.locator('select.card-select');
      await select.waitFor({ state: 'visible', timeout: 5000 });
      await select.selectOption('snooze:1440');
      await page.waitForTimeout(1200); // a poll redraws the view in between; the choice must survive it
      check((await select.inputValue()) === 'snooze:1440', 'the dropdown lost its choice');
      await card.locator('.actions button', { hasText: /^Snooze/ }).click();
      const actions = await receiveActions(1);
      check(actions.length === 1, `expected one incident.action, got ${actions.length}`);
      check(actions[0]!.action === 'snooze' && actions[0]!.snoozeMinutes === 1440, `expected snooze 1440, got ${JSON.stringify(actions[0])}`);
      await page.locator('.pane.active .card').filter({ hasText: /Status\s*Snoozed/ }).waitFor({ state: 'visible', timeout: 15000 });
    });

    await test('npm start flow: the side panel shows the card’s incident, its incident.action messages and its operation log', async () => {
      const panel = page.locator('aside.calls .inspect.active').first();
      await panel.waitFor({ state: 'visible', timeout: 5000 });
      await page.locator('aside.calls .inspect.active', { hasText: 'Snooze 1440 min' }).first().waitFor({ state: 'visible', timeout: 8000 });
      const text = await panel.innerText();
      check(text.includes('INC-7001'), `the panel does not name the incident: ${text}`);
      check(text.includes('Start Processing (acknowledge) by alice@example.com'), `the panel lacks the acknowledge action: ${text}`);
      check(/Operation log/.test(text), 'no operation-log section');
      await page.screenshot({ path: '.build/product-view-panel.png' });
    });
    await page.close();
  } finally {
    sqs.destroy();
    await stack.stop(); // pollers first, so no refresh is left talking to a stopped simulator
    await sim.stop();
  }
}
