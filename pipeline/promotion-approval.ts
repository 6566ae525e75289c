import { CodePipelineSource, ManualApprovalStep } from 'aws-cdk-lib/pipelines';
import type { EnvironmentConfig } from '../lib/config';
import { pascalCase } from '../lib/naming';

/** The manual approval before promotion into an environment, naming the commit and where it goes. */
export function promotionApproval(environment: EnvironmentConfig, source: CodePipelineSource): ManualApprovalStep {
  return new ManualApprovalStep(`PromoteTo${pascalCase(environment.name)}`, {
    comment:
      `Promote commit ${source.sourceAttribute('CommitId')} to ${environment.name} ` +
      `(account ${environment.account}, ${environment.region}): the same layers and functions that passed the previous environment.`,
  });
}
