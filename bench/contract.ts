/** The shapes every benchmark section shares: one row per comparison, ctrain beside its peer. */

/** Several runs of one measurement, summarised: the median is what the table compares. */
export interface Measurement {
  median: number;
  min: number;
  max: number;
  runs: number;
  unit: string;
}

export type Direction = 'higher' | 'lower';

/** One line of the results table: what ctrain did, what the peer did, and the target. */
export interface BenchRow {
  section: string;
  name: string;
  ctrain: Measurement;
  /** Absent where the measurement has no peer (e.g. memory growth over 100 runs). */
  peer?: Measurement & { name: string };
  /** Which way is better, for the ratio and the target. */
  better: Direction;
  /** The target, in words, and whether this run met it; absent where none is set. */
  target?: { text: string; met: boolean };
  /** Anything a reader needs to read the numbers right. */
  note?: string;
}

export interface BenchContext {
  /** Smaller sizes and fewer repeats: checks the benchmark works, its numbers mean little. */
  quick: boolean;
  /** The Python of the cached peer environment (pandas, pyarrow, torch). */
  python: string;
  log: (line: string) => void;
}

export interface BenchSection {
  name: string;
  title: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}
