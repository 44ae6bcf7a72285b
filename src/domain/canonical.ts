import { createHash } from 'node:crypto';

/**
 * Content hashes computed ahead of time by `rememberContentHash` (intake computes a batch's in slices, between
 * which the event loop runs). Keyed by the object itself: only objects nobody changes afterwards are remembered.
 */
const rememberedHashes = new WeakMap<object, string>();

/** SHA-256 (hex) of `value`'s canonical JSON: equal content, equal hash, whatever the key order. */
export function contentHash(value: object): string {
  return rememberedHashes.get(value) ?? createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Computes and keeps `value`'s content hash, so that a later `contentHash(value)` costs a lookup. */
export function rememberContentHash(value: object): void {
  rememberedHashes.set(value, contentHash(value));
}

/** Canonical JSON (keys sorted at every level): equal content gives equal text, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // Plain loops and concatenation: this runs for every event taken in (it is the input of its content hash).
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}
