export { chiSquare, jensenShannon } from './chi-square.js';
export type { ChiSquareResult } from './chi-square.js';
export { chiSquareSf, gammaP, gammaQ, logGamma } from './gamma.js';
export { kolmogorovSmirnovSf } from './kolmogorov.js';
export { KS_MAX_EXACT_N, ks2samp, ksAgainstReference } from './ks.js';
export type { KsMethod, KsResult } from './ks.js';
export { upperNormalTail } from './normal.js';
export { smirnovSf } from './smirnov.js';
