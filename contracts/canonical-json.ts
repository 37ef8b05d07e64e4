/**
 * One JSON text per value, whatever order its keys were written in: object keys sorted at every
 * depth (by UTF-16 code unit), arrays in order, no whitespace, undefined-valued keys left out as
 * JSON.stringify leaves them. The spec hash and the step cache keys both hash it, so a change
 * here changes every stored hash: test/unit/canonical-json.test.ts pins the output.
 * Pure (no Node imports), so workflow code may use it too.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
