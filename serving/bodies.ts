/** Shape checks for request bodies; each failure is a sentence for a 400 reply. */

/** A predict body: `{ rows: [...] }` or `{ row: {...} }`. Rows themselves are checked against the answering version's transform. */
export function readPredictBody(body: unknown, maxRows: number): { rows: unknown[] } | { problem: string } {
  if (!isObject(body)) return { problem: 'body must be a JSON object with "rows" (an array of objects) or "row" (an object)' };
  // Extra fields inside a row are ignored (ids, the label); beside "rows" they are most likely a typo.
  const unknown = Object.keys(body).filter((key) => key !== 'rows' && key !== 'row');
  if (unknown.length > 0) return { problem: `body has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => JSON.stringify(key)).join(', ')}; it takes "rows" (an array of objects) or "row" (an object)` };
  const hasRows = Object.hasOwn(body, 'rows');
  if (hasRows === Object.hasOwn(body, 'row')) return { problem: 'body must have exactly one of "rows" and "row"' };
  if (!hasRows) return { rows: [body.row] };
  const rows = body.rows;
  if (!Array.isArray(rows)) return { problem: '"rows" must be an array of objects' };
  if (rows.length === 0) return { problem: '"rows" must not be empty' };
  if (rows.length > maxRows) return { problem: `"rows" has ${rows.length} rows; at most ${maxRows} per request` };
  return { rows };
}

/** An outcome posted back for an earlier prediction. */
export interface Outcome {
  id: string;
  /** 0/1 or true/false for a binary model, a number for regression. */
  label: number | boolean;
}

/** An outcomes body: `{ outcomes: [{ id, label }] }`. */
export function readOutcomesBody(body: unknown, maxRows: number): { outcomes: Outcome[] } | { problem: string } {
  if (!isObject(body) || !Array.isArray(body.outcomes)) return { problem: 'body must be a JSON object with "outcomes": [{ "id": string, "label": number or boolean }]' };
  const outcomes: unknown[] = body.outcomes;
  if (outcomes.length === 0) return { problem: '"outcomes" must not be empty' };
  if (outcomes.length > maxRows) return { problem: `"outcomes" has ${outcomes.length} entries; at most ${maxRows} per request` };
  for (const [index, outcome] of outcomes.entries()) {
    if (!isObject(outcome) || typeof outcome.id !== 'string' || outcome.id === '') return { problem: `outcomes[${index}].id must be a non-empty string (a prediction id)` };
    const { label } = outcome;
    if (typeof label !== 'boolean' && !(typeof label === 'number' && Number.isFinite(label))) {
      return { problem: `outcomes[${index}].label must be a finite number or a boolean` };
    }
  }
  return { outcomes: (outcomes as Outcome[]).map(({ id, label }) => ({ id, label })) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
