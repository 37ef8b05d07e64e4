import type { Client } from '@temporalio/client';

/** Waits until the run's training has heartbeated at least `epoch` (each beat follows that epoch's checkpoint); answers with the epoch it saw. */
export async function untilEpoch(client: Client, runId: string, epoch: number): Promise<number> {
  for (;;) {
    const description = await client.workflow.getHandle(runId).describe().catch(() => undefined);
    if (description && description.status.name !== 'RUNNING') throw new Error(`run ${runId} ended (${description.status.name}) before training reached epoch ${epoch}`);
    const train = description?.raw.pendingActivities?.find((activity) => activity.activityType?.name === 'train');
    const payload = train?.heartbeatDetails?.payloads?.[0];
    if (payload?.data) {
      const details = JSON.parse(Buffer.from(payload.data).toString()) as { epoch?: number };
      if ((details.epoch ?? 0) >= epoch) return details.epoch!;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
