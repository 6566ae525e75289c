/**
 * The dependency audits: what npm's and pip-audit's reports mean, the reviewed exceptions, `npm run audit` with a
 * fake `npm` and a fake `pip-audit` on the PATH, and their place in the pipeline (the Synth step, before the tests).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import {
  applyExceptions,
  AuditExceptionsError,
  AuditUnavailable,
  describeFinding,
  npmFindings,
  parseAuditExceptions,
  PIP_AUDIT_VERSION,
  pipAuditFindings,
} from '../lib/layer-build/dependency-audit';
import { loadProjectConfig } from '../bin/project';
import { buildLayer } from '../lib/layer-build/layer-builder';
import { layerBuildDir, layerSourceDir } from '../lib/config/project-layout';
import { SBOM_FILE } from '../lib/layer-content/layer-sbom-location';
import { dependencyAuditCommands } from '../pipeline/dependency-audit';
import { buildApp, copyProjectWithTools, runEntryPoint, tempDir } from './helpers';
import { offlinePipEnv, wheelhouse, WheelSpec, withEnv } from './wheels';

const TODAY = new Date('2026-11-22T12:00:00Z');

/** `npm audit --json` (report version 2) with a high advisory, a moderate one, and a package vulnerable through another. */
const NPM_REPORT = {
  auditReportVersion: 2,
  vulnerabilities: {
    'deep-merge': {
      name: 'deep-merge',
      severity: 'high',
      isDirect: false,
      via: [
        {
          source: 1101234,
          name: 'deep-merge',
          dependency: 'deep-merge',
          title: 'Prototype pollution in deep-merge',
          url: 'https://github.com/advisories/GHSA-abcd-efgh-ijkl',
          severity: 'high',
          range: '<2.0.1',
        },
      ],
      effects: ['config-loader'],
      range: '<2.0.1',
      fixAvailable: { name: 'config-loader', version: '4.0.0', isSemVerMajor: true },
    },
    'config-loader': {
      name: 'config-loader',
      severity: 'high',
      isDirect: true,
      via: ['deep-merge'],
      effects: [],
      range: '1.0.0 - 3.9.9',
      fixAvailable: { name: 'config-loader', version: '4.0.0', isSemVerMajor: true },
    },
    'slow-regex': {
      name: 'slow-regex',
      severity: 'moderate',
      via: [
        {
          source: 1,
          name: 'slow-regex',
          title: 'ReDoS',
          url: 'https://github.com/advisories/GHSA-0000-1111-2222',
          severity: 'moderate',
          range: '<1.2.3',
        },
      ],
      effects: [],
      range: '<1.2.3',
      fixAvailable: true,
    },
  },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 2, critical: 0, total: 3 } },
};
const NPM_CLEAN = {
  auditReportVersion: 2,
  vulnerabilities: {},
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 } },
};
/** What npm prints with --json when it cannot reach the audit endpoint. */
const NPM_UNREACHABLE = {
  error: { code: 'ENOTFOUND', summary: 'request to the registry failed, reason: getaddrinfo ENOTFOUND', detail: '' },
};

const PIP_REPORT = {
  dependencies: [
    {
      name: 'tinyjson',
      version: '1.0.0',
      vulns: [{ id: 'PYSEC-2026-42', fix_versions: ['1.0.1'], aliases: ['GHSA-tiny-json-vuln', 'CVE-2026-4242'] }],
    },
    { name: 'fastlib', version: '2.0', vulns: [] },
  ],
  fixes: [],
};
const PIP_CLEAN = { dependencies: [{ name: 'tinyjson', version: '1.0.0', vulns: [] }], fixes: [] };

