/** What a check of `npm run doctor` reports: one finding per thing checked, each failure with its fix. */
import type { Problem } from '../config/config-error';

/** One result of a check. */
export interface Finding {
  readonly level: 'ok' | 'warn' | 'fail';
  /** What was checked, in a few words. */
  readonly check: string;
  readonly message: string;
  /** The command or change that fixes it (warn and fail). */
  readonly fix?: string;
}

/** A problem of a {@link ConfigError} as a failed finding: the setting, its value, what is wrong, and the fix. */
export function problemFinding(check: string, problem: Problem): Finding {
  const value = problem.value === undefined ? '' : ` = ${JSON.stringify(problem.value)}`;
  return { level: 'fail', check, message: `${problem.setting}${value} ${problem.message}`, fix: problem.fix };
}
