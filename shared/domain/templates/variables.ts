/**
 * Static check of the variables a template uses, against the shape of TemplateContext: an unknown
 * variable is refused when the template is parsed, with its file line and column, even inside a
 * branch no sample takes (`{% if incident.status == 'Closed' %}{{ incident.closer }}{% endif %}`).
 * Render time (strictVariables) still catches what only data can decide (`incident.labelMap.x`).
 */
import type { Template } from 'liquidjs';
import { templateEngine } from './engine';

type Shape = 'string' | 'number' | 'any' | { readonly [key: string]: Shape } | readonly [Shape];

const S = 'string' as const;
const N = 'number' as const;
const ACTOR: Shape = { email: S, name: S, action: S, at: N };

/** Keep in step with TemplateContext (context.ts); a unit test compares the two. */
export const TEMPLATE_CONTEXT_SHAPE: Shape = {
  incident: {
    id: S,
    title: S,
    severity: S,
    status: S,
    description: S,
    labels: [{ key: S, value: S }],
    labelMap: 'any',
    detailUrl: S,
    responders: [{ email: S, name: S }],
    triggeredAt: N,
    updatedAt: N,
    snoozedUntil: N,
    version: N,
    acknowledgedBy: ACTOR,
    closedBy: ACTOR,
  },
  actor: ACTOR,
  links: { detail: S },
  now: N,
  locale: S,
  integration: { id: S, name: S },
};

/** Properties Liquid gives strings and arrays. */
const BUILT_IN = new Set(['size', 'first', 'last']);

type Segment = string | number | Segment[];

/** The first segment of `path` the shape does not have, or undefined when the path is known. */
function unknownAt(shape: Shape, path: readonly Segment[]): number | undefined {
  let current: Shape = shape;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (current === 'any' || Array.isArray(segment)) return undefined; // dynamic key: only data can tell
    if (current === 'string' || current === 'number') return current === 'string' && BUILT_IN.has(String(segment)) && i === path.length - 1 ? undefined : i;
    if (Array.isArray(current)) {
      const item = (current as readonly [Shape])[0];
      if (typeof segment === 'number') current = item;
      else if (segment === 'first' || segment === 'last') current = item;
      else if (segment === 'size') return i === path.length - 1 ? undefined : i + 1;
      else return i;
      continue;
    }
    const next: Shape | undefined = Object.hasOwn(current, String(segment)) ? (current as Record<string, Shape>)[String(segment)] : undefined;
    if (next === undefined) return i;
    current = next;
  }
  return undefined;
}

export interface UnknownVariable {
  readonly name: string;
  readonly line: number;
  readonly column: number;
}

/** Variables not in scope (not assigned or loop variables) that the context does not have. */
export function unknownVariables(templates: Template[]): UnknownVariable[] {
  const analysis = templateEngine.analyzeSync(templates, { partials: false });
  const found: UnknownVariable[] = [];
  for (const variables of Object.values(analysis.globals)) {
    for (const variable of variables) {
      const path = variable.toArray() as Segment[];
      const at = unknownAt(TEMPLATE_CONTEXT_SHAPE, path);
      if (at === undefined) continue;
      const name = path
        .slice(0, at + 1)
        .map((s) => (Array.isArray(s) ? '[…]' : String(s)))
        .join('.');
      found.push({ name, line: variable.location.row, column: variable.location.col });
    }
  }
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}
