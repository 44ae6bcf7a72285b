/**
 * Sends a service's answer in the format asked for. Every Evo operation answers an `EvoResult`, so the
 * custom routes and ServiceStack's predefined routes render one answer the same way.
 */
import type { FastifyReply } from 'fastify';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { stringify } from 'csv-stringify/sync';
import type { SessionInfo } from './map.js';
import { listCsv, NS, ordinal, pascal, scalar, sessionXml, type Format } from './format.js';

export interface EvoResult {
  /** The response DTO's name: the root element of its XML. */
  name: string;
  /** The JSON body; undefined answers 204 with no body. */
  body: unknown;
  /** The list a CSV or JSON Lines answer is made of (one row / line each), when the answer is a list. */
  rows?: SessionInfo[] | Record<string, unknown>[];
  /** True when `rows` are SessionInfo (CSV then has SessionInfo's fixed columns). */
  sessionRows?: boolean;
  /** A dedicated XML writer (SessionInfo and ListSessionsResponse follow the seed exactly). */
  xml?: () => string;
  /** XML namespace of the response DTO; default Evo's sessions namespace. */
  ns?: string;
  /** Element names of list members by field name (`sessions` → `SessionInfo`). */
  itemNames?: Record<string, string>;
}

export function send(reply: FastifyReply, format: Format, result: EvoResult) {
  if (result.body === undefined) return reply.code(204).send();
  if (format === 'xml')
    return reply.type('application/xml; charset=utf-8').send(result.xml ? result.xml() : objectXml(result));
  if (format === 'csv') {
    const rows = result.rows ?? [result.body as Record<string, unknown>];
    return reply
      .type('text/csv; charset=utf-8')
      .send(
        result.sessionRows ? listCsv(rows as SessionInfo[]) : objectsCsv(rows as Record<string, unknown>[]),
      );
  }
  if (format === 'jsonl') {
    const lines = (result.rows ?? [result.body]).map((row) => `${JSON.stringify(row)}\n`).join('');
    return reply.type('text/jsonl; charset=utf-8').send(lines);
  }
  return reply.send(result.body);
}

/** Flat objects as CSV: a column per field (PascalCase), nested values as JSON in their cell. */
function objectsCsv(rows: Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return stringify(
    rows.map((row) =>
      columns.map((c) => {
        const v = row[c];
        if (v === null || v === undefined) return '';
        // Scalars as JSON too would quote strings; JSON.stringify only for nested values.
        return typeof v === 'string' ? v : JSON.stringify(v);
      }),
    ),
    { header: true, columns: columns.map(pascal), quoted_match: /[",\n\r]/ },
  );
}

/** A response DTO in DataContract XML: members in ordinal order, string lists in the Arrays namespace. */
function objectXml(result: EvoResult): string {
  const ns = result.ns ?? NS.sessions;
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  const root = doc.ele(ns, result.name).att('xmlns:i', NS.xsi);
  members(root, ns, result.body as Record<string, unknown>, result.itemNames ?? {});
  return doc.end({ headless: true });
}

function members(
  el: XMLBuilder,
  ns: string,
  value: Record<string, unknown>,
  itemNames: Record<string, string>,
) {
  for (const key of Object.keys(value).sort((a, b) => ordinal(pascal(a), pascal(b)))) {
    const v = value[key];
    if (!Array.isArray(v)) {
      if (v !== null && typeof v === 'object')
        members(el.ele(ns, pascal(key)), ns, v as Record<string, unknown>, {});
      else scalar(el, ns, pascal(key), v as string | number | boolean | null | undefined);
      continue;
    }
    const list = el.ele(ns, pascal(key));
    if (v.every((item) => typeof item !== 'object' || item === null)) {
      list.att('xmlns:d2p1', NS.arrays);
      for (const item of v) list.ele(NS.arrays, 'd2p1:string').txt(String(item));
      continue;
    }
    const itemName = itemNames[key] ?? 'Item';
    for (const item of v) {
      if (itemName === 'SessionInfo') sessionXml(list, item as SessionInfo, false);
      else members(list.ele(ns, itemName), ns, item as Record<string, unknown>, {});
    }
  }
}
