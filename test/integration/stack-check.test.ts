import { describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import { datasetRemote, Dvc } from '../../infra/dvc.js';
import { createGeneralWorker } from '../../workers/general.js';
import { stackCheckWorkflow } from '../../workflows/index.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectForFile, uniqueId } from '../../harness/temporal.js';

const stack = inject('stack');
const temporal = connectForFile(stack);

describe('a workflow on the real Temporal server with an activity on the real MinIO', () => {
  it('writes an object and reads it back through the activity', async () => {
    const storage = new ObjectStore(stack.minio);
    const taskQueue = uniqueId('stack-check');
    const worker = await createGeneralWorker({ connection: temporal.current.workerConnection, namespace: stack.namespace, deps: { storage, dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)) }, taskQueue });
    const key = `tests/${taskQueue}.txt`;
    const text = `round trip ${taskQueue} ✓`;

    const result = await worker.runUntil(
      temporal.current.client.workflow.execute(stackCheckWorkflow, { taskQueue, workflowId: taskQueue, args: [{ bucket: BUCKETS.artifacts, key, text }] }),
    );

    expect(result.readBack).toBe(text);
    expect(result.bytes).toBe(Buffer.byteLength(text));
    // Read again outside the workflow: the object really is in MinIO.
    expect(await storage.getText({ bucket: BUCKETS.artifacts, key: key })).toBe(text);
    const history = await temporal.current.client.workflow.getHandle(taskQueue).fetchHistory();
    const completed = history.events?.filter((event) => event.activityTaskCompletedEventAttributes) ?? [];
    expect(completed).toHaveLength(1);
  });
});
