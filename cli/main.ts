import { buildProgram } from './program.js';

const program = buildProgram();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`ctrain: ${describeError(error)}`);
  process.exitCode = 1;
}

/** The message with its causes: Temporal wraps the reason (a refused update, a failed activity) in a cause. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause ? `${error.message}: ${describeError(error.cause)}` : error.message;
}
