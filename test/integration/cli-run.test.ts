import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../../stack/ports.js';
import { ctrain } from '../support/ctrain-cli.js';

const stack = inject('stack');

describe('ctrain run refuses a bad spec before any workflow starts', () => {
  it('names every problem of a bad override, without reaching Temporal', async () => {
    // Nothing listens here: had the CLI tried to start a workflow, it would say it cannot reach Temporal.
    const env = { CTRAIN_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
    const result = await ctrain(['run', 'seattle-temperature', '--override', '{"training":{"epochs":-1},"source":{"format":"xls"}}'], env);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('seattle-temperature: spec is invalid');
    expect(result.stderr).toContain('training.epochs');
    expect(result.stderr).toContain('source.format');
    expect(result.stderr).not.toContain('Cannot reach Temporal');
  });

  it('lists the known pipelines for an unknown one, and explains bad JSON', async () => {
    const unknown = await ctrain(['run', 'no-such-pipeline'], {});
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('shipped pipelines: flight-delay, seattle-live, seattle-temperature');
    const badJson = await ctrain(['run', 'flight-delay', '--override', '{epochs'], {});
    expect(badJson.stderr).toContain('--override is not valid JSON');
  });
});

describe('the ctrain command line', () => {
  // Each command's help is checked in-process (test/unit/cli-help.test.ts); these start the real binary.
  it.each([[[] as string[]], [['models', 'ls']]])('has --help on the installed command: %j', async (command) => {
    const result = await ctrain([...command, '--help'], {});
    expect(result.exitCode, command.join(' ')).toBe(0);
    expect(result.stdout).toContain('Usage: ctrain');
  });

  it('prints recent workflows as JSON from the real server', async () => {
    const result = await ctrain(['status', '--json'], { CTRAIN_TEMPORAL_ADDRESS: stack.temporalAddress, CTRAIN_MINIO_ENDPOINT: stack.minio.endpoint });
    expect(result.exitCode).toBe(0);
    expect(Array.isArray(JSON.parse(result.stdout))).toBe(true);
  });
});
