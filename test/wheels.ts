/**
 * Small wheels made offline for the layer builder's tests: a wheel is a zip of the package plus a `.dist-info`
 * folder with METADATA, WHEEL and RECORD. Served to pip with PIP_NO_INDEX=1 and PIP_FIND_LINKS=<folder>.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tempDir } from './helpers';

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
}

const MAKE_WHEEL = `
import base64, hashlib, json, sys, zipfile
spec = json.loads(sys.argv[1]); out = sys.argv[2]
dist = "%s-%s.dist-info" % (spec["name"], spec["version"])
pure = spec["tag"].endswith("-none-any")
files = dict(spec["files"])
files[dist + "/METADATA"] = "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (spec["name"], spec["version"])
files[dist + "/WHEEL"] = "Wheel-Version: 1.0\\nGenerator: test-wheels\\nRoot-Is-Purelib: %s\\n%s" % (
    "true" if pure else "false", "".join("Tag: %s\\n" % t for t in [spec["tag"]]))
if spec.get("consoleScripts"):
    files[dist + "/entry_points.txt"] = "[console_scripts]\\n" + "\\n".join(spec["consoleScripts"]) + "\\n"
record = []
for name, text in sorted(files.items()):
    data = text.encode()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append("%s,sha256=%s,%d" % (name, digest, len(data)))
record.append(dist + "/RECORD,,")
files[dist + "/RECORD"] = "\\n".join(record) + "\\n"
with zipfile.ZipFile(out, "w") as z:
    for name, text in sorted(files.items()):
        z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)
`;

/** Writes the wheel into `dir` and returns its path. */
export function makeWheel(dir: string, spec: WheelSpec): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${spec.name}-${spec.version}-${spec.tag}.whl`);
  execFileSync('python3', ['-c', MAKE_WHEEL, JSON.stringify(spec), file]);
  return file;
}

/** A fresh folder of wheels. */
export function wheelhouse(...specs: WheelSpec[]): string {
  const dir = tempDir('wheelhouse-');
  for (const spec of specs) makeWheel(dir, spec);
  return dir;
}

/** pip's environment for an offline wheelhouse, isolated from this machine's pip configuration. */
export function offlinePipEnv(dir: string): Record<string, string> {
  return { PIP_NO_INDEX: '1', PIP_FIND_LINKS: dir, PIP_CONFIG_FILE: os.devNull, PIP_RETRIES: '0', PIP_TIMEOUT: '2' };
}

/** Runs `fn` with extra environment variables, restoring the environment afterwards. */
export async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(env);
  try {
    return await fn();
  } finally {
    set(saved);
  }
}
