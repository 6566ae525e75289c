import { CodePipelineSource, ManualApprovalStep } from 'aws-cdk-lib/pipelines';
import type { EnvironmentConfig } from '../lib/config/environments-config';
import { pascalCase } from '../lib/config/naming';
import type { ChangeReviewStep } from './change-review-step';

/**
 * The manual approval before promotion into an environment, naming the commit and where it goes. It follows the
 * environment's change review: its comment carries the review's summary and its link opens the review and the diff.
 */
export class PromotionApproval extends ManualApprovalStep {
  constructor(environment: EnvironmentConfig, source: CodePipelineSource, review: ChangeReviewStep) {
    const props = {
      comment:
        `Promote commit ${source.sourceAttribute('CommitId')} to ${environment.name} ` +
        `(account ${environment.account}, ${environment.region}): the same layers and functions that passed the previous environment. ` +
        `${review.summary} Read the review and the diff of every stack of ${environment.name} (the link) before approving.`,
      reviewUrl: review.link,
    };
    super(`PromoteTo${pascalCase(environment.name)}`, props);
    // The review's variables in the comment and link: CodePipeline resolves them, and the approval waits for it.
    this.discoverReferencedOutputs(props);
  }
}
