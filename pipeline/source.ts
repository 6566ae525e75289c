import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import { CodePipelineSource } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import type { SourceConfig } from '../lib/config/pipeline-config';

/** The pipeline's source action for the configured repository; a push to the branch starts the pipeline. */
export function pipelineSource(scope: Construct, source: SourceConfig): CodePipelineSource {
  switch (source.type) {
    case 'codeconnections':
      return CodePipelineSource.connection(source.repository, source.branch, {
        connectionArn: source.connectionArn,
        triggerOnPush: true,
      });
    case 'codecommit':
      return CodePipelineSource.codeCommit(
        codecommit.Repository.fromRepositoryName(scope, 'SourceRepository', source.repository),
        source.branch,
      );
  }
}
