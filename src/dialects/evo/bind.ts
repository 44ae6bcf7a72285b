/**
 * ServiceStack's request binding: a request DTO's fields come from the path, the query string and the body
 * (JSON or form), their names matched case-insensitively; list values come comma-joined or repeated.
 */
import { EvoError } from './errors.js';

/** A request's fields by lower-cased name; every value as the string(s) the client sent. */
export type Fields = Map<string, string[]>;

export const bad = (field: string, message: string) =>
  new EvoError(400, 'ArgumentException', `${field}: ${message}`, field);

/** Binds the sources in order; a later source's value for a name replaces an earlier one's. */
export function bind(...sources: unknown[]): Fields {
  const out: Fields = new Map();
  for (const source of sources) {
    if (!source || typeof source !== 'object' || Array.isArray(source)) continue;
    const seen = new Set<string>();
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      const name = key.toLowerCase();
      const values = (Array.isArray(value) ? value : [value])
        .filter((v) => v !== undefined && v !== null)
        .map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
      // Within one source, differently-cased repeats add up (`SpecificIds=a&specificIds=b`).
      out.set(name, seen.has(name) ? [...(out.get(name) ?? []), ...values] : values);
      seen.add(name);
    }
  }
  return out;
}

export const list = (q: Fields, name: string) =>
  (q.get(name)?.flatMap((v) => v.split(',')) ?? []).map((v) => v.trim()).filter((v) => v !== '');

export const one = (q: Fields, name: string) => q.get(name)?.at(-1);

/** A required text field: 400 naming it when missing or empty. */
export function required(q: Fields, name: string, field: string, max = 128): string {
  const value = one(q, name);
  if (value === undefined || value === '') throw bad(field, 'is required');
  if (value.length > max) throw bad(field, `must be at most ${max} characters`);
  return value;
}

export function integer(q: Fields, name: string, field: string, min: number, max: number, fallback: number) {
  const value = one(q, name);
  if (value === undefined || value === '') return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw bad(field, `must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

export function bool(q: Fields, name: string): boolean {
  const value = one(q, name)?.toLowerCase();
  return value === 'true' || value === '1';
}

/** A `YYYY-MM-DD` day as the epoch ms of its UTC midnight, or null when absent. */
export function day(q: Fields, name: string, field: string): number | null {
  const value = one(q, name);
  if (value === undefined || value === '') return null;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    throw bad(field, `'${value}' is not a date (YYYY-MM-DD)`);
  return ms;
}

/** A day (`YYYY-MM-DD`, UTC midnight) or an RFC 3339 date-time, or null when absent. */
export function instant(q: Fields, name: string, field: string): number | null {
  const value = one(q, name);
  if (value === undefined || value === '') return null;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw bad(field, `'${value}' is not a date or date-time`);
  return ms;
}

/** One of an enum's names, matched case-insensitively, as its declared spelling. */
export function pick<T extends string>(q: Fields, name: string, field: string, allowed: readonly T[]) {
  const value = one(q, name);
  if (value === undefined) return undefined;
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!match) throw bad(field, `'${value}' is not one of ${allowed.join(', ')}`);
  return match;
}

/** A substring pattern for ILIKE, with the wildcards of the text escaped. */
export const like = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
