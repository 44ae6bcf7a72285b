/**
 * Texts computed ahead of time by `rememberCanonical` (intake computes a batch's in slices, between which the
 * event loop runs). Keyed by the object itself: only objects nobody changes afterwards are remembered.
 */
const remembered = new WeakMap<object, string>();

/** Computes and keeps `value`'s canonical text, so a later `canonicalJson(value)` costs a lookup. */
export function rememberCanonical(value: object): void {
  remembered.set(value, canonicalJson(value));
}

/** Canonical JSON (keys sorted at every level): equal content gives equal text, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const known = remembered.get(value);
  if (known !== undefined) return known;
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
