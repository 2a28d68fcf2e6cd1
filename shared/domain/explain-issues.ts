/**
 * Plain-words messages for zod issues. zod/mini (no locale loaded) says "Invalid input" for every
 * issue; these messages say what the value must be instead: "must be one of Critical, Warning, Info",
 * "is missing", "must be at most 60". A check's own message (e.g. "agent id must be digits") is kept.
 */
import type * as z from 'zod/mini';

type Issue = z.core.$ZodIssue;

const GENERIC = /^Invalid input/;

function describeExpected(expected: string): string {
  if (expected === 'int') return 'a whole number';
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'an object';
  return `a ${expected}`;
}

/** What is wrong, without the subject: "is missing", "must be one of a, b". */
export function explainIssue(issue: Issue, input?: unknown): string {
  const own = issue.message && !GENERIC.test(issue.message) ? issue.message : undefined;
  if (own && input !== undefined) return `is not valid: ${own}`;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined && issue.expected !== 'int') return 'is missing';
      return `must be ${describeExpected(issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_big': {
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      return own ?? `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}${unit}`;
    }
    case 'too_small': {
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      if (issue.origin === 'number' && Number(issue.minimum) === 0) return own ?? 'must not be negative';
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return own ?? 'must not be empty';
      return own ?? `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}${unit}`;
    }
    case 'invalid_format':
      return own ?? (issue.format === 'regex' ? `does not have the expected form (${issue.pattern ?? 'pattern'})` : `must be a valid ${issue.format}`);
    case 'invalid_union': {
      // A discriminated union whose discriminator matched no option (zod: "No matching discriminator").
      const discriminator = (issue as { discriminator?: string }).discriminator;
      if (discriminator) return own ?? 'is not one of the known values';
      return own ?? 'matches none of the allowed forms';
    }
    case 'unrecognized_keys':
      return `has unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    default:
      return own ?? 'is not valid';
  }
}

/** The value at an issue's path in the input (undefined when the path does not exist). */
export function valueAtPath(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * One line for a set of issues, each named by `name(path)` (default: the dotted path, `(root)` for
 * the whole value): "--severity must be one of Critical, Warning, Info; --agent-id is missing".
 */
export function explainIssues(issues: readonly Issue[], input: unknown, name: (path: readonly PropertyKey[]) => string = (p) => p.map(String).join('.') || '(root)'): string {
  return issues
    .slice(0, 5)
    .map((i) => `${name(i.path)} ${explainIssue(i, valueAtPath(input, i.path))}`)
    .join('; ');
}
