#!/usr/bin/env node
/**
 * `npm run audit [-- --strict]`: the dependency audits the pipeline's Synth step runs before anything deploys.
 *
 * - npm: `npm audit` of every package in package-lock.json, development packages included (they run in Synth, with
 *   its credentials); an advisory of high or critical severity fails.
 * - Python: pip-audit of every package the built layers ship, as each layer's bill of materials lists them
 *   (`build/layers/<layer>/sbom.cdx.json`: the versions pip installed for Lambda's platform, dependencies included),
 *   without pip (`--no-deps --disable-pip`); pip-audit reports no severity, so any known vulnerability fails.
 *
 * An advisory that does not apply can be accepted for a while in `audit-exceptions.json` (id, reason, expiry).
 * Without `--strict` (on a laptop), an audit that cannot run (no pip-audit, a layer not built, no advisory service) is
 * skipped with a note; with `--strict` (the pipeline) it fails. Findings fail either way.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  applyExceptions,
  AUDIT_EXCEPTIONS_FILE,
  AuditException,
  AuditExceptionsError,
  AuditUnavailable,
  describeFinding,
  Finding,
  normalizeName,
  npmFindings,
  parseAuditExceptions,
  PIP_AUDIT_VERSION,
  pipAuditFindings,
} from '../lib/layer-build/dependency-audit';
import { BUILDER_VERSION } from '../lib/layer-build/layer-builder';
import { sbomPackages } from '../lib/layer-build/layer-sbom';
import { SBOM_FILE } from '../lib/layer-content/layer-sbom-location';
import { sourceFingerprint } from '../lib/layer-content/layer-fingerprint';
import { MANIFEST_FILE } from '../lib/layer-content/layer-manifest';
import { BUILD_LAYERS_COMMAND, hasRequirements, readManifest } from '../lib/layer-content/layer-source';
import { layerBuildDir, layerSourceDir } from '../lib/config/project-layout';
import { loadProjectConfig, PROJECT_ROOT, runTool, UsageError } from './project';

const USAGE = 'usage: npm run audit [-- --strict]';

/** An audit's outcome: its findings, or why it could not run. */
type Outcome = { readonly findings: Finding[] } | { readonly unavailable: string };

