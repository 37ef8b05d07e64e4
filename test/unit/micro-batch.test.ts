/**
 * Micro-batching: requests queued together are scored by one call, each caller gets its own
 * rows' scores (or the batch's error), a full batch goes at once, and flush() empties the queue
 * before a network is freed.
 */
import { describe, expect, it, vi } from 'vitest';
import { MicroBatcher } from '../../serving/micro-batch.js';

const WIDTH = 3;

/** A scorer that records each call and scores a row as the sum of its features. */
function summingScorer() {
  const calls: number[] = [];
  const score = (features: Float32Array, rows: number): Float32Array => {
    calls.push(rows);
    return Float32Array.from({ length: rows }, (_, row) => features.subarray(row * WIDTH, (row + 1) * WIDTH).reduce((sum, value) => sum + value, 0));
  };
  return { calls, score };
}

const rowsOf = (...rows: number[][]): Float32Array => Float32Array.from(rows.flat());

describe('MicroBatcher', () => {
  it('scores the requests queued in one turn of the event loop with one call, each getting its own rows', async () => {
    const { calls, score } = summingScorer();
    const batcher = new MicroBatcher(score, WIDTH, { waitMs: 0, maxRows: 100 });
    const answers = await Promise.all([batcher.scoreRows(rowsOf([1, 2, 3]), 1), batcher.scoreRows(rowsOf([10, 10, 10], [0, 0, 1]), 2), batcher.scoreRows(rowsOf([5, 5, 5]), 1)]);
    expect(answers.map((scores) => [...scores])).toEqual([[6], [30, 1], [15]]);
    expect(calls).toEqual([4]);
    expect(batcher.counts).toEqual({ batches: 1, rows: 4 });
    // A later request starts a batch of its own.
    expect([...(await batcher.scoreRows(rowsOf([1, 1, 1]), 1))]).toEqual([3]);
    expect(calls).toEqual([4, 1]);
  });

  it('gives each batch only its own rows, whether a smaller batch follows a larger one or one larger than any before', async () => {
    const seen: number[][] = [];
    const { score } = summingScorer();
    const batcher = new MicroBatcher((features, rows) => (seen.push([...features]), score(features, rows)), WIDTH, { waitMs: 0, maxRows: 1_000_000 });
    const many = (count: number, value: number): Promise<Float32Array>[] => Array.from({ length: count }, (_, i) => batcher.scoreRows(rowsOf([value, i, 0]), 1));
    const first = await Promise.all(many(3, 100));
    const second = await Promise.all(many(2, 200));
    expect(first.map((scores) => scores[0])).toEqual([100, 101, 102]);
    expect(second.map((scores) => scores[0])).toEqual([200, 201]);
    expect(seen).toEqual([
      [100, 0, 0, 100, 1, 0, 100, 2, 0],
      [200, 0, 0, 200, 1, 0],
    ]);
    // Past the most values kept between batches (4 MiB): an array of its own, the same answers.
    const wide = await Promise.all([batcher.scoreRows(new Float32Array(300_000 * WIDTH).fill(1), 300_000), batcher.scoreRows(new Float32Array(100_000 * WIDTH).fill(2), 100_000)]);
    expect([wide[0].length, wide[0][0], wide[1].length, wide[1][99_999]]).toEqual([300_000, 3, 100_000, 6]);
    expect([...(await Promise.all(many(2, 300))).map((scores) => scores[0])]).toEqual([300, 301]);
  });

  it('scores a batch at once when it reaches maxRows, and waits up to waitMs for more otherwise', async () => {
    const { calls, score } = summingScorer();
    const batcher = new MicroBatcher(score, WIDTH, { waitMs: 50, maxRows: 3 });
    const first = batcher.scoreRows(rowsOf([1, 0, 0], [2, 0, 0]), 2);
    const second = batcher.scoreRows(rowsOf([3, 0, 0]), 1);
    // The third row filled the batch: scored synchronously, before any timer.
    expect(calls).toEqual([3]);
    expect([...(await first), ...(await second)]).toEqual([1, 2, 3]);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    try {
      const late = batcher.scoreRows(rowsOf([4, 0, 0]), 1);
      vi.advanceTimersByTime(49);
      expect(calls).toEqual([3]);
      vi.advanceTimersByTime(1);
      expect(calls).toEqual([3, 1]);
      expect([...(await late)]).toEqual([4]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("fails every caller of a batch whose scoring throws, and goes on with the next batch", async () => {
    let fail = true;
    const batcher = new MicroBatcher(
      (features, rows) => {
        if (fail) throw new Error('backend lost');
        return new Float32Array(rows).fill(1);
      },
      WIDTH,
      { waitMs: 0, maxRows: 100 },
    );
    const results = await Promise.allSettled([batcher.scoreRows(rowsOf([1, 1, 1]), 1), batcher.scoreRows(rowsOf([2, 2, 2]), 1)]);
    expect(results.map((result) => result.status === 'rejected' && (result.reason as Error).message)).toEqual(['backend lost', 'backend lost']);
    fail = false;
    expect([...(await batcher.scoreRows(rowsOf([1, 1, 1]), 1))]).toEqual([1]);
  });

  it('flush() scores what is queued now, so nothing runs after the network is freed', async () => {
    const { calls, score } = summingScorer();
    const batcher = new MicroBatcher(score, WIDTH, { waitMs: 10_000, maxRows: 100 });
    const queued = batcher.scoreRows(rowsOf([7, 0, 0]), 1);
    batcher.flush();
    expect(calls).toEqual([1]);
    expect([...(await queued)]).toEqual([7]);
    // Nothing is left for the timer to score.
    batcher.flush();
    expect(calls).toEqual([1]);
  });
});
