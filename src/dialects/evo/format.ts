/**
 * ServiceStack's formats: JSON by default, XML in DataContract shape (namespaces and element order as the
 * seed's sample), CSV (one row per SessionInfo of a list) and JSON Lines (one line per list item). XML is
 * built with xmlbuilder2, CSV written with csv-stringify. ServiceStack's JSV is not served (405).
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { stringify } from 'csv-stringify/sync';
import type { FastifyRequest } from 'fastify';
import type { SessionInfo } from './map.js';
import { EvoError } from './errors.js';

export type Format = 'json' | 'xml' | 'csv' | 'jsonl';
export const FORMATS: readonly Format[] = ['json', 'xml', 'csv', 'jsonl'];

export const NS = {
  types: 'http://schemas.servicestack.net/types',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  sessions: 'http://schemas.datacontract.org/2004/07/Voice.Api.Sessions',
  api: 'http://schemas.datacontract.org/2004/07/Voice.Api',
  customers: 'http://schemas.datacontract.org/2004/07/Voice.Api.Customers',
  arrays: 'http://schemas.microsoft.com/2003/10/Serialization/Arrays',
};

/** A format by name: one of ours, 405 for ServiceStack's JSV, 400 for anything else. */
export function namedFormat(named: string): Format {
  const name = named.toLowerCase();
  const known = FORMATS.find((f) => f === name);
  if (known) return known;
  if (name === 'jsv')
    throw new EvoError(
      405,
      'NotSupported',
      "format 'jsv' is not served: use json, xml, csv or jsonl",
      'format',
    );
  throw new EvoError(
    400,
    'ArgumentException',
    `unknown format '${named}': use json, xml, csv or jsonl`,
    'format',
  );
}

/** The format asked for: a `.xml`/`.json`/`.csv` path suffix, then `?format=`, then `Accept`. */
export function requestedFormat(request: FastifyRequest, suffix: string | null): Format {
  const query = request.query as Record<string, unknown>;
  const formatParam = Object.entries(query).find(([k]) => k.toLowerCase() === 'format')?.[1];
  const named = suffix ?? (typeof formatParam === 'string' ? formatParam : null);
  if (named !== null) return namedFormat(named);
  const accept = request.headers.accept ?? '';
  if (/application\/json/i.test(accept)) return 'json';
  if (/application\/xml|text\/xml/i.test(accept)) return 'xml';
  if (/text\/csv/i.test(accept)) return 'csv';
  if (/(application|text)\/(jsonl|x-ndjson)/i.test(accept)) return 'jsonl';
  return 'json';
}

/** Splits a `.xml`/`.json`/`.csv` suffix off a path segment. */
export function splitSuffix(segment: string): { id: string; suffix: Format | null } {
  const match = /^(.*)\.(json|xml|csv)$/i.exec(segment);
  return match ? { id: match[1], suffix: match[2].toLowerCase() as Format } : { id: segment, suffix: null };
}

export const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
/** DataContract orders members by ordinal comparison of their names. */
export const ordinal = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ENTITY = ['createdBy', 'dateCreated', 'dateLastModified', 'id', 'lastModifiedBy'];

export function scalar(
  parent: XMLBuilder,
  ns: string,
  name: string,
  value: string | number | boolean | null | undefined,
): void {
  const el = parent.ele(ns, name);
  if (value === null || value === undefined) el.att(NS.xsi, 'i:nil', 'true');
  else el.txt(String(value));
}

function memberXml(parent: XMLBuilder, member: SessionInfo['members'][number]): void {
  const el = parent.ele(NS.sessions, 'SessionMemberInfo');
  for (const key of Object.keys(member).map(pascal).sort(ordinal)) {
    const value = member[(key.charAt(0).toLowerCase() + key.slice(1)) as keyof typeof member];
    if (key === 'ApplicationData') {
      const data = el.ele(NS.sessions, 'ApplicationData').att('xmlns:d4p1', NS.arrays);
      for (const [k, v] of Object.entries(value as Record<string, string>)) {
        const pair = data.ele(NS.arrays, 'd4p1:KeyValueOfstringstring');
        pair.ele(NS.arrays, 'd4p1:Key').txt(k);
        pair.ele(NS.arrays, 'd4p1:Value').txt(v);
      }
    } else scalar(el, NS.sessions, key, value as string | boolean | null);
  }
}

