/**
 * Reading a registry as any ctrain wrote it. Pure, so the model server, the workers, the UI and
 * the CLI check a registry the same way, whichever format (contracts/model.ts REGISTRY_FORMAT)
 * wrote it: format 1 is read as it is (its versions simply carry no spec), a newer format than
 * this code knows is refused rather than half understood.
 */
import type { Registry } from './model.js';
import { REGISTRY_FORMAT } from './model.js';
import { FormatVersionError, formatOf } from './format-version.js';

/** A registry this code cannot read: not JSON, the wrong shape, another model's, or a newer format. */
export class RegistryFormatError extends FormatVersionError {
  override name = 'RegistryFormatError';
}

/** The registry of `model` from its JSON text, checked and brought to the current format. */
export function parseRegistry(text: string, model: string): Registry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RegistryFormatError(`registry of "${model}" is not JSON: ${(error as Error).message}`);
  }
  return readRegistry(value, model);
}

/** {@link parseRegistry} for a value already parsed. */
export function readRegistry(value: unknown, model: string): Registry {
  const registry = value as Partial<Registry> | null;
  if (typeof registry !== 'object' || registry === null || !Array.isArray(registry.versions) || typeof registry.aliases !== 'object' || registry.aliases === null) {
    throw new RegistryFormatError(`registry of "${model}" lacks a versions array or an aliases object`);
  }
  if (registry.model !== model) throw new RegistryFormatError(`registry under "${model}/" names model "${String(registry.model)}"`);
  try {
    formatOf(registry, REGISTRY_FORMAT, `registry of "${model}"`);
  } catch (error) {
    throw new RegistryFormatError((error as Error).message);
  }
  // Format 1 differs only by what it lacks (a spec on each version), which readers of a version handle.
  return { ...(registry as Registry), format: REGISTRY_FORMAT, history: registry.history ?? [], runs: registry.runs ?? [], decisions: registry.decisions ?? [], paused: registry.paused ?? false };
}
