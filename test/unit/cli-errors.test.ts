import { CommanderError } from 'commander';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { CliError, explainError, formatError, routeUsageErrors, UsageError } from '../../cli/errors.js';
import { buildProgram } from '../../cli/program.js';
import { loadPipeline, PipelineSpecError } from '../../pipelines/index.js';
import { PortInUseError } from '../../stack/ports.js';

const context = { temporalAddress: '127.0.0.1:7233', minioEndpoint: 'http://127.0.0.1:9000' };
const explain = (error: unknown) => explainError(error, context);

/** A Node socket error as `net` raises it. */
function socketError(code: string, address: string, port: number): Error {
  return Object.assign(new Error(`connect ${code} ${address}:${port}`), { code, address, port, syscall: 'connect' });
}

/** Commander's complaint about `args`, as the real command tree raises it once routed. */
async function usageError(args: string[]): Promise<unknown> {
  const program = buildProgram();
  routeUsageErrors(program);
  return program.parseAsync(args, { from: 'user' }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('explainError: one line and a hint for each kind of failure', () => {
  it('Temporal unreachable, from the connection error ctrain raises or a gRPC UNAVAILABLE mid-call', () => {
    const connect = new Error('Cannot reach Temporal at 10.0.0.5:7233 (Failed to connect before the deadline). Start the stack with `npx ctrain dev up` or set CTRAIN_TEMPORAL_ADDRESS.');
    expect(explain(connect)).toEqual({ message: 'cannot reach Temporal at 10.0.0.5:7233', hint: 'start the stack with `npx ctrain dev up`, or set CTRAIN_TEMPORAL_ADDRESS to your Temporal frontend' });

    const unavailable = Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14, details: 'Connection dropped', metadata: {} });
    expect(explain(new Error('Failed to query Workflow', { cause: unavailable })).message).toBe('cannot reach Temporal at 127.0.0.1:7233');
  });

  it('MinIO unreachable by its port (also inside an AggregateError); another address is named as it is', () => {
    const refused = socketError('ECONNREFUSED', '127.0.0.1', 9000);
    expect(explain(refused)).toEqual({ message: 'cannot reach MinIO at http://127.0.0.1:9000', hint: 'start the stack with `npx ctrain dev up`, or set CTRAIN_MINIO_ENDPOINT to your S3 endpoint' });
    expect(explain(new AggregateError([socketError('ECONNREFUSED', '::1', 9000), refused], 'connect')).message).toBe('cannot reach MinIO at http://127.0.0.1:9000');
    expect(explain(socketError('EHOSTUNREACH', '10.1.1.1', 8443)).message).toBe('cannot connect to 10.1.1.1:8443 (EHOSTUNREACH)');
    expect(explain(Object.assign(new Error('The access key Id you provided does not exist'), { code: 'InvalidAccessKeyId' }))).toEqual({
      message: "MinIO at http://127.0.0.1:9000 refused ctrain's credentials (InvalidAccessKeyId)",
      hint: 'set CTRAIN_MINIO_ACCESS_KEY and CTRAIN_MINIO_SECRET_KEY to a key pair it accepts',
    });
  });

  it('an unknown pipeline names the known ones in the hint; a bad spec lists every problem on its one line', () => {
    const unknown = (() => {
      try {
        loadPipeline('no-such-pipeline');
      } catch (error) {
        return error;
      }
    })();
    expect(explain(unknown)).toEqual({
      message: 'unknown pipeline "no-such-pipeline"',
      hint: 'shipped pipelines: flight-delay, seattle-live, seattle-temperature. A pipeline of your own runs from its file (npx ctrain run ./my-pipeline.ts), or from CTRAIN_PIPELINES (a folder of such files)',
    });

    const spec = new PipelineSpecError('churn', [
      { path: 'training.epochs', message: 'must be a positive integer' },
      { path: 'source.format', message: 'must be one of "csv", "json", "jsonl", "parquet"' },
    ]);
    expect(explain(spec)).toEqual({
      message: 'churn: spec is invalid: training.epochs: must be a positive integer; source.format: must be one of "csv", "json", "jsonl", "parquet"',
      hint: 'fix these fields in the spec file or in --override (npx ctrain pipelines check <file> lists them)',
    });
  });

  it('a workflow that does not exist: a model says how to train it, any other id where to find runs', () => {
    expect(explain(new WorkflowNotFoundError('workflow not found', 'model:churn', undefined))).toEqual({
      message: 'no model "churn": its model workflow model:churn does not exist',
      hint: 'train it first with `npx ctrain run churn`; `npx ctrain models ls` lists the models',
    });
    expect(explain(new WorkflowNotFoundError('workflow not found', 'churn.train.x', undefined))).toEqual({ message: 'no workflow "churn.train.x"', hint: '`npx ctrain status` lists recent runs' });
    expect(explain(new NamespaceNotFoundError('prod')).message).toBe('Temporal at 127.0.0.1:7233 has no namespace "prod"');
  });

  it('a refused update or failed workflow says the innermost reason', () => {
    const refused = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ message: 'churn has no version 9; versions: 1, 2', type: 'RegistryRequestError' }));
    expect(explain(refused).message).toBe('churn has no version 9; versions: 1, 2');
    const failed = new WorkflowFailedError('Workflow execution failed', ApplicationFailure.create({ message: 'no production model\nto compare' }), 0 as never);
    expect(explain(failed).message).toBe('the workflow failed: no production model to compare');
  });

  it('errors raised on purpose keep their hint; a taken port splits into what and what to do; anything else points at CTRAIN_DEBUG', () => {
    expect(explain(new CliError('no run or model named "x"', '`npx ctrain status` lists recent runs'))).toEqual({ message: 'no run or model named "x"', hint: '`npx ctrain status` lists recent runs' });
    expect(explain(new PortInUseError('Port 9000 on 127.0.0.1 (MinIO S3 API) is already in use. Stop whatever holds it, or choose another port with CTRAIN_MINIO_PORT.'))).toEqual({
      message: 'Port 9000 on 127.0.0.1 (MinIO S3 API) is already in use',
      hint: 'Stop whatever holds it, or choose another port with CTRAIN_MINIO_PORT.',
    });
    expect(explain(new Error('--override is not valid JSON: Unexpected token', { cause: new Error('at position 1') }))).toEqual({
      message: '--override is not valid JSON: Unexpected token: at position 1',
      hint: 'set CTRAIN_DEBUG=1 to see the stack trace',
    });
  });

  it("commander's own complaints about the command line, with the command's help (and its suggestion) as the hint", async () => {
    const missing = await usageError(['watch']);
    expect(missing).toBeInstanceOf(UsageError);
    expect(explain(missing)).toEqual({ message: "missing required argument 'run'", hint: '`npx ctrain watch --help` shows the usage' });
    expect(explain(await usageError(['models', 'sho']))).toEqual({ message: "unknown command 'sho'", hint: 'did you mean show? `npx ctrain models --help` lists the choices' });
    expect(explain(await usageError(['run', 'flight-delay', '--wiat']))).toEqual({ message: "unknown option '--wiat'", hint: 'did you mean --wait? `npx ctrain run --help` lists the choices' });
    expect(explain(await usageError(['completion', 'tcsh'])).message).toBe("command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.");
    // The stack's shape and size are refused before anything starts.
    expect(explain(await usageError(['dev', 'up', '--topology', 'cluster'])).message).toBe("option '--topology <topology>' argument 'cluster' is invalid. Allowed choices are embedded, production.");
    for (const count of ['0', '17', 'two', '1.5', '-1']) {
      expect(explain(await usageError(['dev', 'up', '--workers', count])).message, count).toBe(`option '--workers <count>' argument '${count}' is invalid. worker count "${count}" must be a whole number from 1 to 16`);
    }
    expect(explain(new UsageError(new CommanderError(1, 'commander.excessArguments', "error: too many arguments for 'cancel'. Expected 1 argument but got 2."), 'cancel')).message).toBe(
      "too many arguments for 'cancel'. Expected 1 argument but got 2.",
    );
  });

  it('prints exactly two lines', () => {
    expect(formatError({ message: 'cannot reach Temporal at 127.0.0.1:7233', hint: 'start the stack with `npx ctrain dev up`' }).split('\n')).toEqual([
      'ctrain: cannot reach Temporal at 127.0.0.1:7233',
      'hint: start the stack with `npx ctrain dev up`',
    ]);
  });
});
