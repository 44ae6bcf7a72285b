/**
 * Where webhooks may go. A tenant chooses its callback URL, so without a guard it could make the server
 * connect to the internal network (a database port, a cloud metadata service) and learn from the outcome.
 * Loopback, link-local, private, unique-local and other non-public addresses are refused unless the operator
 * allows them with `SWITCHBOARD_WEBHOOK_ALLOW` (hosts, IP addresses and CIDR ranges).
 *
 * The check guards the connection itself: the address a name resolves to is checked inside the socket's own
 * DNS lookup, so the address checked is the address connected to and a name that changes its answer between
 * registration and delivery (DNS rebinding) cannot slip through.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/** Non-public ranges, by the name an error gives them. IPv4-mapped IPv6 addresses match their IPv4 rules. */
const REFUSED: [string, [string, number, Family][]][] = [
  [
    'a loopback',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'a link-local',
    [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  ],
  [
    'a private',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
    ],
  ],
  [
    'a unique-local',
    [
      ['fc00::', 7, 'ipv6'],
      ['fec0::', 10, 'ipv6'],
    ],
  ],
  ['a shared (carrier-grade NAT)', [['100.64.0.0', 10, 'ipv4']]],
  [
    'an unspecified or reserved',
    [
      ['0.0.0.0', 8, 'ipv4'], // 0.0.0.0 reaches this host
      ['192.0.0.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'], // with 255.255.255.255
      ['::', 128, 'ipv6'],
      ['64:ff9b:1::', 48, 'ipv6'], // local-use NAT64
    ],
  ],
  [
    'a multicast',
    [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  ],
];

const refusedRanges: [string, BlockList][] = REFUSED.map(([kind, ranges]) => {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return [kind, list];
});

/** The operator's allow list, parsed. */
export interface TargetPolicy {
  /** Host names allowed whatever they resolve to (lower case, no trailing dot). */
  readonly hosts: ReadonlySet<string>;
  /** Addresses and ranges allowed although non-public. */
  readonly addresses: BlockList;
}

export class TargetPolicyError extends Error {}

/** A delivery the policy refused; no connection was made. */
export class BlockedTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockedTargetError';
  }
}

const familyOf = (address: string): Family | null =>
  isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : null;

const unbracket = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
const normalHost = (host: string) => unbracket(host).toLowerCase().replace(/\.$/, '');

/**
 * Parses `SWITCHBOARD_WEBHOOK_ALLOW`: comma-separated host names, IP addresses and CIDR ranges, e.g.
 * `127.0.0.1,10.0.0.0/8,hooks.internal`. Empty or absent allows nothing non-public. Throws
 * `TargetPolicyError` naming the first entry that is none of the three.
 */
export function targetPolicy(spec: string | undefined): TargetPolicy {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const raw of (spec ?? '').split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const network = unbracket(entry.slice(0, slash));
      const family = familyOf(network);
      const prefixText = entry.slice(slash + 1);
      const prefix = Number(prefixText);
      const max = family === 'ipv4' ? 32 : 128;
      if (!family || !/^\d{1,3}$/.test(prefixText) || prefix > max) {
        throw new TargetPolicyError(`'${entry}' is not a CIDR range (e.g. 10.0.0.0/8 or fc00::/7)`);
      }
      addresses.addSubnet(network, prefix, family);
      continue;
    }
    const address = unbracket(entry);
    const family = familyOf(address);
    if (family) addresses.addAddress(address, family);
    else if (
      /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?$/i.test(
        entry,
      )
    )
      hosts.add(normalHost(entry));
    else throw new TargetPolicyError(`'${entry}' is not a host name, an IP address or a CIDR range`);
  }
  return { hosts, addresses };
}

const HINT = 'an operator may allow it with SWITCHBOARD_WEBHOOK_ALLOW';

/** What kind of refused address this is ("a loopback address"), or null when webhooks may connect to it. */
export function refusedKind(policy: TargetPolicy, address: string): string | null {
  const family = familyOf(address);
  if (!family) return 'not an IP address';
  if (policy.addresses.check(address, family)) return null;
  for (const [kind, list] of refusedRanges) if (list.check(address, family)) return `${kind} address`;
  return null;
}

/**
 * Why a webhook may not go to this URL as written (its scheme, or a host that is a refused IP address), or
 * null. Host names are checked where they are resolved, at connection time.
 */
export function urlRefusal(policy: TargetPolicy, url: URL): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} URLs are not delivered`;
  const host = normalHost(url.hostname);
  if (policy.hosts.has(host) || !familyOf(host)) return null;
  const kind = refusedKind(policy, host);
  return kind ? `${host} is ${kind}; ${HINT}` : null;
}

const resolvedRefusal = (host: string, address: string, kind: string) =>
  `${host} resolves to ${address}, ${kind}; ${HINT}`;

/**
 * Registration-time check of a callback URL: its scheme and host, and what the host resolves to now. A name
 * that does not resolve is not refused here (it may resolve later); every delivery is checked again.
 * Answers why the URL is refused, or null.
 */
export async function callbackRefusal(policy: TargetPolicy, callbackUrl: string): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(callbackUrl);
  } catch {
    return `'${callbackUrl}' is not an absolute URL`;
  }
  const refused = urlRefusal(policy, url);
  const host = normalHost(url.hostname);
  if (refused || familyOf(host) || policy.hosts.has(host)) return refused;
  let resolved: LookupAddress[];
  try {
    resolved = await new Promise<LookupAddress[]>((resolve, reject) =>
      dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
    );
  } catch {
    return null;
  }
  const kinds = resolved.map((a) => refusedKind(policy, a.address));
  if (kinds.length === 0 || kinds.some((k) => k === null)) return null;
  return resolvedRefusal(host, resolved[0].address, kinds[0]!);
}

/**
 * A DNS lookup for sockets that answers only addresses the policy allows, so the connection can only go there.
 * When the name resolves to nothing allowed, the lookup fails with a `BlockedTargetError`.
 */
export function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...options, all: true };
    dnsLookup(hostname, all, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const allowed = addresses.filter((a) => refusedKind(policy, a.address) === null);
      if (allowed.length === 0) {
        const first = addresses[0];
        const reason = first
          ? resolvedRefusal(hostname, first.address, refusedKind(policy, first.address)!)
          : `${hostname} resolves to no address`;
        callback(new BlockedTargetError(`blocked: ${reason}`), '', 0);
        return;
      }
      if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, allowed);
      else callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/**
 * POSTs a webhook body to a URL the policy allows and answers the response's status code. The response body
 * is never read: what another host answers stays out of the delivery log. Throws `BlockedTargetError`
 * before connecting when the target is refused; redirects are not followed.
 */
export function postWebhook(policy: TargetPolicy, target: string, options: PostOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(target);
    const refused = urlRefusal(policy, url);
    if (refused) {
      reject(new BlockedTargetError(`blocked: ${refused}`));
      return;
    }
    const host = normalHost(url.hostname);
    const requestOptions: RequestOptions = {
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      agent: false,
      // A name the operator allowed resolves as usual; every other name only to allowed addresses.
      ...(policy.hosts.has(host) ? {} : { lookup: guardedLookup(policy) }),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, requestOptions, (response: IncomingMessage) => {
      clearTimeout(timer);
      resolve(response.statusCode ?? 0);
      response.destroy();
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(options.body);
  });
}
