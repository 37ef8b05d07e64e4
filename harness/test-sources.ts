/**
 * The sources the test suites' workers may read, set as an operator would set them
 * (CTRAIN_DATA_ROOTS, CTRAIN_SOURCE_PREFIXES): the tests write their data to the system's
 * temporary folder and the project, serve it from loopback HTTP servers, and put it in MinIO.
 */
import { tmpdir } from 'node:os';
import { delimiter } from 'node:path';
import { SOURCE_POLICY_ENV } from '../activities/source-policy.js';
import { PROJECT_ROOT } from '../stack/paths.js';

export const TEST_SOURCE_ENV: Record<string, string> = {
  [SOURCE_POLICY_ENV.dataRoots]: [tmpdir(), PROJECT_ROOT].join(delimiter),
  [SOURCE_POLICY_ENV.uriPrefixes]: ['s3://', 'http://127.0.0.1:', 'http://localhost:'].join(','),
};
