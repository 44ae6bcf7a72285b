/**
 * The dashboard's only way to the server: the public `/v1` API, signed in by the session cookie the browser
 * sends by itself (same origin). Changes carry `X-Switchboard-UI: 1` (the server's CSRF guard).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the server answers 401: the session ended (sign-out elsewhere, expiry). */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; accept?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
  if (method !== 'GET') headers['x-switchboard-ui'] = '1';
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: init.body === undefined ? null : JSON.stringify(init.body),
    signal: init.signal ?? null,
  });
  if (!response.ok) {
    let code = 'error';
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    if (response.status === 401 && !path.startsWith('/v1/dashboard/session')) onSignedOut();
    throw new ApiError(response.status, code, message);
  }
  if (response.status === 204) return undefined as T;
  return (headers.accept === 'application/json' ? response.json() : response.text()) as Promise<T>;
}

/** Query string of the defined values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

// --- the wire shapes the views read (subsets of the API's schemas) ---

export interface Me {
  tenant: { id: string; name: string; departmentId: number };
  clientId: string;
  role: string;
}

export interface LiveQueue {
  queue: { id: number; name: string | null };
  waiting: number;
  longestWaitMs: number | null;
  /** Sessions not over yet, by mluvii SessionStatus (waiting = IN_QUEUE + WAITING). */
  inProgress: Record<'CREATED' | 'IN_QUEUE' | 'WAITING' | 'BCW' | 'ACTIVE' | 'ACW', number>;
  operators: Record<string, number>;
  /** The queue's service-level settings in effect now (goal 0–1). */
  sl: { thresholdSeconds: number; shortAbandonSeconds: number; abandonsCount: boolean; goal: number };
  today: {
    offered: number;
    answered: number;
    abandoned: number;
    serviceLevel: number | null;
    answeredWithinSl: number;
    slCounted: number;
  };
}
export interface LiveQueues {
  asOf: string;
  timeZone: string;
  queues: LiveQueue[];
}

export interface Metric {
  sum: number;
  count: number;
  max: number | null;
}
export interface QueueRow {
  start: string;
  end: string;
  queue: { id: number; name: string | null };
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  answeredWithinSl: number;
  slCounted: number;
  serviceLevel: number | null;
  waitMs: Metric;
  talkMs: Metric;
  holdMs: Metric;
  acwMs: Metric;
  handleMs: Metric;
  transferred: number;
  operatorTimeouts: number;
}
export interface OperatorRow {
  start: string;
  end: string;
  operator: { id: string; userId: number | null; name: string | null };
  handled: number;
  talkMs: Metric;
  acwMs: Metric;
  handleMs: Metric;
  missedOffers: number;
  /** From operator.state events (docs/metrics.md, "Operator state"). */
  stateMs: Record<string, number>;
  loggedInMs: number;
  availableMs: number;
  awayMs: number;
  breakMs: number;
  breakPaidMs: number;
  breakUnpaidMs: number;
  handlingMs: number;
  occupancy: number | null;
}
/** `GET /v1/operators/timeline`. */
export interface OperatorTimelines {
  from: string;
  to: string;
  operators: {
    operator: { id: string; userId: number | null; name: string | null };
    segments: { state: string; reason: string | null; paid: boolean | null; from: string; to: string }[];
  }[];
}
export interface BotRow {
  start: string;
  end: string;
  bot: { botId: string };
  sessions: number;
  selfService: number;
  dropOff: number;
  agent: number;
}
export interface Report<R> {
  timeZone: string;
  interval: string;
  rows: R[];
}

export type Durations = Record<
  'created' | 'inQueue' | 'waiting' | 'bcw' | 'active' | 'acw' | 'ring' | 'waited',
  number | null
>;
export interface SessionSummary {
  sessionId: string;
  channel: string | null;
  source: string;
  direction: string;
  status: string;
  created: string;
  started: string | null;
  guestJoined: string | null;
  ended: string | null;
  durations: Durations;
  containment: string | null;
  groups: { id: number; name?: string }[];
  operatorIds: string[];
  botIds: string[];
  eventCount: number;
}
export interface SessionPage {
  items: SessionSummary[];
  nextCursor: string | null;
}
export interface OperatorRef {
  id: string;
  userId: number;
  firstName: string | null;
  lastName: string | null;
  userName: string | null;
}
export interface SessionDetail extends SessionSummary {
  operators: (OperatorRef & {
    joined: string | null;
    left: string | null;
    concluded: string | null;
    note: string | null;
    durations: { queue: number | null; acw: number | null };
  })[];
  routing: {
    timestamp: string;
    activityType: string;
    group: { id: number; name?: string } | null;
    operator: OperatorRef | null;
    phoneNumber: string | null;
    forwardedByOperator: OperatorRef | null;
  }[];
  activities: {
    activityId: number;
    time: string;
    type: string;
    client: string | null;
    operatorId: string | null;
    botId: string | null;
    text: string | null;
    fileId: string | null;
    toGroupName: string | null;
    toPhoneNumber: string | null;
  }[];
  tags: { name: string; scope: string; value: string | null }[];
  callParams: Record<string, { value: string; updated: string }>;
  feedback: { stars: number | null; scale: string | null; text: string | null } | null;
  recordings: {
    id: string;
    name: string | null;
    started: string | null;
    durationMs: number | null;
    contentType: string | null;
    deleted: string | null;
    downloadUrl: string;
  }[];
  files: {
    id: string;
    name: string;
    contentType: string | null;
    size: number | null;
    from: string;
    shared: string;
    deleted: string | null;
    downloadUrl: string;
  }[];
  holdCount: number;
  holdMs: number;
  statusHistory: { at: string; status: string }[];
  termination: { reason: string | null; outcome: string | null; containment: string | null } | null;
}

/** The path part of an absolute download URL (the UI stays on its own origin). */
export function localPath(url: string): string {
  try {
    const u = new URL(url, location.href);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}
