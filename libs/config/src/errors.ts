import { EdgeflError } from '@edgefl/core';

/** One thing wrong with a configuration, at a key path. */
export interface ConfigProblem {
  /** dotted key path, e.g. `algorithm.lr`; `(root)` for the document itself */
  readonly path: string;
  /** `<path>: expected <what>, got <value>` (or a YAML syntax error with its line) */
  readonly message: string;
}

const HINT = 'fix the listed keys in the file or in --set; docs/configuration.md lists every key with its default';

/**
 * A configuration that cannot be used: missing file, YAML syntax, unknown key, wrong
 * type or missing key. The message names the file and lists every problem, one a line,
 * so a user fixes them all at once.
 */
export class ConfigError extends EdgeflError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[], hint = HINT, options?: { cause?: unknown }) {
    super('CONFIG', formatMessage(file, problems), hint, options);
    this.file = file;
    this.problems = problems;
  }
}

function formatMessage(file: string, problems: readonly ConfigProblem[]): string {
  const n = problems.length;
  return `invalid configuration ${file} (${n} problem${n === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p.message}`).join('\n')}`;
}
