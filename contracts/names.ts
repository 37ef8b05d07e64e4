/**
 * The one rule for names that become part of a workflow id, a path or an object key: pipeline
 * and model names, dataset names. A lowercase slug cannot hold `/`, `.`, `%`, NUL or spaces, so no
 * key built from it leaves its prefix. Pure: workflows, activities, servers and the CLI share it.
 */

/** A lowercase slug: a letter, then letters and digits, in groups joined by single hyphens. */
export const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** Longest name, so ids and keys stay short (and fit a DNS label). */
export const MAX_NAME_LENGTH = 63;

export const SLUG_MESSAGE = 'must be a lowercase slug like "flight-delay" (a-z, 0-9, single hyphens)';
export const LENGTH_MESSAGE = `must be at most ${MAX_NAME_LENGTH} characters`;

/** A name that breaks {@link NAME_PATTERN}; its message says which name and why. */
export class InvalidNameError extends Error {
  override name = 'InvalidNameError';
}

/** What is wrong with a name, or undefined when it is a valid slug. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name === '') return 'must not be empty';
  if (!NAME_PATTERN.test(name)) return SLUG_MESSAGE;
  if (name.length > MAX_NAME_LENGTH) return LENGTH_MESSAGE;
  return undefined;
}

/** Returns the name when valid; throws {@link InvalidNameError} naming `what` otherwise. */
export function checkName(name: unknown, what = 'model name'): string {
  const problem = nameProblem(name);
  if (problem !== undefined) throw new InvalidNameError(`${what} ${quote(name)} ${problem}`);
  return name as string;
}

/** The name as it may appear in a message: JSON-quoted (so NUL and control characters show), cut when long. */
export function quote(name: unknown): string {
  const text = JSON.stringify(typeof name === 'string' ? name : String(name));
  return text.length > 80 ? `${text.slice(0, 77)}…"` : text;
}

/** One object-key component that is an id rather than a name (a run id, a dataset version): no separators, no dot segments. */
const KEY_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._:@+=-]{0,254}$/;

/** Returns the id when it is a safe single key component; throws {@link InvalidNameError} naming `what` otherwise. */
export function checkKeySegment(id: unknown, what: string): string {
  if (typeof id !== 'string' || !KEY_SEGMENT.test(id) || id.includes('..')) {
    throw new InvalidNameError(`${what} ${quote(id)} must be one key component: letters, digits and . _ : @ + = - (no "/" or ".."), at most 255 characters`);
  }
  return id;
}
