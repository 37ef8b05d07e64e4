/**
 * Defaults and environment variable names the CLI's help shows. Kept in a module of their own,
 * with no imports, so `ctrain --help` can name them without loading the servers they belong to.
 */

/** The model server's TCP port (`ctrain serve`). */
export const DEFAULT_SERVE_PORT = 8080;
/** The read-only catalog page's TCP port (`ctrain ui`): beside the alert receiver's, so both run at once. */
export const DEFAULT_UI_PORT = 8091;
/** The alert receiver's TCP port (`ctrain alerts`). */
export const DEFAULT_ALERTS_PORT = 8090;
/** The remote codec server's TCP port (`ctrain codec-server`). */
export const DEFAULT_CODEC_PORT = 8888;

/** A folder of people's own pipeline files, listed and run beside the shipped ones. */
export const PIPELINES_ENV = 'CTRAIN_PIPELINES';
/** `1`: every set-up also builds @tensorflow/tfjs-node-gpu (as `ctrain provision --gpu`). */
export const TENSORFLOW_GPU_ENV = 'CTRAIN_TENSORFLOW_GPU';
