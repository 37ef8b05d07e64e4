/**
 * Reading a registry as any ctrain wrote it. Pure, so the model server, the workers, the UI and
 * the CLI check a registry the same way, whichever format (contracts/model.ts REGISTRY_FORMAT)
 * wrote it: formats 1 and 2 are brought to today's field names (format 1's versions simply carry
 * no spec), a newer format than this code knows is refused rather than half understood.
 */
import type { Registry } from './model.js';
import { REGISTRY_FORMAT } from './model.js';
import { FormatVersionError, formatOf } from './format-version.js';
import { registryOfFormatTwo } from './format-renames.js';

/** A registry this code cannot read: not JSON, the wrong shape, another model's, or a newer format. */
export class RegistryFormatError extends FormatVersionError {
  override name = 'RegistryFormatError';
}

/** The registry of `model` from its JSON text, checked and brought to the current format. */
export function parseRegistry(text: string, modelName: string): Registry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RegistryFormatError(`registry of "${modelName}" is not JSON: ${(error as Error).message}`);
  }
  return readRegistry(value, modelName);
}

/** {@link parseRegistry} for a value already parsed. */
export function readRegistry(value: unknown, modelName: string): Registry {
  const registry = value as Partial<Registry> | null;
  if (typeof registry !== 'object' || registry === null || !Array.isArray(registry.versions) || typeof registry.aliases !== 'object' || registry.aliases === null) {
    throw new RegistryFormatError(`registry of "${modelName}" lacks a versions array or an aliases object`);
  }
  let format: number;
  try {
    format = formatOf(registry, REGISTRY_FORMAT, `registry of "${modelName}"`);
  } catch (error) {
    throw new RegistryFormatError((error as Error).message);
  }
  // Formats 1 and 2 named the model and each version's network `model`; format 1 also lacks a spec on each version, which readers of a version handle.
  const current = format < REGISTRY_FORMAT ? registryOfFormatTwo(registry as Registry) : (registry as Registry);
  if (current.modelName !== modelName) throw new RegistryFormatError(`registry under "${modelName}/" names model "${String(current.modelName)}"`);
  return { ...current, format: REGISTRY_FORMAT, history: current.history ?? [], runs: current.runs ?? [], decisions: current.decisions ?? [], paused: current.paused ?? false };
}
