/**
 * How CodeDeploy shifts a function's `live` alias to a new version: the names of CodeDeploy's predefined Lambda
 * deployment configurations (`CodeDeployDefault.Lambda<name>`), as an environment's `deployment` setting names them.
 */
export const DEPLOYMENT_STRATEGIES = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Canary10Percent30Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'Linear10PercentEvery10Minutes',
] as const;

export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];

/** The strategy of an environment that does not name one: a tenth of the traffic for five minutes, then all. */
export const DEFAULT_DEPLOYMENT_STRATEGY: DeploymentStrategy = 'Canary10Percent5Minutes';

/** Shifts all traffic at once: fine where nobody is served, never where promotion needs an approval. */
export const ALL_AT_ONCE: DeploymentStrategy = 'AllAtOnce';
