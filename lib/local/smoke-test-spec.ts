/**
 * What `tools/smoke_test.py` is told to test (its `SMOKE_TEST_SPEC`): for each function stack, where it is, the role
 * to assume, each function's output key and layers, and the routes of its HTTP API with the output of its URL. The pipeline's smoke test step and `npm run smoke` (a
 * sandbox, from a laptop) both build it here.
 */
import type { EnvironmentConfig } from '../config/environments-config';
import type { FunctionStack } from '../constructs/function-stack';
import { LIVE_ALIAS } from '../constructs/live-alias';
import { layerFingerprintVariable } from '../config/naming';

/** The spec of a smoke test of some function stacks of one environment. */
export interface SmokeTestSpec {
  readonly environment: string;
  readonly alias: string;
  readonly targets: readonly {
    readonly stack: string;
    readonly stackName: string;
    readonly account: string;
    readonly region: string;
    readonly roleName: string;
    readonly functions: readonly {
      readonly name: string;
      readonly output: string;
      readonly layers: readonly {
        readonly name: string;
        readonly parameter: string;
        readonly layerName: string;
        readonly fingerprintVariable: string;
      }[];
    }[];
    /** The stack's HTTP API, when it has one: the smoke test calls each route once. */
    readonly api?: {
      /** The key of the stack output that holds the API's base URL. */
      readonly output: string;
      readonly routes: readonly {
        readonly function: string;
        readonly method: string;
        readonly path: string;
        /** `iam`: the request is signed with the stack's smoke-test role, which may invoke this route. */
        readonly authorization: string;
      }[];
    };
  }[];
}

export function smokeTestSpec(environment: EnvironmentConfig, stacks: readonly FunctionStack[]): SmokeTestSpec {
  return {
    environment: environment.name,
    alias: LIVE_ALIAS,
    targets: stacks.map((stack) => ({
      stack: stack.configName,
      stackName: stack.stackName,
      account: environment.account,
      region: environment.region,
      roleName: stack.smokeTestAccess.roleName,
      functions: [...stack.functionNameOutputs].map(([name, output]) => ({
        name,
        output: stack.resolve(output.logicalId) as string,
        layers: (stack.functionLayers.get(name) ?? []).map((l) => ({
          name: l.name,
          parameter: l.parameterName,
          layerName: l.layerName,
          // The function carries the fingerprint it was built with; the spec names only where, so a layer's new
          // content does not change the pipeline.
          fingerprintVariable: layerFingerprintVariable(l.name),
        })),
      })),
      ...(stack.httpApi && stack.httpApiUrlOutput
        ? {
            api: {
              output: stack.resolve(stack.httpApiUrlOutput.logicalId) as string,
              routes: stack.httpApi.routes.map((r) => ({
                function: r.functionName,
                method: r.method,
                path: r.path,
                authorization: r.authorization,
              })),
            },
          }
        : {}),
    })),
  };
}
