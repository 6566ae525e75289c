#!/usr/bin/env node
/**
 * `npm run smoke -- --sandbox <name> [--profile <profile>]`
 *
 * The pipeline's smoke test (`tools/smoke_test.py`), run from a laptop against a deployed sandbox, with the
 * credentials of the profile (or the default ones): it assumes each function stack's smoke-test role, invokes
 * every `live` alias once and checks each function's layers, exactly as the pipeline does after a deploy.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { SANDBOX_CONTEXT_KEY } from '../lib/stages/sandbox-stage';
import { smokeTestSpec } from '../lib/local/smoke-test-spec';
import { createSandboxApp } from './main';
import { cdkJsonContext, PROJECT_ROOT, runTool, UsageError } from './project';

const USAGE = 'usage: npm run smoke -- --sandbox <name> [--profile <profile>]';

runTool(() => {
  const args = process.argv.slice(2);
  let name: string | undefined;
  let profile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    if ((args[i] === '--sandbox' || args[i] === '--profile') && value && !value.startsWith('-')) {
      if (args[i] === '--sandbox') name = value;
      else profile = value;
      i++;
    } else throw new UsageError(`unknown or incomplete argument ${args[i]}\n${USAGE}`);
  }
  if (!name)
    throw new UsageError(`--sandbox <name> is required (the pipeline smoke-tests its own environments)\n${USAGE}`);

  const { sandbox } = createSandboxApp({ context: { ...cdkJsonContext(), [SANDBOX_CONTEXT_KEY]: name } });
  const spec = smokeTestSpec(sandbox.environment, sandbox.functionStacks);
  const result = spawnSync(process.env.PYTHON ?? 'python3', ['-B', path.join(PROJECT_ROOT, 'tools', 'smoke_test.py')], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: { ...process.env, SMOKE_TEST_SPEC: JSON.stringify(spec), ...(profile ? { AWS_PROFILE: profile } : {}) },
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
});
