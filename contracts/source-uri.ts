/**
 * Where a pipeline's data lives. Pure string parsing (no node: imports) so workflows may use it;
 * ingest resolves and reads the location.
 */
export type SourceLocation =
  /** A local file. `path` is absolute, or relative to the worker's working directory. */
  | { kind: 'file'; path: string }
  /** A file shipped inside an installed npm package, resolved against node_modules: nothing to download. */
  | { kind: 'package'; packageName: string; path: string }
  | { kind: 'http'; url: string }
  | { kind: 's3'; bucket: string; key: string };

/** Thrown for a URI none of the forms in {@link SourceLocation} matches. */
export class SourceUriError extends Error {
  override name = 'SourceUriError';
}

const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HTTP_URL = /^https?:\/\/[^/\s?#]+(?:[/?#]\S*)?$/i;
const ANY_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Parses a source URI: a plain path or `file://` URL, `package://<npm-package>/<path>`
 * (scoped packages too: `package://@scope/name/path`), an `http(s)://` URL, or `s3://bucket/key`.
 */
export function parseSourceUri(uri: string): SourceLocation {
  if (uri.startsWith('package://')) return packageLocation(uri);
  if (uri.startsWith('file://')) return fileLocation(uri);
  if (uri.startsWith('s3://')) return s3Location(uri);
  if (/^https?:\/\//i.test(uri)) {
    if (!HTTP_URL.test(uri)) throw new SourceUriError(`"${uri}" is not a valid http(s) URL`);
    return { kind: 'http', url: uri };
  }
  if (ANY_SCHEME.test(uri)) throw new SourceUriError(`"${uri}" uses an unsupported scheme (file, package, http, https, s3)`);
  if (uri.trim() === '') throw new SourceUriError('the source URI is empty');
  return { kind: 'file', path: uri };
}

function packageLocation(uri: string): SourceLocation {
  const segments = uri.slice('package://'.length).split('/');
  const nameLength = segments[0]?.startsWith('@') ? 2 : 1;
  const packageName = segments.slice(0, nameLength).join('/');
  const path = segments.slice(nameLength).join('/');
  if (!PACKAGE_NAME.test(packageName)) throw new SourceUriError(`"${uri}" does not name an npm package`);
  // The path must stay inside the package directory.
  if (path === '' || segments.slice(nameLength).some((s) => s === '' || s === '..' || s === '.')) {
    throw new SourceUriError(`"${uri}" needs a file path inside the package, e.g. package://vega-datasets/data/cars.json`);
  }
  return { kind: 'package', packageName, path };
}

function fileLocation(uri: string): SourceLocation {
  // file:///abs/path and file://localhost/abs/path; other hosts are not local files.
  const rest = uri.slice('file://'.length);
  const path = rest.startsWith('localhost/') ? rest.slice('localhost'.length) : rest;
  if (!path.startsWith('/')) throw new SourceUriError(`"${uri}" is not a local file URL (file:///absolute/path)`);
  try {
    return { kind: 'file', path: decodeURIComponent(path) };
  } catch {
    throw new SourceUriError(`"${uri}" has a malformed percent-encoding`);
  }
}

function s3Location(uri: string): SourceLocation {
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (!S3_BUCKET.test(bucket)) throw new SourceUriError(`"${uri}" does not name a valid S3 bucket`);
  if (key === '') throw new SourceUriError(`"${uri}" needs an object key: s3://bucket/key`);
  return { kind: 's3', bucket, key };
}
