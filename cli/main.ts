import { configFromEnv } from '../infra/config.js';
import { debugTrace, explainError, formatError, isHelp, routeUsageErrors, UsageError } from './errors.js';
import { buildProgram } from './program.js';

const program = buildProgram();
routeUsageErrors(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (isHelp(error)) {
    process.exitCode = error.exitCode;
  } else {
    // Every failure is two lines (what went wrong, what to do); the stack trace only on request.
    console.error(formatError(explainError(error, errorContext())));
    if (process.env.CTRAIN_DEBUG === '1') console.error(debugTrace(error));
    process.exitCode = error instanceof UsageError ? error.commanderError.exitCode : 1;
  }
}

/** Where the CLI was pointed; the defaults when the environment itself is what is wrong. */
function errorContext(): { temporalAddress: string; minioEndpoint: string } {
  try {
    const config = configFromEnv();
    return { temporalAddress: config.temporal.address, minioEndpoint: config.minio.endpoint };
  } catch {
    return { temporalAddress: '127.0.0.1:7233', minioEndpoint: 'http://127.0.0.1:9000' };
  }
}
