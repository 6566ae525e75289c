/**
 * Names that are contracts between parts: between the layer stack that writes an SSM parameter and the function
 * stacks that read it, between the stages and the pipeline's waves.
 */

/** The SSM parameter that holds the ARN of the current version of a layer: `/<app>/<environment>/layers/<layer>/arn`. */
export function layerArnParameterName(appName: string, environment: string, layer: string): string {
  return `/${appName}/${environment}/layers/${layer}/arn`;
}

/** The environment variable through which a function carries the fingerprint of a layer it uses. */
export function layerFingerprintVariable(layer: string): string {
  return `LAYER_FINGERPRINT_${layer.toUpperCase().replace(/-/g, '_')}`;
}

/** `dev` -> `Dev`, `daily-report` -> `DailyReport`: names as construct ids. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The environment a function runs with: where it runs, and the fingerprint of every layer it uses. */
export function functionEnvironment(
  appName: string,
  environmentName: string,
  layers: readonly { readonly name: string; readonly fingerprint: string }[],
): Record<string, string> {
  return {
    APP_NAME: appName,
    APP_ENVIRONMENT: environmentName,
    ...Object.fromEntries(layers.map((l) => [layerFingerprintVariable(l.name), l.fingerprint])),
  };
}
