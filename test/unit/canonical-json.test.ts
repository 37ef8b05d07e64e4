import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../contracts/canonical-json.js';
import { cacheKey } from '../../infra/artifacts.js';
import { loadPipeline, pipelineNames, specHash } from '../../pipelines/index.js';

// The two implementations this module replaced, verbatim: the spec hash's (pipelines/index.ts)
// and the step cache keys' (infra/artifacts.ts). Every stored hash was made by one of them.
const specHashJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
const cacheKeyJson = (value: unknown): string =>
  JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );

const values: Record<string, unknown> = {
  null: null,
  'top-level scalars': [0, -0, 1.5, 1e21, 'text', true, false],
  'null inside objects and arrays': { b: null, a: [null, { c: null }] },
  'nested arrays of objects': { z: [[{ y: 1, x: 2 }], [{ b: [{ d: 1, c: 2 }], a: {} }]], a: [] },
  'undefined-valued keys': { b: undefined, a: 1, c: { d: undefined } },
  'undefined in arrays': [undefined, 1],
  'non-finite numbers': { nan: NaN, inf: Infinity },
  'keys by code unit, not locale': { b: 1, B: 2, _: 3, '10': 4, '9': 5, é: 6, e: 7 },
  'a date (through toJSON)': { when: new Date(Date.UTC(2024, 0, 2)) },
  'a spec-like value': { name: 'p', training: { seed: 42, epochs: 20 }, features: [{ column: 'x', kind: 'numeric' }], personal: undefined },
};

describe('canonicalJson', () => {
  it('writes the pinned text for each kind of value', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(values['undefined-valued keys'])).toBe('{"a":1,"c":{}}');
    expect(canonicalJson(values['undefined in arrays'])).toBe('[null,1]');
    expect(canonicalJson(values['non-finite numbers'])).toBe('{"inf":null,"nan":null}');
    expect(canonicalJson(values['keys by code unit, not locale'])).toBe('{"9":5,"10":4,"B":2,"_":3,"b":1,"e":7,"é":6}');
    expect(canonicalJson(values['nested arrays of objects'])).toBe('{"a":[],"z":[[{"x":2,"y":1}],[{"a":{},"b":[{"c":2,"d":1}]}]]}');
  });

  it.each(Object.entries(values))('gives what both former implementations gave: %s', (_name, value) => {
    expect(canonicalJson(value)).toBe(specHashJson(value));
    expect(canonicalJson(value)).toBe(cacheKeyJson(value));
  });

  it('keeps step cache keys as they were', () => {
    expect(cacheKey('feature', 'v1', { b: [1, { d: null, c: undefined }], a: 'x' }, { ingest: 'abc', validate: 'def' })).toBe('761dc000baed91898fb72290a41cdf87');
  });

  it.each(pipelineNames())('keeps the spec hash of the %s pipeline as it was', (name) => {
    const spec = loadPipeline(name);
    expect(specHash(spec)).toBe(createHash('sha256').update(specHashJson(spec)).digest('hex'));
  });
});
