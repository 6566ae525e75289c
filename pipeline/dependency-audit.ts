import { PIP_AUDIT_VERSION } from '../lib/layer-build/dependency-audit';

/** Where the Synth step installs pip-audit: a virtual environment of its own, out of the tests' Python. */
export const PIP_AUDIT_VENV = '/tmp/pip-audit';

/**
 * The Synth step's dependency audits (`npm run audit -- --strict`, see `bin/audit.ts`), after the layers are built
 * and before the tests: a high or critical npm advisory, a known vulnerability in a package a layer ships, or an audit
 * that cannot run stops the pipeline before anything deploys. pip-audit is pinned and installed by pip, from the index
 * pip's PIP_* variables name, into its own virtual environment, so its packages never reach the tests' Python.
 */
export function dependencyAuditCommands(): string[] {
  return [
    `python3 -m venv ${PIP_AUDIT_VENV}`,
    `${PIP_AUDIT_VENV}/bin/python -m pip install --disable-pip-version-check --progress-bar off pip-audit==${PIP_AUDIT_VERSION}`,
    `PATH="${PIP_AUDIT_VENV}/bin:$PATH" npm run audit -- --strict`,
  ];
}
