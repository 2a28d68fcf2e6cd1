import { readPublicApiUrl } from '../../shared/config/runtime-config';
import { startTestStack, type TestStack } from '../support/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => t.stop());

it('serves /healthz and answers unknown routes and methods with 404 like API Gateway', async () => {
  const health = await fetch(`${t.url}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok', service: 'dutybridge' });
  expect((await fetch(`${t.url}/nowhere`)).status).toBe(404);
  expect((await fetch(`${t.url}/healthz`, { method: 'POST' })).status).toBe(404);
  expect((await fetch(`${t.url}/dingtalk/x/events`)).status).toBe(404);
});

it('gives the functions PUBLIC_API_URL: the gateway URL, read back by the runtime config', () => {
  expect(t.stack.env.PUBLIC_API_URL).toBe(t.url);
  expect(process.env.PUBLIC_API_URL).toBe(t.url);
  expect(readPublicApiUrl()).toBe(t.url);
  expect(t.url.endsWith('/')).toBe(false);
});

it('refuses bodies over 64 KB with 413 on every callback route', async () => {
  for (const route of ['/wecom/a/callback', '/dingtalk/a/events', '/dingtalk/a/cards']) {
    const res = await fetch(`${t.url}${route}`, { method: 'POST', body: 'x'.repeat(64 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ code: 'payload_too_large', message: expect.any(String) });
  }
});
