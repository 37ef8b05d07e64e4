/**
 * The one seeded generator and shuffle. Training's row order per epoch, the samples kept by
 * drift references and numeric summaries, and permutation importance draw from these, so a run
 * repeats exactly from its seed; test/unit/seeded-random.test.ts pins their output.
 */

/**
 * mulberry32: a tiny, fast seeded generator of numbers in [0, 1). Statistical quality is ample
 * for sampling and shuffling rows, and the same seed always gives the same sequence.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher–Yates permutation of 0..n-1, drawing n-1 numbers from `random`. */
export function permutation(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}
