import { PermissionsBoundary } from 'aws-cdk-lib';
import type { AppConfig } from '../config/app-config';

/**
 * The permissions boundary of every role an environment's or a sandbox's stacks create (`config.permissionsBoundary`),
 * given to their stages: CDK applies it to each role in them. The pipeline's own roles, in the pipeline account, have
 * none: that account is bootstrapped and the pipeline deployed by hand.
 */
export function stagePermissionsBoundary(config: AppConfig): PermissionsBoundary | undefined {
  return config.permissionsBoundary ? PermissionsBoundary.fromName(config.permissionsBoundary) : undefined;
}

/** Where a boundary's name is resolved: what its placeholders stand for. */
export interface BoundaryTarget {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** The bootstrap qualifier. */
  readonly qualifier: string;
}

/**
 * The policy name `config.permissionsBoundary` stands for in one account and region: its placeholders
 * (`${AWS::AccountId}`, `${AWS::Region}`, `${AWS::Partition}`, `${Qualifier}`) filled in, as CDK fills them in a
 * role's `PermissionsBoundary`, and as the CLI's `--custom-permissions-boundary` wants it (a plain IAM name).
 */
export function boundaryPolicyName(boundary: string, target: BoundaryTarget): string {
  return boundary
    .split('${AWS::AccountId}')
    .join(target.account)
    .split('${AWS::Region}')
    .join(target.region)
    .split('${AWS::Partition}')
    .join(target.partition)
    .split('${Qualifier}')
    .join(target.qualifier);
}
