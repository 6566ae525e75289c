import { PermissionsBoundary } from 'aws-cdk-lib';
import type { AppConfig } from './config';

/**
 * The permissions boundary of every role an environment's or a sandbox's stacks create (`config.permissionsBoundary`),
 * given to their stages: CDK applies it to each role in them. The pipeline's own roles, in the pipeline account, have
 * none: that account is bootstrapped and the pipeline deployed by hand.
 */
export function stagePermissionsBoundary(config: AppConfig): PermissionsBoundary | undefined {
  return config.permissionsBoundary ? PermissionsBoundary.fromName(config.permissionsBoundary) : undefined;
}
