import type { ObjectRef } from './pipeline-run.js';
import { BUCKETS } from './stack.js';

/** The bucket and prefix of an `s3://bucket/prefix` output URI; throws naming the URI otherwise. */
export function parseOutputUri(uri: string): ObjectRef {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) throw new Error(`Output ${JSON.stringify(uri)} must be s3://bucket/prefix (a bucket name of 3–63 lowercase letters, digits, dots or hyphens).`);
  const key = (match[2] ?? '').replace(/\/+$/, '');
  if (key.split('/').some((part) => part === '..' || part === '.')) throw new Error(`Output ${JSON.stringify(uri)} must not contain "." or ".." segments.`);
  // Scores written among ctrain's own objects could overwrite a registry, a model or a dataset.
  if ((Object.values(BUCKETS) as string[]).includes(match[1]!)) {
    throw new Error(`Output ${JSON.stringify(uri)} is in ${match[1]}, a bucket ctrain keeps its own objects in (${Object.values(BUCKETS).join(', ')}); write scores to a bucket of their own, e.g. s3://scores/${key || 'nightly'}.`);
  }
  return { bucket: match[1]!, key };
}
