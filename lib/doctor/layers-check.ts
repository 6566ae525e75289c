/** The doctor's check that every layer is built and current. */
import type { AppConfig } from '../config/app-config';
import { resolveLayerContents } from '../layer-content/layer-source';
import type { Finding } from './finding';

/**
 * Every layer built and current (a warning: synth still works, with the layers' source). A layer without
 * third-party packages is complete as source, as synth treats it.
 */
export function checkLayers(config: AppConfig, projectRoot: string): Finding[] {
  return resolveLayerContents(config.layers, { projectRoot }).map((content): Finding => {
    const check = `layer ${content.layer.name}`;
    if (content.kind === 'built') {
      return { level: 'ok', check, message: `built and current (${content.manifest?.packages.length ?? 0} packages)` };
    }
    if (!content.warning)
      return { level: 'ok', check, message: 'not built; no third-party packages, so its source is the whole layer' };
    return { level: 'warn', check, message: content.warning, fix: `npm run build:layers -- ${content.layer.name}` };
  });
}
