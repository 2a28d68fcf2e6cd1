/**
 * The template file format: one section per field of the channel, each opened by a line
 *
 *     --- <field> ---
 *
 * (e.g. `--- title ---`), followed by the field's Liquid source up to the next section line or the
 * end of the file. Before the first section only blank lines and `#` comment lines are allowed. A
 * field left out renders with the built-in default's section. The final newline of a section is not
 * part of it. Sections keep their position in the file (`startLine`), so an error inside one is
 * reported at the FILE's line and column.
 */
import { channelFields, type TemplateChannel } from '../channel-limits';
import { TemplateSyntaxError } from './errors';

export interface TemplateSection {
  readonly field: string;
  /** The field's Liquid source. */
  readonly source: string;
  /** 1-based file line of the section's first source line. */
  readonly startLine: number;
}

const HEADER = /^---[ \t]*([A-Za-z][A-Za-z0-9_.]*)[ \t]*---[ \t]*$/;
const LOOKS_LIKE_HEADER = /^---/;

/** Splits a template file into its sections; throws TemplateSyntaxError on a bad or repeated section. */
export function splitTemplateSections(channel: TemplateChannel, source: string): TemplateSection[] {
  const fields = channelFields(channel);
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const sections: { field: string; startLine: number; lines: string[] }[] = [];
  lines.forEach((text, index) => {
    const lineNo = index + 1;
    const header = HEADER.exec(text);
    if (header) {
      const field = header[1] as string;
      if (!fields.includes(field)) {
        throw new TemplateSyntaxError(lineNo, 5, `unknown field "${field}" for ${channel}; fields: ${fields.join(', ')}`);
      }
      if (sections.some((s) => s.field === field)) throw new TemplateSyntaxError(lineNo, 1, `field "${field}" appears twice`);
      sections.push({ field, startLine: lineNo + 1, lines: [] });
      return;
    }
    const current = sections[sections.length - 1];
    if (current) {
      current.lines.push(text);
      return;
    }
    if (LOOKS_LIKE_HEADER.test(text)) throw new TemplateSyntaxError(lineNo, 1, 'a section line reads "--- field ---"');
    if (text.trim() !== '' && !text.trimStart().startsWith('#')) {
      throw new TemplateSyntaxError(lineNo, 1, `text before the first section; start with a line like "--- ${fields[0]} ---"`);
    }
  });
  if (sections.length === 0) throw new TemplateSyntaxError(1, 1, `no section; a template starts with a line like "--- ${fields[0]} ---"`);
  return sections.map((s) => {
    const body = [...s.lines];
    // Blank lines before the next section line are layout, not content.
    while (body.length > 0 && body[body.length - 1]?.trim() === '') body.pop();
    return { field: s.field, source: body.join('\n'), startLine: s.startLine };
  });
}
