/**
 * The peers' Python environment — pandas, pyarrow, scipy, PyTorch, FastAPI and uvicorn at the versions pinned in
 * bench/peers/requirements.txt — installed once into the cache (PyPI's torch wheel brings its
 * CUDA libraries: gigabytes, minutes) and reused by every clone.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cacheDir, PROJECT_ROOT } from '../stack/paths.js';
import { ensureTool, requireCommand, run } from '../stack/provision.js';

const REQUIREMENTS = join(PROJECT_ROOT, 'bench', 'peers', 'requirements.txt');

export interface PeerEnvironment {
  python: string;
  versions: Record<string, string>;
}

export async function provisionBenchPeers(log: (line: string) => void): Promise<PeerEnvironment> {
  const requirements = await readFile(REQUIREMENTS, 'utf8');
  const system = await requireCommand('python3', 'Python 3 with venv and pip is needed for the benchmark peers (pandas, PyTorch).');
  const { stdout: version } = await execa(system, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  const dir = join(cacheDir(), 'bench-peers', `py${version.trim()}-${createHash('sha256').update(requirements).digest('hex').slice(0, 12)}`);
  const python = await ensureTool({ what: 'benchmark peers: pandas, pyarrow, PyTorch (PyPI, several GB once)', dir, binary: 'venv/bin/python', log }, async () => {
    await run(system, ['-m', 'venv', join(dir, 'venv')]);
    await run(join(dir, 'venv', 'bin', 'pip'), ['install', '--disable-pip-version-check', '--no-deps', '-r', REQUIREMENTS]);
  });
  const { stdout } = await execa(python, ['-c', 'import sys, pandas, pyarrow, torch, numpy, scipy, fastapi, uvicorn; print(sys.version.split()[0], pandas.__version__, pyarrow.__version__, torch.__version__, numpy.__version__, scipy.__version__, fastapi.__version__, uvicorn.__version__)']);
  const [py, pandas, pyarrow, torch, numpy, scipy, fastapi, uvicorn] = stdout.trim().split(' ');
  return { python, versions: { python: py!, pandas: pandas!, pyarrow: pyarrow!, torch: torch!, numpy: numpy!, scipy: scipy!, fastapi: fastapi!, uvicorn: uvicorn! } };
}
