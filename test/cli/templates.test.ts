/**
 * The templates command's flags: `--version N` is the template version for `templates` only (the
 * CLI's own `--version` stays a flag elsewhere); refusals from the flags alone read no stack.
 */
import { parseTemplatesFlags, renameTemplateVersionFlag } from '../../cli/templates';
import { CliUsageError } from '../../cli/target';

it('renames --version for templates only', () => {
  expect(renameTemplateVersionFlag(['templates', 'rollback', '--version', '2'])).toEqual(['templates', 'rollback', '--template-version', '2']);
  expect(renameTemplateVersionFlag(['templates', 'show', '--version=3'])).toEqual(['templates', 'show', '--template-version=3']);
  expect(renameTemplateVersionFlag(['--version'])).toEqual(['--version']);
  expect(renameTemplateVersionFlag(['links', 'list', '--version'])).toEqual(['links', 'list', '--version']);
});

describe('parseTemplatesFlags', () => {
  const read = (p: string) => (p === 'card.liquid' ? '--- title ---\nx\n' : (() => { throw Object.assign(new Error('nope'), { code: 'ENOENT' }); })());

  it('reads FILE for set and takes --by, else the OS user', () => {
    expect(parseTemplatesFlags('set', 'card.liquid', { integration: 'w', channel: 'wecom.card', by: 'alice' }, read)).toEqual({
      integrationId: 'w',
      channel: 'wecom.card',
      file: { path: 'card.liquid', source: '--- title ---\nx\n' },
      by: 'alice',
    });
    expect(parseTemplatesFlags('list', undefined, { integration: 'w' }, read).by.length).toBeGreaterThan(0);
    expect(parseTemplatesFlags('rollback', undefined, { integration: 'w', channel: 'wecom.card', 'template-version': '2' }, read).version).toBe(2);
  });

  it.each([
    ['set', undefined, { integration: 'w', channel: 'wecom.card' }, 'needs a FILE'],
    ['set', 'missing.liquid', { integration: 'w', channel: 'wecom.card' }, 'no such file: missing.liquid'],
    ['show', undefined, { channel: 'wecom.card' }, 'needs --integration ID'],
    ['show', undefined, { integration: 'w' }, 'needs --channel K'],
    ['show', undefined, { integration: 'w', channel: 'wecom' }, '"wecom" is not a template channel'],
    ['rollback', undefined, { integration: 'w', channel: 'wecom.card' }, 'needs --version N'],
    ['rollback', undefined, { integration: 'w', channel: 'wecom.card', 'template-version': '0' }, 'is not a version number'],
    ['history', undefined, { integration: 'w', channel: 'wecom.card', 'template-version': '1' }, 'takes no --version'],
    ['preview', 'card.liquid', { integration: 'w', channel: 'wecom.card' }, 'previewed with --file FILE'],
    ['preview', undefined, { integration: 'w', channel: 'wecom.card', locale: 'fr' }, '--locale zh|en'],
  ] as const)('templates %s %s %j is refused', (action, file, values, message) => {
    expect(() => parseTemplatesFlags(action, file, values, read)).toThrow(CliUsageError);
    expect(() => parseTemplatesFlags(action, file, values, read)).toThrow(message);
  });
});
