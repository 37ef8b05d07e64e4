/**
 * TensorFlow's settings, unless the operator set them:
 * - only fatal messages on stderr: a failed op comes back to JavaScript as an error anyway, and
 *   without this a CPU-only machine logs a cuInit error from the CUDA-enabled library at every start;
 * - Eigen's kernels rather than oneDNN's, and one thread per op: ctrain's tabular networks make
 *   small kernels, for which handing work to other threads costs more than it saves. On 2 cores the
 *   flight-delay MLP trained at about 390k samples/s so, against 300k with TensorFlow's default
 *   threads and 200k with oneDNN. A wide network on many cores wants TF_NUM_INTRAOP_THREADS raised.
 */
export const NATIVE_DEFAULTS = { TF_CPP_MIN_LOG_LEVEL: '3', TF_ENABLE_ONEDNN_OPTS: '0', TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' };

/**
 * Puts {@link NATIVE_DEFAULTS} into the process's environment where unset. TensorFlow reads them
 * when its context is made, from the real environment: a worker thread's process.env is a copy,
 * so a thread that will load the native backend needs them set by its parent first.
 */
export function applyNativeDefaults(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(NATIVE_DEFAULTS)) env[name] ??= value;
}