describe("npm audit's report", () => {
  test('high and critical advisories fail, once each, with the advisory, what pulls it in and the fix', () => {
    const findings = npmFindings(JSON.stringify(NPM_REPORT));
    expect(findings).toEqual([
      expect.objectContaining({ package: 'deep-merge', ids: ['GHSA-abcd-efgh-ijkl'], severity: 'high' }),
    ]);
    expect(describeFinding(findings[0])).toBe(
      'npm package deep-merge <2.0.1 (pulled in by config-loader): high GHSA-abcd-efgh-ijkl "Prototype pollution in deep-merge" ' +
        'https://github.com/advisories/GHSA-abcd-efgh-ijkl. Fix: npm install config-loader@4.0.0 (a major version: check its changes); ' +
        'or, if it does not apply, accept GHSA-abcd-efgh-ijkl in audit-exceptions.json with a reason and an expiry date, in a reviewed change.',
    );
  });

  test('no report (the registry could not be reached) is no clean bill: it is unavailable', () => {
    expect(npmFindings(JSON.stringify(NPM_CLEAN))).toEqual([]);
    expect(() => npmFindings(JSON.stringify(NPM_UNREACHABLE))).toThrow(AuditUnavailable);
    expect(() => npmFindings('npm error something\n')).toThrow(/npm audit printed no report: npm error something/);
  });
});

describe("pip-audit's report", () => {
  test('each vulnerability names the package, the layers that ship it, the advisory with its aliases and the fix', () => {
    const findings = pipAuditFindings(JSON.stringify(PIP_REPORT), (n) => (n === 'tinyjson' ? ['common', 'extra'] : []));
    expect(findings.map(describeFinding)).toEqual([
      'Python package tinyjson 1.0.0 (shipped in layers common, extra): PYSEC-2026-42 (GHSA-tiny-json-vuln, CVE-2026-4242). ' +
        'Fix: pin tinyjson>=1.0.1 in layers/common/requirements.txt, layers/extra/requirements.txt (or upgrade the package ' +
        'that requires it), then npm run build:layers; or, if it does not apply, accept PYSEC-2026-42 in audit-exceptions.json ' +
        'with a reason and an expiry date, in a reviewed change.',
    ]);
  });

  test('a package pip-audit skipped was not audited: unavailable, not clean', () => {
    const skipped = { dependencies: [{ name: 'odd', skip_reason: 'could not be audited: no version' }] };
    expect(() => pipAuditFindings(JSON.stringify(skipped), () => [])).toThrow(
      'pip-audit could not audit odd (could not be audited: no version)',
    );
  });
});