/** One SessionInfo element (with the namespace declarations when it is the root). */
export function sessionXml(parent: XMLBuilder, info: SessionInfo, root: boolean): void {
  const el = parent.ele(NS.sessions, 'SessionInfo');
  if (root) el.att('xmlns:i', NS.xsi);
  for (const key of ENTITY) scalar(el, NS.api, pascal(key), info[key as keyof SessionInfo] as string | null);
  const rest = Object.keys(info)
    .filter((k) => !ENTITY.includes(k))
    .sort((a, b) => ordinal(pascal(a), pascal(b)));
  for (const key of rest) {
    const name = pascal(key);
    if (key === 'customerBreadcrumb') {
      const list = el.ele(NS.sessions, name).att('xmlns:d2p1', NS.customers);
      for (const crumb of info.customerBreadcrumb) {
        const item = list.ele(NS.customers, 'd2p1:CustomerBreadcrumb');
        item.ele(NS.customers, 'd2p1:Id').txt(crumb.id);
        item.ele(NS.customers, 'd2p1:Name').txt(crumb.name);
      }
    } else if (key === 'log') {
      const list = el.ele(NS.sessions, name);
      for (const line of info.log) {
        const item = list.ele(NS.sessions, 'SessionLogInfo');
        item.ele(NS.sessions, 'Date').txt(line.date);
        item.ele(NS.sessions, 'Message').txt(line.message);
      }
    } else if (key === 'members') {
      const list = el.ele(NS.sessions, name);
      for (const member of info.members) memberXml(list, member);
    } else scalar(el, NS.sessions, name, info[key as keyof SessionInfo] as string | boolean | null);
  }
}

export function sessionInfoXml(info: SessionInfo): string {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  sessionXml(doc, info, true);
  return doc.end({ headless: true });
}

export interface ListPage {
  items: SessionInfo[];
  totalCount: number | null;
  totalPages: number | null;
  hasMorePages: boolean;
}

export function listXml(page: ListPage): string {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  const root = doc.ele(NS.sessions, 'ListSessionsResponse').att('xmlns:i', NS.xsi);
  scalar(root, NS.sessions, 'HasMorePages', page.hasMorePages);
  const items = root.ele(NS.sessions, 'Items');
  for (const info of page.items) sessionXml(items, info, false);
  scalar(root, NS.sessions, 'TotalCount', page.totalCount);
  scalar(root, NS.sessions, 'TotalPages', page.totalPages);
  return doc.end({ headless: true });
}

const CSV_COLUMNS = [
  'id',
  'dateCreated',
  'dateLastModified',
  'createdBy',
  'lastModifiedBy',
  'dialState',
  'callState',
  'queueState',
  'accountId',
  'accountName',
  'customerId',
  'customerName',
  'endpointId',
  'endpointName',
  'dateCompleted',
  'destination',
  'toAddress',
  'fromAddress',
  'fromName',
  'answeredByName',
  'queueMemberId',
  'channel',
  'ended',
  'outcome',
  'callSid',
  'consoleData',
  'holdQueueName',
  'heldByUserId',
  'holdReason',
  'conferenceSid',
  'displayName',
  'callbackNumber',
  'answeredById',
  'direction',
  'fromPhoneNumber',
  'mostRecentParticipantCallSid',
  'wasMissed',
  'ringQueueId',
  'customerBreadcrumb',
  'members',
  'log',
] as const;

/** One row per session; nested values (breadcrumb, members, log) as JSON in their cell. */
export function listCsv(items: SessionInfo[]): string {
  return stringify(
    items.map((info) =>
      CSV_COLUMNS.map((c) => {
        const v = info[c];
        return v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      }),
    ),
    { header: true, columns: CSV_COLUMNS.map((c) => pascal(c)), quoted_match: /[",\n\r]/ },
  );
}

export function errorXml(body: {
  responseStatus: {
    errorCode: string;
    message: string;
    errors: { errorCode: string; fieldName: string; message: string }[];
  };
}): string {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  const root = doc.ele('ErrorResponse');
  const status = root.ele('ResponseStatus');
  status.ele('ErrorCode').txt(body.responseStatus.errorCode);
  status.ele('Message').txt(body.responseStatus.message);
  const errors = status.ele('Errors');
  for (const e of body.responseStatus.errors) {
    const item = errors.ele('ResponseError');
    item.ele('ErrorCode').txt(e.errorCode);
    item.ele('FieldName').txt(e.fieldName);
    item.ele('Message').txt(e.message);
  }
  return doc.end({ headless: true });
}
