import type { TrivialBaseline } from '../contracts/pipeline-run.js';
import type { Curves } from './curves.js';
import type { FeatureImportance } from './importance.js';
import type { SliceMetrics, SliceRegression } from './slices.js';

/** The evaluate step's full record (its `evaluation` object in MinIO); the manifest carries the headline figures. */
export interface EvaluationRecord {
  /** The spec's blessing metric. */
  metric: string;
  metrics: Record<string, number>;
  /** The trivial predictor on the same test rows; absent in records written before evaluate-6. */
  baseline?: TrivialBaseline;
  productionMetrics?: Record<string, number>;
  productionVersion?: number;
  blessed: boolean;
  reason: string;
  slices: SliceMetrics[];
  productionSlices?: SliceMetrics[];
  worstSlice?: SliceRegression;
  /** Permutation importance of every input feature, most important first. */
  importance: FeatureImportance[];
  /** The candidate's curves on the test split; absent in records written before evaluate-4. */
  curves?: Curves;
  /** The production model's curves on the same rows, when it was compared. */
  productionCurves?: Curves;
}
