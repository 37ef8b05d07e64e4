export { categoricalChiSquare } from './categorical.js';
export { liveMetric, performanceVerdict } from './performance.js';
export type { LiveMetric, PerformanceVerdict, PerformanceVerdictInput } from './performance.js';
export * from './psi.js';
export * from './reference.js';
export { compareToReference } from './report.js';
export type { BucketShares, DriftReport, DriftThresholds, DriftVerdict, FeatureDrift, PredictionDrift } from './report.js';
