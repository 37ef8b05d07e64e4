import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import type { PipelineOverrides, ResolvedPipeline, StepManifest, StepName } from '../contracts/pipeline-run.js';
import { MANIFEST_FORMAT, PIPELINE_STEPS } from '../contracts/pipeline-run.js';
import { findPipeline, loadPipeline, PipelineSpecError, specHash, UnknownPipelineError, withOverrides } from '../pipelines/index.js';
import { readStoredPipelineSpec } from '../pipelines/user-pipelines.js';
import { readStoredManifest } from './step-cache.js';
import { runKeys } from '../storage/layout.js';
import type { ActivityDependencies } from './dependencies.js';

/** Resolving the spec, and each run's record of its finished steps (what `--resume` reuses). */
export function createRunRecordActivities({ storage }: ActivityDependencies) {
  return {
    /** A shipped pipeline by name, else the spec `ctrain run <file>` stored for it. */
    async resolvePipeline({ pipeline, overrides }: { pipeline: string; overrides?: PipelineOverrides }): Promise<ResolvedPipeline> {
      try {
        const stored = findPipeline(pipeline) ? undefined : await readStoredPipelineSpec(storage, pipeline);
        const spec = stored ? withOverrides(stored, overrides) : loadPipeline(pipeline, overrides);
        return { spec, specHash: specHash(spec) };
      } catch (error) {
        if (error instanceof PipelineSpecError || error instanceof UnknownPipelineError) {
          throw ApplicationFailure.nonRetryable(error.message, FAILURE_TYPES.PipelineSpecError);
        }
        throw error;
      }
    },

    async recordRunStep({ runId, manifest }: { runId: string; manifest: StepManifest }): Promise<void> {
      await storage.putJson(runKeys.step(runId, manifest.step), { ...manifest, format: MANIFEST_FORMAT });
    },

    /** The steps an earlier run finished, in DAG order, stopping at the first it did not. */
    async loadRunSteps({ runId }: { runId: string }): Promise<Partial<Record<StepName, StepManifest>>> {
      const steps: Partial<Record<StepName, StepManifest>> = {};
      for (const step of PIPELINE_STEPS) {
        const manifest = await readStoredManifest<StepManifest>(storage, runKeys.step(runId, step));
        if (!manifest) break;
        steps[step] = manifest;
      }
      if (!steps.ingest) throw ApplicationFailure.nonRetryable(`Run ${runId} has no recorded steps to resume from.`, FAILURE_TYPES.PipelineSpecError);
      return steps;
    },
  };
}
