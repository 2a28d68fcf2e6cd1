import { editDistance, explainIntegrationProblems, explainParseError, nearest, refuseUnknownCommand, version } from '../../cli/usage';
import { parseArgs } from 'node:util';

const known = new Set(['integrations add', 'integrations list', 'integrations show', 'links set', 'links list', 'events publish', 'demo-incident publish', 'oplog show']);
const usage = 'commands:\n  integrations add wecom …\n  integrations list\n  integrations show ID\n  links set --integration ID\n  links list --integration ID\n  events publish FILE\n  demo-incident [--title T]\n  oplog --incident ID';

function refusal(positionals: string[]): string {
  try {
    refuseUnknownCommand(positionals, known, usage);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('not refused');
}

it('edit distance and nearest', () => {
  expect(editDistance('lst', 'list')).toBe(1);
  expect(editDistance('kitten', 'sitting')).toBe(3);
  expect(nearest('integration', ['integrations', 'links'])).toBe('integrations');
  expect(nearest('zzzzzz', ['integrations', 'links'])).toBeUndefined();
});

it('unknown commands suggest the nearest one; a group alone lists its subcommands', () => {
  expect(refusal(['integrations', 'lst'])).toBe('unknown command: integrations lst; did you mean `dutybridge integrations list`?');
  expect(refusal(['integration', 'list'])).toBe('unknown command: integration list; did you mean `dutybridge integrations list`?');
  expect(refusal(['demo-incidnet'])).toBe('unknown command: demo-incidnet; did you mean `dutybridge demo-incident`?');
  expect(refusal(['oplg'])).toBe('unknown command: oplg; did you mean `dutybridge oplog`?');
  expect(refusal(['frobnicate'])).toMatch(/^unknown command: frobnicate; commands: integrations, links, events, demo-incident, oplog$/);
  expect(refusal(['links'])).toBe('links needs a subcommand: set, list\n  links set --integration ID\n  links list --integration ID');
});

it('parseArgs errors name the flag and the nearest option', () => {
  const options = { 'agent-id': { type: 'string' }, yes: { type: 'boolean' } } as const;
  const error = (args: string[]) => {
    try {
      parseArgs({ args, options, strict: true, allowPositionals: true });
    } catch (e) {
      return explainParseError(e, Object.keys(options)).message;
    }
    throw new Error('parsed');
  };
  expect(error(['--agentid', '1'])).toBe('unknown option --agentid; did you mean --agent-id?');
  expect(error(['--agent-id'])).toBe('--agent-id needs a value');
  expect(error(['--yes=1'])).toBe('--yes takes no value (it is a switch)');
});

it('integration fields are named by their flags', () => {
  expect(explainIntegrationProblems([{ field: 'agentId', problem: 'is missing' }, { field: 'qpsPerAppAndApi', problem: 'must be at most 60' }])).toBe('--agent-id is missing; --qps must be at most 60');
});

it('the version is the package version', () => {
  expect(version()).toBe((require('../../package.json') as { version: string }).version);
});
