/** Errors of template parsing and rendering; line and column are 1-based, in the template FILE. */
export interface TemplateProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export class TemplateSyntaxError extends Error implements TemplateProblem {
  override readonly name = 'TemplateSyntaxError';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`line ${line}, column ${column}: ${detail}`);
  }
}

export class TemplateRenderError extends Error {
  override readonly name = 'TemplateRenderError';
  constructor(
    readonly detail: string,
    readonly field: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line !== undefined ? `line ${line}, column ${column ?? 1} (${field}): ${detail}` : `${field}: ${detail}`);
  }
}

/** An unknown channel name (a 4xx for callers). */
export class TemplateChannelError extends Error {
  override readonly name = 'TemplateChannelError';
}
