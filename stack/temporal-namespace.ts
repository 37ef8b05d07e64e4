/**
 * What a plain Temporal server needs before ctrain runs on it: the namespace, and ctrain's custom
 * search attributes, by which the UI and the CLI list its workflows. The dev server is started with
 * both; the production topology's launcher and `ctrain prepare-temporal` (any other server, e.g. the
 * compose file's) call this. Idempotent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../contracts/stack.js';
import type { TemporalOptions } from '../infra/temporal-connection.js';
import { openConnection } from '../infra/temporal-connection.js';

/** How long a workflow's history stays after it closes, in a namespace ctrain creates. */
export const NAMESPACE_RETENTION = '7 days';
const ALREADY_EXISTS = 6;
// A new namespace takes a few seconds to reach the frontend's cache: until then adding attributes fails.
const ATTRIBUTES_DEADLINE_MS = 60_000;

/** Creates `namespace` unless it exists and adds the search attributes it lacks; answers what it did. */
export async function prepareNamespace(target: Pick<TemporalOptions, 'address' | 'tls'>, namespace: string): Promise<{ created: boolean; added: string[] }> {
  const connection = await openConnection(target);
  try {
    const service = connection.workflowService;
    let created = false;
    if (!(await service.describeNamespace({ namespace }).then(() => true, () => false))) {
      await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION) }).then(
        () => void (created = true),
        (error: { code?: number }) => {
          if (error.code !== ALREADY_EXISTS) throw error;
        },
      );
    }
    const types = proto.temporal.api.enums.v1.IndexedValueType;
    const indexed: Record<(typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES], proto.temporal.api.enums.v1.IndexedValueType> = { Keyword: types.INDEXED_VALUE_TYPE_KEYWORD };
    const deadline = Date.now() + ATTRIBUTES_DEADLINE_MS;
    const added: string[] = [];
    for (;;) {
      try {
        const listed = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in (listed.customAttributes ?? {})));
        if (missing.length === 0) return { created, added };
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((name) => [name, indexed[SEARCH_ATTRIBUTES[name as keyof typeof SEARCH_ATTRIBUTES]]])) });
        added.push(...missing);
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`could not add ctrain's search attributes to namespace ${namespace} at ${target.address}: ${(error as Error).message}`);
        await sleep(500);
      }
    }
  } finally {
    await connection.close();
  }
}
