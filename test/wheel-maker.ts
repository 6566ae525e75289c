/**
 * Small wheels made offline, for the layer builder's tests and the benchmark: a wheel is a zip of the package plus
 * a `.dist-info` folder with METADATA, WHEEL and RECORD. Served to pip with PIP_NO_INDEX=1 and PIP_FIND_LINKS.
 * No jest here, so the benchmark can use it too.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A wheel to make. */
export interface WheelSpec {
  readonly name: string;
  readonly version: string;
  /** e.g. `py3-none-any`, or `cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64`. */
  readonly tag: string;
  /** Files of the package, by path inside the wheel. */
  readonly files: Record<string, string>;
  /** Console scripts (`name = module:function`), which pip turns into bin/ scripts. */
  readonly consoleScripts?: string[];
  /** More METADATA headers (`License-Expression: MIT`, `Classifier: License :: ...`). */
  readonly metadata?: string[];
}

// The spec goes on standard input: a command-line argument is limited to 128 KiB.
const MAKE_WHEEL = `
import base64, hashlib, json, sys, zipfile
spec = json.load(sys.stdin); out = sys.argv[1]
dist = "%s-%s.dist-info" % (spec["name"], spec["version"])
pure = spec["tag"].endswith("-none-any")
files = dict(spec["files"])
files[dist + "/METADATA"] = "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n%s" % (
    spec["name"], spec["version"], "".join(line + "\\n" for line in spec.get("metadata", [])))
files[dist + "/WHEEL"] = "Wheel-Version: 1.0\\nGenerator: wheel-maker\\nRoot-Is-Purelib: %s\\nTag: %s\\n" % (
    "true" if pure else "false", spec["tag"])
if spec.get("consoleScripts"):
    files[dist + "/entry_points.txt"] = "[console_scripts]\\n" + "\\n".join(spec["consoleScripts"]) + "\\n"
record = []
for name, text in sorted(files.items()):
    data = text.encode()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append("%s,sha256=%s,%d" % (name, digest, len(data)))
record.append(dist + "/RECORD,,")
files[dist + "/RECORD"] = "\\n".join(record) + "\\n"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in sorted(files.items()):
        z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)
`;

/** Writes the wheel into `dir` and returns its path. */
export function makeWheel(dir: string, spec: WheelSpec): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${spec.name}-${spec.version}-${spec.tag}.whl`);
  execFileSync('python3', ['-c', MAKE_WHEEL, file], { input: JSON.stringify(spec) });
  return file;
}

/** pip's environment for an offline wheelhouse, isolated from this machine's pip configuration. */
export function offlinePipEnv(dir: string): Record<string, string> {
  return { PIP_NO_INDEX: '1', PIP_FIND_LINKS: dir, PIP_CONFIG_FILE: os.devNull, PIP_RETRIES: '0', PIP_TIMEOUT: '2' };
}
