import { Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../contracts/stack.js';

const stack = inject('stack');

describe('the Temporal dev server of the harness', () => {
  it('serves the Web UI over HTTP', async () => {
    const response = await fetch(stack.webUi);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<html/i);
  });

  it('has the custom search attributes ctrain uses registered', async () => {
    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: stack.namespace });
      for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(Object.keys(customAttributes ?? {})).toContain(name);
    } finally {
      await connection.close();
    }
  });
});
