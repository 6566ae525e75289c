/** Wheelhouses for the tests, removed after each test file (see `wheel-maker.ts` for the wheels themselves). */
import { makeWheel, WheelSpec } from './wheel-maker';
import { tempDir } from './helpers';

export { offlinePipEnv } from './wheel-maker';
export type { WheelSpec } from './wheel-maker';

/** A fresh folder of wheels. */
export function wheelhouse(...specs: WheelSpec[]): string {
  const dir = tempDir('wheelhouse-');
  for (const spec of specs) makeWheel(dir, spec);
  return dir;
}

/** Runs `fn` with extra environment variables, restoring the environment afterwards. */
export async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(env);
  try {
    return await fn();
  } finally {
    set(saved);
  }
}
