import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import type { DriftThresholds } from './report.js';

/** The statistics the spec says decide, each with its guard; the others are reported only. */
export function driftThresholds(drift: PipelineSpec['drift']): DriftThresholds {
  const decides = (name: (typeof drift.decideBy)[number]): boolean => drift.decideBy.includes(name);
  return {
    psi: drift.psi,
    minRows: drift.minRows,
    ...(decides('psi') ? {} : { psiDecides: false }),
    ...(decides('ks') ? { ksPValue: drift.ks.pValue, ksStatistic: drift.ks.minStatistic } : {}),
    ...(decides('chiSquare') ? { chiSquarePValue: drift.chiSquare.pValue, chiSquareEffect: drift.chiSquare.minEffect } : {}),
    ...(decides('jensenShannon') ? { jensenShannon: drift.jensenShannon } : {}),
  };
}
