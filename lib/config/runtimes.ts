/** The instruction-set architectures Lambda runs, as written in the configuration. */
export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** The architecture functions and layers default to: arm64 (Graviton). */
export const DEFAULT_ARCHITECTURE: Architecture = 'arm64';

/** Python runtimes a function or layer may use. */
export const PYTHON_RUNTIMES = ['python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14'] as const;

/** The runtime functions and layers default to: the newest Python runtime Lambda supports. */
export const DEFAULT_RUNTIME = 'python3.14';

/** `python3.13` -> `3.13`: the version pip targets for a runtime. */
export function pythonVersionOf(runtime: string): string {
  return runtime.replace(/^python/, '');
}

/**
 * The date Lambda deprecates each runtime (its "deprecation date": no more security patches, then creating and
 * updating functions on it are blocked), from the Lambda runtimes page as read in November 2026. Update it when
 * AWS announces a date or a runtime.
 */
export const RUNTIME_DEPRECATION_DATES: Record<(typeof PYTHON_RUNTIMES)[number], string> = {
  'python3.10': '2026-06-30',
  'python3.11': '2026-06-30',
  'python3.12': '2028-10-31',
  'python3.13': '2029-06-30',
  'python3.14': '2029-06-30',
};

/** How long before its deprecation date a runtime in use is warned about. */
export const DEPRECATION_WARNING_DAYS = 180;

/** Where a runtime stands on a day: supported, deprecated soon (warn), or deprecated (refuse). */
export interface RuntimeStatus {
  readonly state: 'supported' | 'deprecated-soon' | 'deprecated';
  /** The deprecation date, `YYYY-MM-DD`. */
  readonly date: string;
}

export function runtimeStatus(runtime: (typeof PYTHON_RUNTIMES)[number], today: Date): RuntimeStatus {
  const date = RUNTIME_DEPRECATION_DATES[runtime];
  const deprecation = Date.parse(`${date}T00:00:00Z`);
  if (today.getTime() >= deprecation) return { state: 'deprecated', date };
  const warnFrom = deprecation - DEPRECATION_WARNING_DAYS * 24 * 60 * 60 * 1000;
  return { state: today.getTime() >= warnFrom ? 'deprecated-soon' : 'supported', date };
}

/** The newest runtime Lambda supports on a day: what a deprecation message suggests moving to. */
export function newestSupportedRuntime(today: Date): string {
  return (
    [...PYTHON_RUNTIMES].reverse().find((r) => runtimeStatus(r, today).state === 'supported') ??
    PYTHON_RUNTIMES[PYTHON_RUNTIMES.length - 1]
  );
}
