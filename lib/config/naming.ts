/**
 * Names that are contracts between parts: between the layer stack that writes an SSM parameter and the function
 * stacks that read it, between the stages and the pipeline's waves, between a function stack's smoke-test role and
 * the pipeline step that assumes it.
 */
import { createHash } from 'crypto';

/** The CDK bootstrap qualifier the app synthesizes for: CDK's default, as `cdk bootstrap` uses it unless told. */
export const BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** The name of the bootstrap stack `cdk bootstrap` deploys in each account and region (the CLI's default). */
export const BOOTSTRAP_STACK_NAME = 'CDKToolkit';

/** The SSM parameter that holds the ARN of the current version of a layer: `/<app>/<environment>/layers/<layer>/arn`. */
export function layerArnParameterName(appName: string, environment: string, layer: string): string {
  return `/${appName}/${environment}/layers/${layer}/arn`;
}

/**
 * The SSM parameter that holds the version number of the current version of a layer:
 * `/<app>/<environment>/layers/<layer>/version`. Function stacks read this one, not the ARN: they build the ARN
 * from their own account and region and the layer's expected name, so a parameter written by someone else can only
 * choose another version of the same layer, never another layer or another account's.
 */
export function layerVersionParameterName(appName: string, environment: string, layer: string): string {
  return `/${appName}/${environment}/layers/${layer}/version`;
}

/** The name of a layer in Lambda, in one environment: `<app>-<environment>-<layer>`. */
export function layerName(appName: string, environment: string, layer: string): string {
  return `${appName}-${environment}-${layer}`;
}

/** The environment variable through which a function carries the fingerprint of a layer it uses. */
export function layerFingerprintVariable(layer: string): string {
  return `LAYER_FINGERPRINT_${layer.toUpperCase().replace(/-/g, '_')}`;
}

/** IAM allows role names of at most this many characters. */
const MAX_ROLE_NAME = 64;

/**
 * The role in a function stack's account that the pipeline's smoke test assumes: `<app>-<env>-<stack>-smoke`, or,
 * where that exceeds IAM's 64 characters, `<app>-<env>-smoke-<hash of the stack name>`. Both the function stack
 * (which creates it) and the pipeline (which may assume it) derive it from here.
 */
export function smokeTestRoleName(appName: string, environment: string, stack: string): string {
  const readable = `${appName}-${environment}-${stack}-smoke`;
  if (readable.length <= MAX_ROLE_NAME) return readable;
  return `${appName}-${environment}-smoke-${createHash('sha256').update(stack).digest('hex').slice(0, 12)}`;
}

/**
 * A function stack's name, and the id of the stage that holds it: `<Env>-Functions-<Stack>` (`Dev-Functions-Orders`).
 * It depends on the environment and the stack's configured name only, never on the wave that deploys it, so
 * adding or reordering stacks renames nothing that is deployed.
 */
export function functionStackName(environment: string, stack: string): string {
  return `${pascalCase(environment)}-Functions-${pascalCase(stack)}`;
}

/**
 * The role in the pipeline's account that the smoke tests of one environment run as (`<app>-<env>-smoke-runner`):
 * the only principal the environment's smoke-test roles trust. The pipeline creates it; the function stacks name it.
 */
export function smokeTestRunnerRoleName(appName: string, environment: string): string {
  return `${appName}-${environment}-smoke-runner`;
}

/**
 * The SNS topic every alarm of an environment notifies: `<app>-<environment>-alarms`. The layer stack creates it;
 * the function stacks build its ARN from their own account and region and this name (no export).
 */
export function alarmTopicName(appName: string, environment: string): string {
  return `${appName}-${environment}-alarms`;
}

/** What the names of an environment's alarms start with: `<app>-<environment>-`. */
function alarmNamePrefix(appName: string, environment: string): string {
  return `${appName}-${environment}-`;
}

/**
 * The name of a function's on-call alarm: `<app>-<environment>-<stack>-<function>-<metric>` (lower case), unique in
 * the account and region, readable in a notification, and matched by {@link alarmNamePattern}.
 */
export function alarmName(appName: string, environment: string, stack: string, fn: string, metric: string): string {
  return `${alarmNamePrefix(appName, environment)}${stack}-${fn}-${metric.toLowerCase()}`;
}

/**
 * The name of the alarm that gates one release of a function:
 * `<app>-<environment>-<stack>-<function>-release-<release>-<metric>`, where `release` changes with every version.
 * Each release's alarms are new resources, created while the previous release's still exist: their names differ.
 */
export function releaseAlarmName(
  appName: string,
  environment: string,
  stack: string,
  fn: string,
  metric: string,
  release: string,
): string {
  return `${alarmNamePrefix(appName, environment)}${stack}-${fn}-release-${release}-${metric.toLowerCase()}`;
}

/** The names of an environment's alarms, as a pattern: the alarm topic accepts these alarms only. */
export function alarmNamePattern(appName: string, environment: string): string {
  return `${alarmNamePrefix(appName, environment)}*`;
}

/**
 * The health alarm of one function stack (`<app>-<environment>-<stack>-health`): in ALARM while any of the stack's
 * functions' error alarms is. The function stack creates it beside them; the environment's health alarm reads it.
 */
export function stackHealthAlarmName(appName: string, environment: string, stack: string): string {
  return `${alarmNamePrefix(appName, environment)}${stack}-health`;
}

/**
 * The health alarm of an environment (`<app>-<environment>-health`): in ALARM while any of its function stacks'
 * health alarms is. Its health stack creates it; the pipeline's stage conditions read it.
 */
export function environmentHealthAlarmName(appName: string, environment: string): string {
  return `${alarmNamePrefix(appName, environment)}health`;
}

/**
 * The role in an environment's account through which the pipeline's stage conditions read its health alarm
 * (`<app>-<environment>-alarm-reader`). The environment's health stack creates it; the pipeline names it in its
 * rules. At most 16 + 1 + 24 + 13 characters: within IAM's 64.
 */
export function alarmReaderRoleName(appName: string, environment: string): string {
  return `${appName}-${environment}-alarm-reader`;
}

/** The stack that holds an environment's health alarm, and the stage that deploys it: `<Env>-Health`. */
export function healthStackName(environment: string): string {
  return `${pascalCase(environment)}-Health`;
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

/**
 * The tag every stack of the app carries (`app=<appName>`, the stack's own tag, which CloudFormation also puts on
 * its resources): what the app no longer defines can be found in an account by it (`npm run doctor -- --aws`).
 */
export const APP_TAG_KEY = 'app';

/** The stack tags of every stack of the app. */
export function appTags(appName: string): Record<string, string> {
  return { [APP_TAG_KEY]: appName };
}
