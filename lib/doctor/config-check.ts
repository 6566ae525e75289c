/** The doctor's check of the configuration: the whole validation that synth runs. */
import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/config-error';
import { Finding, problemFinding } from './finding';

/**
 * The configuration, as `load` reads and validates it (bin/project.ts's `loadProjectConfig`): every problem of the
 * one validation, or its summary.
 */
export function checkConfigWith(load: () => AppConfig): { findings: Finding[]; config?: AppConfig } {
  try {
    const config = load();
    const accounts = new Set([config.pipeline.account, ...config.environments.map((e) => e.account)]);
    return {
      config,
      findings: [
        {
          level: 'ok',
          check: 'configuration',
          message: `${config.environments.length} environments in ${accounts.size} accounts, ${config.layers.length} layers, ${config.functions.length} functions`,
        },
      ],
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { findings: error.problems.map((p) => problemFinding('configuration', p)) };
  }
}
