import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Architecture } from '../config/runtimes';

/** The CDK runtime of a validated runtime name such as `python3.13`. */
export function toLambdaRuntime(name: string): lambda.Runtime {
  return lambda.Runtime.ALL.find((r) => r.name === name) ?? new lambda.Runtime(name, lambda.RuntimeFamily.PYTHON);
}

/** The CDK architecture of a validated architecture name. */
export function toLambdaArchitecture(name: Architecture): lambda.Architecture {
  return name === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64;
}