describe('audit-exceptions.json', () => {
  const entry = {
    id: 'GHSA-abcd-efgh-ijkl',
    reason: 'only reached from a test helper, never with user input',
    expires: '2026-12-31',
  };

  test('a live exception accepts the advisory by any of its ids; an expired one no longer does, and is named', () => {
    const findings = [
      ...npmFindings(JSON.stringify(NPM_REPORT)),
      ...pipAuditFindings(JSON.stringify(PIP_REPORT), () => ['common']),
    ];
    const exceptions = parseAuditExceptions(
      JSON.stringify({ exceptions: [entry, { ...entry, id: 'CVE-2026-4242', expires: '2026-11-21' }] }),
      TODAY,
    );
    const { failing, accepted, expired } = applyExceptions(findings, exceptions, TODAY);
    expect(accepted.map((a) => a.finding.package)).toEqual(['deep-merge']);
    expect(failing.map((f) => f.package)).toEqual(['tinyjson']);
    expect(expired.map((e) => e.id)).toEqual(['CVE-2026-4242']);
  });

  test('every bad entry is named at once, with the fix', () => {
    let error: unknown;
    try {
      parseAuditExceptions(
        JSON.stringify({
          exceptions: [
            { id: 'not an id', reason: 'x', expires: '31/12/2026' },
            { ...entry, expires: '2027-06-01' },
          ],
        }),
        TODAY,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuditExceptionsError);
    expect((error as AuditExceptionsError).problems).toEqual([
      expect.stringMatching(/^exceptions\[0\]\.id "not an id" is no advisory id\. Fix: /),
      expect.stringMatching(/^exceptions\[0\]\.reason "x" says too little\. Fix: /),
      expect.stringMatching(/^exceptions\[0\]\.expires "31\/12\/2026" is no date\. Fix: /),
      'exceptions[1].expires 2027-06-01 is more than 90 days away. Fix: accept a finding for a while, then review it again',
    ]);
    expect(() => parseAuditExceptions('{', TODAY)).toThrow(/^audit-exceptions.json is not JSON/);
    expect(() => parseAuditExceptions('{}', TODAY)).toThrow(/has no "exceptions" list/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
/**
 * A fake `npm`: `npm audit --json ...` prints $FAKE_NPM_REPORT and exits 1 when it holds vulnerabilities, as npm
 * does. A fake `pip-audit`: writes its arguments and the requirements it was given to $FAKE_PIP_AUDIT_LOG, then
 * $FAKE_PIP_AUDIT_REPORT to its --output file (exit 1 when it lists a vulnerability), or fails without a report
 * when $FAKE_PIP_AUDIT_FAIL is set.
 */
const FAKE_NPM = `#!${process.execPath}
const fs = require('fs');
const args = process.argv.slice(2);
if (args[0] !== 'audit' || !args.includes('--json')) { process.stderr.write('fake npm: only audit --json\\n'); process.exit(2); }
const report = fs.readFileSync(process.env.FAKE_NPM_REPORT, 'utf8');
process.stdout.write(report);
const parsed = JSON.parse(report);
process.exit(parsed.error || Object.keys(parsed.vulnerabilities).length > 0 ? 1 : 0);
`;
const FAKE_PIP_AUDIT = `#!${process.execPath}
const fs = require('fs');
const args = process.argv.slice(2);
const value = (flag) => args[args.indexOf(flag) + 1];
fs.writeFileSync(process.env.FAKE_PIP_AUDIT_LOG, JSON.stringify({ args, requirements: fs.readFileSync(value('--requirement'), 'utf8') }));
if (process.env.FAKE_PIP_AUDIT_FAIL) { process.stderr.write('ERROR:pip_audit._cli:' + process.env.FAKE_PIP_AUDIT_FAIL + '\\n'); process.exit(1); }
const report = fs.readFileSync(process.env.FAKE_PIP_AUDIT_REPORT, 'utf8');
fs.writeFileSync(value('--output'), report);
process.exit(JSON.parse(report).dependencies.some((d) => (d.vulns || []).length > 0) ? 1 : 0);
`;

describe('npm run audit', () => {
  const tinyjson: WheelSpec = {
    name: 'tinyjson',
    version: '1.0.0',
    tag: 'py3-none-any',
    files: { 'tinyjson/__init__.py': '' },
  };
  const root = copyProjectWithTools();
  const bin = tempDir('fake-audit-bin-');
  const npmOnly = tempDir('fake-npm-bin-');
  fs.writeFileSync(path.join(bin, 'npm'), FAKE_NPM, { mode: 0o755 });
  fs.writeFileSync(path.join(npmOnly, 'npm'), FAKE_NPM, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'pip-audit'), FAKE_PIP_AUDIT, { mode: 0o755 });
  const scratch = tempDir('fake-audit-');
  const log = path.join(scratch, 'pip-audit.json');
  const report = (name: string, content: unknown) => {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const exceptionsFile = path.join(root, 'audit-exceptions.json');

  const audit = (args: string[], env: Record<string, string>, pathDirs = [bin]) =>
    runEntryPoint(root, 'bin/audit.ts', args, {
      env: {
        // Only the fakes and node: no real npm or pip-audit of this machine takes part.
        PATH: [...pathDirs, path.dirname(process.execPath)].join(path.delimiter),
        HOME: process.env.HOME,
        FAKE_NPM_REPORT: report('npm-clean.json', NPM_CLEAN),
        FAKE_PIP_AUDIT_REPORT: report('pip-clean.json', PIP_CLEAN),
        FAKE_PIP_AUDIT_LOG: log,
        ...env,
      },
    });

  beforeAll(async () => {
    // The fixture's common layer, built offline with one package: what the audit reads is its SBOM.
    fs.writeFileSync(path.join(layerSourceDir(root, 'common'), 'requirements.txt'), 'tinyjson==1.0.0\n');
    const house = wheelhouse(tinyjson);
    const common = loadProjectConfig(root).layers.find((l) => l.name === 'common')!;
    await withEnv(offlinePipEnv(house), () => buildLayer(common, { projectRoot: root }));
  });
  afterEach(() => fs.rmSync(exceptionsFile, { force: true }));

  test('clean reports pass; pip-audit audits what the layers ship, pinned, without pip', () => {
    const run = audit([], {});
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('npm audit (package-lock.json, development packages included): 0 finding(s)');
    expect(run.stdout).toContain(
      'pip-audit (the packages the built layers ship): 1 package of layer common: 0 finding(s)',
    );
    const call = JSON.parse(fs.readFileSync(log, 'utf8'));
    expect(call.requirements).toBe('tinyjson==1.0.0\n');
    expect(call.args).toEqual(expect.arrayContaining(['--no-deps', '--disable-pip', '--strict', '--format', 'json']));
  });

  test('reads what a layer ships from its SBOM, not from the manifest; a build without one is not audited', () => {
    const dir = layerBuildDir(root, 'common');
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = fs.readFileSync(manifestFile, 'utf8');
    const sbom = fs.readFileSync(path.join(dir, SBOM_FILE));
    try {
      fs.writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(manifest), packages: [] }));
      expect(audit([], {}).status).toBe(0);
      expect(JSON.parse(fs.readFileSync(log, 'utf8')).requirements).toBe('tinyjson==1.0.0\n');
      fs.rmSync(path.join(dir, SBOM_FILE));
      const strict = audit(['--strict'], {});
      expect(strict.status).toBe(1);
      expect(strict.stderr).toContain('layer common is not built, or built from an older source');
    } finally {
      fs.writeFileSync(manifestFile, manifest);
      fs.writeFileSync(path.join(dir, SBOM_FILE), sbom);
    }
  });

  test('a high npm advisory fails, naming the package, the advisory and the fix', () => {
    const run = audit(['--strict'], { FAKE_NPM_REPORT: report('npm-high.json', NPM_REPORT) });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'npm package deep-merge <2.0.1 (pulled in by config-loader): high GHSA-abcd-efgh-ijkl',
    );
    expect(run.stderr).toContain('Fix: npm install config-loader@4.0.0');
    expect(run.stderr).not.toContain('slow-regex');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  test('a vulnerable package in a layer fails, naming the layer and the version that fixes it', () => {
    const run = audit([], { FAKE_PIP_AUDIT_REPORT: report('pip-vuln.json', PIP_REPORT) });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'Python package tinyjson 1.0.0 (shipped in layer common): PYSEC-2026-42 (GHSA-tiny-json-vuln, CVE-2026-4242). ' +
        'Fix: pin tinyjson>=1.0.1 in layers/common/requirements.txt',
    );
  });

  test('a reviewed exception accepts the finding until it expires', () => {
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    fs.writeFileSync(
      exceptionsFile,
      JSON.stringify({
        exceptions: [{ id: 'CVE-2026-4242', reason: 'the layer never parses untrusted JSON', expires }],
      }),
    );
    const run = audit(['--strict'], { FAKE_PIP_AUDIT_REPORT: report('pip-vuln.json', PIP_REPORT) });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `accepted until ${expires}: tinyjson PYSEC-2026-42 (the layer never parses untrusted JSON)`,
    );
    fs.writeFileSync(exceptionsFile, JSON.stringify({ exceptions: [{ id: 'CVE-2026-4242', reason: 'x', expires }] }));
    const bad = audit([], {});
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('audit-exceptions.json exceptions[0].reason "x" says too little. Fix:');
  });

  test('without pip-audit: skipped with a note on a laptop, a failure with --strict (the pipeline)', () => {
    const local = audit([], {}, [npmOnly]);
    expect(local.status).toBe(0);
    expect(local.stdout).toContain(
      `pip-audit (the packages the built layers ship): skipped: pip-audit is not installed (ENOENT). Fix: pipx install pip-audit==${PIP_AUDIT_VERSION}`,
    );
    expect(local.stdout).toContain('1 audit(s) skipped');
    const strict = audit(['--strict'], {}, [npmOnly]);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain(
      'pip-audit (the packages the built layers ship) could not run: pip-audit is not installed',
    );
  });

  test('an advisory service that cannot be reached is no pass in the pipeline', () => {
    const env = {
      FAKE_NPM_REPORT: report('npm-unreachable.json', NPM_UNREACHABLE),
      FAKE_PIP_AUDIT_FAIL: 'Tip: your network may be blocking this service',
    };
    const local = audit([], env);
    expect(local.status).toBe(0);
    expect(local.stdout).toContain(
      "npm audit could not get the advisories from npm's registry: request to the registry failed",
    );
    const strict = audit(['--strict'], env);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain(
      'pip-audit failed (exit 1): ERROR:pip_audit._cli:Tip: your network may be blocking this service',
    );
  });

  test('a layer not built since its requirements changed cannot be audited: --strict fails naming it and the build command', () => {
    const file = path.join(layerSourceDir(root, 'common'), 'requirements.txt');
    fs.writeFileSync(file, 'tinyjson==1.0.0\n# changed\n');
    try {
      const run = audit(['--strict'], {});
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('layer common is not built, or built from an older source');
      expect(run.stderr).toContain('Fix: npm run build:layers first');
    } finally {
      fs.writeFileSync(file, 'tinyjson==1.0.0\n');
    }
  });

  test('an unknown option is a usage error', () => {
    const run = audit(['--fast'], {});
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: npm run audit [-- --strict]');
  });
});

describe('in the pipeline', () => {
  // Layers of two architectures: the x86_64 layers get a build step of their own, which must not audit.
  const app = buildApp({ config: (c) => (c.layers.domain.architectures = ['x86_64', 'arm64']) });
  const template = Template.fromStack(app.pipelineStack).toJSON();
  const commandsOf = (action: string) => {
    const pipeline: any = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::CodePipeline::Pipeline');
    const found = pipeline.Properties.Stages.flatMap((s: any) => s.Actions).find((a: any) => a.Name === action);
    const project = template.Resources[found.Configuration.ProjectName.Ref].Properties;
    return JSON.parse(project.Source.BuildSpec).phases.build.commands as string[];
  };

  test('Synth installs the pinned pip-audit in a virtual environment and audits strictly, before the tests and synth', () => {
    const commands = commandsOf('Synth');
    const audits = dependencyAuditCommands();
    expect(audits).toEqual([
      'python3 -m venv /tmp/pip-audit',
      `/tmp/pip-audit/bin/python -m pip install --disable-pip-version-check --progress-bar off pip-audit==${PIP_AUDIT_VERSION}`,
      'PATH="/tmp/pip-audit/bin:$PATH" npm run audit -- --strict',
    ]);
    const at = commands.indexOf(audits[0]);
    expect(commands.slice(at, at + audits.length)).toEqual(audits);
    // After every layer is in build/layers (built here, or copied from the other architecture's build) ...
    expect(at).toBeGreaterThan(commands.indexOf('npm run build:layers -- --architecture "$LAYER_ARCHITECTURE"'));
    expect(at).toBeGreaterThan(commands.indexOf('cp -R build/layer-outputs/x86_64/. build/layers/'));
    // ... and before the tests and the synth whose output deploys.
    expect(at + audits.length).toBeLessThanOrEqual(commands.indexOf('npm test'));
    expect(commands.indexOf('npm test')).toBeLessThan(commands.indexOf('npx cdk synth -c strictLayers=true'));
  });

  test('the layer build of the other architecture does not audit (Synth audits every layer)', () => {
    expect(commandsOf('BuildLayers-x86_64').join('\n')).not.toContain('audit');
  });

  test('npm run audit is the script the Synth step runs', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(pkg.scripts.audit).toBe('node bin/launch.cjs bin/audit.ts');
  });
});
