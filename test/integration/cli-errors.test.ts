/** The real `ctrain` binary's errors: two lines on stderr (what, and what to do), a non-zero exit, a stack trace only on request. */
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../../stack/ports.js';
import { ctrain } from '../support/ctrain-cli.js';

const stack = inject('stack');
const real = { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_TEMPORAL_NAMESPACE: stack.namespace, CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint };

describe('ctrain errors', () => {
  it('Temporal on a closed port: exactly the two lines, exit 1, nothing on stdout', async () => {
    const port = await freePort();

    const result = await ctrain(['status'], { CTRAIN_TEMPORAL_ADDRESS: `127.0.0.1:${port}`, CTRAIN_DEBUG: '' });

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([`ctrain: cannot reach Temporal at 127.0.0.1:${port}`, 'hint: start the stack with `npx ctrain dev up`, or set CTRAIN_TEMPORAL_ADDRESS to your Temporal frontend']);
  });

  it('MinIO on a closed port (Temporal up): the two lines name MinIO; CTRAIN_DEBUG=1 adds the stack trace after them', async () => {
    const port = await freePort();
    const env = { ...real, CTRAIN_MINIO_ENDPOINT: `http://127.0.0.1:${port}` };

    const result = await ctrain(['drift', 'report', 'flight-delay'], { ...env, CTRAIN_DEBUG: '' });

    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')).toEqual([`ctrain: cannot reach MinIO at http://127.0.0.1:${port}`, 'hint: start the stack with `npx ctrain dev up`, or set CTRAIN_MINIO_ENDPOINT to your S3 endpoint']);

    const debug = await ctrain(['drift', 'report', 'flight-delay'], { ...env, CTRAIN_DEBUG: '1' });
    const lines = debug.stderr.split('\n');
    expect(lines.slice(0, 2)).toEqual(result.stderr.split('\n'));
    expect(lines.slice(2).join('\n')).toMatch(/ECONNREFUSED[\s\S]*\n {4}at /);
  });

  it('an unknown model, an unknown run, and a bad command line each get their two lines', async () => {
    const model = await ctrain(['models', 'show', 'no-such-model'], real);
    expect(model.exitCode).toBe(1);
    expect(model.stderr.split('\n')).toEqual([
      'ctrain: no model "no-such-model": there is no registry at s3://ctrain-registry/no-such-model/registry.json',
      'hint: train it first with `npx ctrain run no-such-model`; `npx ctrain models ls` lists the models',
    ]);

    const run = await ctrain(['watch', 'nothing-here.train.20200101T000000000Z'], real);
    expect(run.exitCode).toBe(1);
    expect(run.stderr.split('\n')).toEqual(['ctrain: no run or model named "nothing-here.train.20200101T000000000Z"', 'hint: `npx ctrain status` lists recent runs, `npx ctrain models ls` the models']);

    const usage = await ctrain(['watch', 'x', '--intreval', '5'], {});
    expect(usage.exitCode).toBe(1);
    expect(usage.stderr.split('\n')).toEqual(["ctrain: unknown option '--intreval'", 'hint: did you mean --interval? `npx ctrain watch --help` lists the choices']);
  });
});
