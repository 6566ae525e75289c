/** The instruction-set architectures Lambda runs, as written in the configuration. */
export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Python runtimes a function or layer may use. */
export const PYTHON_RUNTIMES = ['python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14'] as const;

/** `python3.13` -> `3.13`: the version pip targets for a runtime. */
export function pythonVersionOf(runtime: string): string {
  return runtime.replace(/^python/, '');
}

