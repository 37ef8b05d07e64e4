/**
 * Transformed rows stored compactly (category slots): numeric features as they are, each one-hot
 * block as the index of its hot slot. The feature step writes rows this way and the loader
 * expands them to the dense rows the trainer takes, bit for bit what applyTransform gives.
 */
import type { CategorySlotsEncoding } from '../contracts/pipeline-run.js';
import type { FeatureTransform } from './feature-transform.js';

/** Stored rows that do not expand: a truncated or foreign object, or a slot outside its block. */
export class RowEncodingError extends Error {
  override name = 'RowEncodingError';
}

/** The encoding of rows that `transform` produces. */
export function categorySlots(transform: FeatureTransform): CategorySlotsEncoding {
  return { kind: 'category-slots', numeric: transform.numeric.length, blocks: transform.categorical.map((feature) => feature.vocabulary.length + 1) };
}

/** Floats per stored row. */
export const encodedWidth = (encoding: CategorySlotsEncoding): number => encoding.numeric + encoding.blocks.length;

/** Floats per expanded (dense) row. */
export const expandedWidth = (encoding: CategorySlotsEncoding): number => encoding.blocks.reduce((width, block) => width + block, encoding.numeric);

/** Writes the dense row `features` (one hot slot per block) into `into` at `offset`, encoded. */
export function encodeRow(encoding: CategorySlotsEncoding, features: Float32Array, into: Float32Array, offset: number): void {
  into.set(features.subarray(0, encoding.numeric), offset);
  let start = encoding.numeric;
  encoding.blocks.forEach((block, i) => {
    const hot = features.subarray(start, start + block).indexOf(1);
    if (hot < 0) throw new RowEncodingError(`one-hot block ${i} of the row has no hot slot`);
    into[offset + encoding.numeric + i] = hot;
    start += block;
  });
}

/** The dense rows of `rows` encoded rows. */
export function expandRows(encoding: CategorySlotsEncoding, encoded: Float32Array, rows: number): Float32Array {
  const stored = encodedWidth(encoding);
  if (encoded.length !== rows * stored) throw new RowEncodingError(`the stored features hold ${encoded.length} floats, not ${rows} rows of ${stored}`);
  const width = expandedWidth(encoding);
  const starts: number[] = [];
  encoding.blocks.reduce((start, block) => (starts.push(start), start + block), encoding.numeric);
  const dense = new Float32Array(rows * width);
  for (let row = 0; row < rows; row++) {
    const from = row * stored;
    const to = row * width;
    for (let i = 0; i < encoding.numeric; i++) dense[to + i] = encoded[from + i]!;
    for (let i = 0; i < encoding.blocks.length; i++) {
      const slot = encoded[from + encoding.numeric + i]!;
      if (!Number.isInteger(slot) || slot < 0 || slot >= encoding.blocks[i]!) throw new RowEncodingError(`row ${row}: slot ${slot} of one-hot block ${i} is outside its ${encoding.blocks[i]} slots`);
      dense[to + starts[i]! + slot] = 1;
    }
  }
  return dense;
}