function npmAudit(): Outcome {
  const run = spawnSync('npm', ['audit', '--json', '--audit-level=high'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) return { unavailable: `cannot run npm (${run.error.message})` };
  try {
    return { findings: npmFindings(run.stdout) };
  } catch (error) {
    if (error instanceof AuditUnavailable) return { unavailable: error.message };
    throw error;
  }
}

/**
 * pip-audit of what the built layers ship. Layers without requirements ship no third-party package; a layer whose
 * build is missing or older than its source cannot be audited (its packages are not known).
 */
function pythonAudit(): Outcome & { readonly audited?: string } {
  const config = loadProjectConfig();
  const packages = new Map<string, { line: string; layers: string[] }>();
  const unbuilt: string[] = [];
  const layers: string[] = [];
  for (const layer of config.layers) {
    if (!hasRequirements(path.join(layerSourceDir(PROJECT_ROOT, layer.name), 'requirements.txt'))) continue;
    const manifest = readManifest(path.join(layerBuildDir(PROJECT_ROOT, layer.name), MANIFEST_FILE));
    const sbom = path.join(layerBuildDir(PROJECT_ROOT, layer.name), SBOM_FILE);
    const current =
      manifest?.builderVersion === BUILDER_VERSION &&
      manifest.sourceFingerprint === sourceFingerprint(layerSourceDir(PROJECT_ROOT, layer.name), layer) &&
      fs.existsSync(sbom);
    if (!manifest || !current) {
      unbuilt.push(layer.name);
      continue;
    }
    layers.push(layer.name);
    // What the layer ships, as its bill of materials says: the audit and the SBOM can never disagree.
    for (const p of sbomPackages(fs.readFileSync(sbom, 'utf8'))) {
      const key = `${normalizeName(p.name)}==${p.version}`;
      const entry = packages.get(key) ?? { line: `${p.name}==${p.version}`, layers: [] };
      entry.layers.push(layer.name);
      packages.set(key, entry);
    }
  }
  if (unbuilt.length > 0) {
    return {
      unavailable:
        `layer${unbuilt.length > 1 ? 's' : ''} ${unbuilt.join(', ')} ${unbuilt.length > 1 ? 'are' : 'is'} not built, or built ` +
        `from an older source, so what ${unbuilt.length > 1 ? 'they ship' : 'it ships'} is not known. Fix: ${BUILD_LAYERS_COMMAND} first`,
    };
  }
  if (packages.size === 0) return { findings: [], audited: 'no layer ships a third-party package' };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pip-audit-'));
  try {
    const requirements = path.join(dir, 'requirements.txt');
    const report = path.join(dir, 'report.json');
    fs.writeFileSync(requirements, `${[...packages.values()].map((p) => p.line).join('\n')}\n`);
    const run = spawnSync(
      'pip-audit',
      [
        '--requirement',
        requirements,
        '--no-deps',
        '--disable-pip',
        '--strict',
        '--format',
        'json',
        '--output',
        report,
        '--desc',
        'off',
        '--progress-spinner',
        'off',
      ],
      { cwd: PROJECT_ROOT, encoding: 'utf8' },
    );
    if (run.error) {
      return {
        unavailable:
          `pip-audit is not installed (${(run.error as NodeJS.ErrnoException).code ?? run.error.message}). ` +
          `Fix: pipx install pip-audit==${PIP_AUDIT_VERSION}, or python3 -m pip install pip-audit==${PIP_AUDIT_VERSION}`,
      };
    }
    if (!fs.existsSync(report)) {
      const said = `${run.stderr ?? ''}`.trim().split('\n').filter(Boolean).slice(-2).join(' ');
      return { unavailable: `pip-audit failed (exit ${run.status}): ${said || 'no output'}` };
    }
    const layersOf = (name: string) => [
      ...new Set([...packages.entries()].filter(([k]) => k.startsWith(`${name}==`)).flatMap(([, p]) => p.layers)),
    ];
    return {
      findings: pipAuditFindings(fs.readFileSync(report, 'utf8'), layersOf),
      audited: `${packages.size} package${packages.size > 1 ? 's' : ''} of layer${layers.length > 1 ? 's' : ''} ${layers.join(', ')}`,
    };
  } catch (error) {
    if (error instanceof AuditUnavailable) return { unavailable: error.message };
    throw error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readExceptions(today: Date): AuditException[] {
  const file = path.join(PROJECT_ROOT, AUDIT_EXCEPTIONS_FILE);
  return fs.existsSync(file) ? parseAuditExceptions(fs.readFileSync(file, 'utf8'), today) : [];
}

runTool(() => {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--strict');
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown[0]}\n${USAGE}`);
  const strict = args.includes('--strict');
  const today = new Date();
  const out = (line: string) => process.stdout.write(`${line}\n`);

  let exceptions: AuditException[];
  try {
    exceptions = readExceptions(today);
  } catch (error) {
    if (!(error instanceof AuditExceptionsError)) throw error;
    process.stderr.write(`\n${error.message}\n\n`);
    return 1;
  }

  const failures: string[] = [];
  const findings: Finding[] = [];
  let skipped = 0;
  const audits: [string, () => Outcome & { readonly audited?: string }][] = [
    ['npm audit (package-lock.json, development packages included)', npmAudit],
    ['pip-audit (the packages the built layers ship)', pythonAudit],
  ];
  for (const [label, audit] of audits) {
    const outcome = audit();
    if ('unavailable' in outcome) {
      if (strict) failures.push(`${label} could not run: ${outcome.unavailable}.`);
      else {
        skipped++;
        out(`${label}: skipped: ${outcome.unavailable}. (The pipeline runs it with --strict, where this fails.)`);
      }
      continue;
    }
    findings.push(...outcome.findings);
    out(`${label}: ${outcome.audited ? `${outcome.audited}: ` : ''}${outcome.findings.length} finding(s)`);
  }

  const { failing, accepted, expired } = applyExceptions(findings, exceptions, today);
  for (const { finding, exception } of accepted) {
    out(`accepted until ${exception.expires}: ${finding.package} ${finding.ids[0]} (${exception.reason})`);
  }
  for (const exception of expired) {
    out(
      `note: the exception for ${exception.id} in ${AUDIT_EXCEPTIONS_FILE} expired on ${exception.expires}; remove it.`,
    );
  }
  failures.push(...failing.map(describeFinding));
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.join('\n\n')}\n\n`);
    return 1;
  }
  out(
    skipped > 0
      ? `No finding in what was audited; ${skipped} audit(s) skipped.`
      : 'No dependency audit found anything that fails.',
  );
  return 0;
});
