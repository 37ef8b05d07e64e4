import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { datasetKeys } from '../storage/layout.js';

/** A DVC remote kept in MinIO (any S3 API). */
export interface DvcRemote {
  /** e.g. `s3://ctrain-datasets/dvc` */
  url: string;
  /** S3 API URL, e.g. http://127.0.0.1:9000 */
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

/** The content address DVC gives a tracked file: the same bytes always give the same md5. */
export interface DvcVersion {
  md5: string;
  size: number;
  path: string;
}

export class DvcError extends Error {
  override name = 'DvcError';
}

const REMOTE_NAME = 'minio';

/** The DVC remote of the datasets bucket on this MinIO. */
export function datasetRemote(minio: { endpoint: string; accessKey: string; secretKey: string }): DvcRemote {
  return { url: datasetKeys.dvcRemoteUrl, ...minio };
}

/** Drives the DVC command line through execa, always against one MinIO-backed remote. */
export class Dvc {
  constructor(
    private readonly binary: string,
    private readonly remote: DvcRemote,
  ) {}

  /**
   * Makes `workspace` a DVC workspace (no Git) whose default remote is the MinIO one. Idempotent.
   * DVC takes a folder with `.dvc/config` (its documented INI format) as a workspace, so that file
   * is written directly: `dvc init` and `dvc remote add` would cost a Python start-up each.
   */
  async init(workspace: string): Promise<void> {
    await mkdir(join(workspace, '.dvc'), { recursive: true });
    await writeFile(join(workspace, '.dvc', 'config'), dvcConfig(this.remote));
  }

  /** `dvc add`: moves the file into DVC's cache and returns its version from the `.dvc` file. */
  async add(workspace: string, file: string): Promise<DvcVersion> {
    await this.run(workspace, ['add', '--quiet', file]);
    return readDvcFile(workspace, `${file}.dvc`);
  }

  /** `dvc add --to-remote`: versions the file and uploads it to the remote in one call, without filling the local cache. */
  async addToRemote(workspace: string, file: string): Promise<DvcVersion> {
    await this.run(workspace, ['add', '--quiet', '--to-remote', file]);
    return readDvcFile(workspace, `${file}.dvc`);
  }

  async push(workspace: string, targets: string[] = []): Promise<void> {
    await this.run(workspace, ['push', '--quiet', ...targets]);
  }

  async pull(workspace: string, targets: string[] = []): Promise<void> {
    await this.run(workspace, ['pull', '--quiet', ...targets]);
  }

  /**
   * The version a `.dvc` file records, brought into `workspace` (a folder of its own, made a DVC
   * workspace here) by `dvc pull`: DVC fetches it from the remote, checks its md5 and checks it
   * out. Answers the local path of the data.
   */
  async pullVersion(workspace: string, dvcFileName: string, dvcFile: Buffer): Promise<string> {
    if (!/^[\w.-]+\.dvc$/.test(dvcFileName)) throw new DvcError(`${JSON.stringify(dvcFileName)} is not a plain .dvc file name`);
    await this.init(workspace);
    await writeFile(join(workspace, dvcFileName), dvcFile);
    const { path } = await readDvcFile(workspace, dvcFileName);
    // The .dvc file comes from storage: its output must stay inside the workspace.
    if (!/^[\w.-]+$/.test(path) || path === '..' || path === '.') throw new DvcError(`${dvcFileName} records the output ${JSON.stringify(path)}, which is not a plain file name`);
    await this.pull(workspace, [dvcFileName]);
    return join(workspace, path);
  }

  private async run(workspace: string, args: string[]): Promise<string> {
    const result = await execa(this.binary, args, {
      cwd: workspace,
      reject: false,
      all: true,
      env: { AWS_ACCESS_KEY_ID: this.remote.accessKey, AWS_SECRET_ACCESS_KEY: this.remote.secretKey, DVC_NO_ANALYTICS: '1' },
    });
    if (result.exitCode !== 0) throw new DvcError(`dvc ${args.join(' ')} failed in ${workspace} (exit ${result.exitCode}): ${(result.all ?? '').trim().slice(-2000)}`);
    return result.stdout;
  }
}

/** `.dvc/config` of a workspace without Git whose default remote is `remote` (endpoint and URL only; keys come from the environment). */
export function dvcConfig(remote: DvcRemote): string {
  const quoted = (value: string): string => (/^[\w:/.@-]+$/.test(value) ? value : JSON.stringify(value));
  return [
    '[core]',
    '    no_scm = True',
    `    remote = ${REMOTE_NAME}`,
    '    analytics = false',
    `['remote "${REMOTE_NAME}"']`,
    `    url = ${quoted(remote.url)}`,
    `    endpointurl = ${quoted(remote.endpoint)}`,
    '',
  ].join('\n');
}

/** Reads the single output recorded in a `.dvc` file. */
export async function readDvcFile(workspace: string, dvcFile: string): Promise<DvcVersion> {
  return parseDvcFile(await readFile(join(workspace, dvcFile), 'utf8'), dvcFile);
}

/** The single output a `.dvc` file's text records; `name` says which file, for the error. */
export function parseDvcFile(text: string, name: string): DvcVersion {
  const parsed = parse(text) as { outs?: { md5?: string; size?: number; path?: string }[] } | null;
  const out = parsed?.outs?.[0];
  if (!out?.md5 || out.size === undefined || !out.path) throw new DvcError(`${name} does not record an output with md5, size and path`);
  return { md5: out.md5, size: out.size, path: out.path };
}

/**
 * The `.dvc` file `dvc add` writes for one file, byte for byte (DVC 3: md5 of the bytes, their
 * size, the hash name, the path), so a version ctrain writes is one DVC reads, pulls and checks.
 */
export function dvcFileText({ md5, size, path }: DvcVersion): string {
  return `outs:\n- md5: ${md5}\n  size: ${size}\n  hash: md5\n  path: ${path}\n`;
}
