/** POST /_sim/preview over HTTP: a template file rendered into the view's card, nothing sent. */
import { createSimulator, type Simulator } from '../../../sim/server';

let sim: Simulator;
beforeAll(async () => {
  sim = await createSimulator({ port: 0 });
});
afterAll(async () => {
  await sim?.stop();
});

async function preview(body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${sim.url}/_sim/preview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

it('shows a WeCom card with the custom title and the 12-row custom area cut to 8 with the marker, sending nothing', async () => {
  const rows = Array.from({ length: 12 }, (_, i) => `Row${i + 1}: v`).join('\n');
  const { status, body } = await preview({ channel: 'wecom.card', source: `--- title ---\nMy {{ incident.id }}\n--- customArea ---\n${rows}\n`, incident: { incidentId: 'INC-7' } });
  expect(status).toBe(200);
  expect(body.card.title).toBe('My INC-7');
  expect(body.card.fields.map((f: { key: string }) => f.key)).toEqual(['Row1', 'Row2', 'Row3', 'Row4', 'Row5', 'Row6']);
  expect(JSON.stringify(body.card)).toContain('Row8');
  expect(JSON.stringify(body.card)).not.toContain('Row9');
  expect(body.warnings).toContainEqual(expect.stringContaining('customArea cut to 8 rows'));
  expect(body.html).toContain('My INC-7');
  expect(sim.conversations()).toHaveLength(0);
  expect(sim.calls({} as never)).toHaveLength(0);
});

it('a broken template is a 400 with line and column; a render-time error previews the default with the note', async () => {
  const broken = await preview({ channel: 'wecom.card', source: '--- title ---\n{% if %}\n' });
  expect(broken.status).toBe(400);
  expect(broken.body.line).toBe(2);
  const failing = await preview({ channel: 'wecom.card', source: '--- title ---\n{{ incident.labelMap.nope }}\n' });
  expect(failing.status).toBe(200);
  expect(failing.body.templateError.line).toBe(2);
  expect(JSON.stringify(failing.body.card)).toMatch(/Template error|模板错误/);
});

it('refuses a bad request clearly', async () => {
  expect((await preview({ channel: 'sms', source: '' })).status).toBe(400);
  expect((await preview({ channel: 'wecom.card' })).status).toBe(400);
  expect((await preview([1])).status).toBe(400);
});

it('previews a bot message as a text card', async () => {
  const { status, body } = await preview({ channel: 'wecom.bot.text', source: '--- content ---\nHi {{ incident.id }}\n', incident: { incidentId: 'INC-9' } });
  expect(status).toBe(200);
  expect(body.card.body).toBe('Hi INC-9');
});
