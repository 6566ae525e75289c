/** One problem with a setting: which setting, the value it has, what is wrong and how to fix it. */
export interface Problem {
  /** Where the setting lives, e.g. `config.environments[1].account`. */
  readonly setting: string;
  /** The value found (undefined when missing). */
  readonly value: unknown;
  /** What is wrong with it. */
  readonly message: string;
  /** What would be right. */
  readonly fix: string;
}

/**
 * A user's mistake in the configuration or the project's folders: every problem at once, each with its fix.
 * `bin/` prints its message without a stack trace and exits non-zero.
 */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly Problem[],
    subject = 'The configuration',
  ) {
    super(formatProblems(problems, subject));
    this.name = 'ConfigError';
  }
}

/** Renders problems as one message, one line per problem. */
export function formatProblems(problems: readonly Problem[], subject = 'The configuration'): string {
  const lines = problems.map((p) => `  - ${p.setting}${describeValue(p.value)} ${p.message}. Fix: ${p.fix}.`);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `${subject} has ${count}:\n${lines.join('\n')}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value);
  return ` = ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}
