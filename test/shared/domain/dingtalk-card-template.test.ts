/** The DingTalk card's text from a rendered dingtalk.card template (issue 13); ids and buttons stay in code. */
import { incidentCardParams } from '../../../shared/domain/dingtalk-card';
import { renderTemplateOrDefault, parseTemplate, templateContextFor, templateSampleIncidents } from '../../../shared/domain/templates';

const incident = templateSampleIncidents()[0]!;
const nowMs = Date.now();

it('replaces title, status and description; keeps incidentId, buttons and the link', () => {
  const fixed = incidentCardParams(incident, nowMs);
  const params = incidentCardParams(incident, nowMs, { text: { title: 'T', status: 'S', description: 'D' } });
  expect(params).toMatchObject({ title: 'T', status: 'S', description: 'D' });
  expect(params.incidentId).toBe(fixed.incidentId);
  expect(params.buttons).toBe(fixed.buttons);
});

it('a failing template gives the default values with the note in the description, each within 1 KB', () => {
  const parsed = parseTemplate('dingtalk.card', '--- title ---\n{{ incident.labelMap.nope }}\n');
  const rendered = renderTemplateOrDefault('dingtalk.card', parsed, templateContextFor(incident, { nowMs, integration: { id: 'i' } }));
  expect(rendered.error).toBeDefined();
  const params = incidentCardParams(incident, nowMs, { text: { title: rendered.fields.title!, status: rendered.fields.status!, description: rendered.fields.description! } });
  expect(params.description).toMatch(/Template error|模板错误/);
  for (const value of Object.values(params)) expect(Buffer.byteLength(value, 'utf8')).toBeLessThanOrEqual(1024);
});
