/**
 * A seeded, deterministic contact-center simulation producing native events.
 *
 * Arrivals: given N sessions over a window, their times are drawn as a Poisson process conditioned on its
 * count (independent times, thinned by a daily load curve); each arrival's channel is drawn independently, so
 * every channel's arrivals are themselves Poisson. Each session then follows one scripted path — inbound chat,
 * AV or phone through a queue; a callback, outgoing call or preview-campaign call an operator places (before-call
 * work); a progressive or predictive campaign call the dialler places; a bot that
 * self-serves, is dropped or hands off — with random waits, abandons, operator timeouts, forwards, holds,
 * recordings, files, tags, feedback and after-call work. Sessions are independent of one another (no shared
 * operator capacity): the point is realistic event streams, not queueing theory.
 */
import type { EventOf, EventType, Group, SessionEvent } from '../domain/events.js';
import { defaultModel, onShift, type CenterModel, type SimOperator } from './model.js';

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;

const between = (r: Rand, min: number, max: number) => min + r() * (max - min);
const exp = (r: Rand, mean: number) => -Math.log(1 - r()) * mean;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)];
function weighted<T extends string>(r: Rand, weights: Record<T, number>): T {
  const entries = Object.entries(weights) as [T, number][];
  let x = r() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [key, w] of entries) if ((x -= w) < 0) return key;
  return entries.at(-1)![0];
}
const hex = (r: Rand, length: number) =>
  Array.from({ length }, () => Math.floor(r() * 16).toString(16)).join('');

type Fields<T extends EventType> = Omit<EventOf<T>, 'id' | 'sessionId' | 'type' | 'at'>;

/** Writes one session's events with ids `<sessionId>-<n>`. */
class Script {
  readonly events: SessionEvent[] = [];
  constructor(readonly sessionId: string) {}
  emit<T extends EventType>(at: number, type: T, fields: Fields<T>): void {
    this.events.push({
      id: `${this.sessionId}-${this.events.length + 1}`,
      sessionId: this.sessionId,
      type,
      at: new Date(Math.round(at)).toISOString(),
      ...fields,
    } as SessionEvent);
  }
}

const operatorOf = (op: SimOperator) => ({
  id: op.id,
  firstName: op.firstName!,
  lastName: op.lastName!,
  userName: op.userName!,
});

function pickOperator(
  r: Rand,
  model: CenterModel,
  group: number,
  at: number,
  not?: SimOperator,
): SimOperator {
  const skilled = model.operators.filter((op) => op.skills.includes(group) && op !== not);
  const present = skilled.filter((op) => onShift(op, at));
  return pick(r, present.length > 0 ? present : skilled.length > 0 ? skilled : model.operators);
}

const LANDING_PAGES = [
  'https://shop.example.com/help',
  'https://shop.example.com/cart',
  'https://example.com/',
];
/** Entry widgets: mluvii names them; older producers sent numbers. */
const WIDGETS: (string | number)[] = ['web-support', 'eshop-chat', 7];
/** How an outbound dial that nobody answered ends. */
const FAILED_DIALS = ['NO_ANSWER', 'NO_ANSWER', 'REJECTED', 'UNREACHABLE', 'INVALID_NUMBER'] as const;

const GUEST_LINES = [
  'Hello, I need help with my order.',
  'Dobrý den, mám dotaz k faktuře.',
  'Can you check my account?',
  'It still does not work.',
  'Thank you!',
  'Děkuji, to je vše.',
];
const OPERATOR_LINES = [
  'Hello, how can I help?',
  'Let me check that for you.',
  'One moment please.',
  'Is there anything else?',
  'Have a nice day!',
];
const BOT_LINES = [
  'Hi! I am the virtual assistant.',
  'What can I do for you?',
  'Here is what I found.',
  'Anything else?',
];

function guestInfo(r: Rand, index: number) {
  const language = r() < 0.6 ? 'cs' : 'en';
  return {
    identity: `contact-${index}`,
    name: pick(r, ['Karel Dvořák', 'Alice Smith', 'Marie Horáková', 'John Doe', 'Věra Malá']),
    phone: `+420${Math.floor(between(r, 600000000, 799999999))}`,
    email: `guest${index}@example.org`,
    ipAddress: `198.51.100.${Math.floor(r() * 254) + 1}`,
    language,
    os: pick(r, ['Windows', 'macOS', 'Android', 'iOS']),
    browser: pick(r, ['Chrome', 'Firefox', 'Safari', 'Edge']),
    callParams: { customerTier: pick(r, ['gold', 'silver', 'basic']) },
  };
}

/** Queue, assignment (maybe timing out once), acceptance. Returns the accepting operator and the time. */
function route(
  r: Rand,
  model: CenterModel,
  s: Script,
  at: number,
  group: Required<Group>,
): { op: SimOperator; at: number } | null {
  let t = at;
  s.emit(t, 'routing.requested', { group });
  s.emit(t, 'routing.queued', { group });
  // A queue staffed for an 80/20 service level: most guests wait seconds, a few long enough to give up.
  const wait = exp(r, 8_000);
  const patience = exp(r, 150_000);
  if (patience < wait) {
    t += patience;
    s.emit(t, 'guest.left', { state: 'LeftQueue' });
    s.emit(t, 'routing.dequeued', { group });
    s.emit(t, 'routing.ended', {});
    s.emit(t, 'session.ended', { reason: 'GuestAbandoned' });
    return null;
  }
  t += wait;
  s.emit(t, 'routing.dequeued', { group });
  let op = pickOperator(r, model, group.id, t);
  s.emit(t, 'routing.assigned', { operator: operatorOf(op) });
  if (r() < 0.1) {
    t += 15_000;
    s.emit(t, 'routing.operator_timeout', { operator: operatorOf(op) });
    s.emit(t, 'routing.queued', { group });
    t += exp(r, 10_000);
    s.emit(t, 'routing.dequeued', { group });
    op = pickOperator(r, model, group.id, t, op);
    s.emit(t, 'routing.assigned', { operator: operatorOf(op) });
  }
  t += between(r, 2_000, 9_000);
  s.emit(t, 'routing.accepted', { operator: operatorOf(op) });
  s.emit(t, 'operator.joined', { operator: operatorOf(op) });
  return { op, at: t };
}

/** Two-way talk with one operator (forwarding once, sometimes); returns the operators involved and the end. */
function talk(
  r: Rand,
  model: CenterModel,
  s: Script,
  start: number,
  op: SimOperator,
  channel: 'chat' | 'av' | 'phone',
  group: Required<Group>,
): { ops: SimOperator[]; end: number; talkStart: number } {
  let t = start;
  const ops = [op];
  let current = op;
  const lang = r() < 0.6 ? 'cs' : 'en';
  const exchange = (turns: number) => {
    for (let i = 0; i < turns; i++) {
      t += between(r, 4_000, 40_000);
      if (channel === 'chat') {
        const fromGuest = i % 2 === 0;
        s.emit(
          t,
          'message',
          fromGuest
            ? { from: 'guest', text: pick(r, GUEST_LINES), lang }
            : { from: 'operator', text: pick(r, OPERATOR_LINES), operator: operatorOf(current), lang },
        );
      }
    }
    if (channel !== 'chat') t += between(r, 30_000, 400_000);
  };
  exchange(Math.floor(between(r, 2, 10)));
  if (channel === 'phone' && r() < 0.2) {
    s.emit(t, 'session.held', { by: operatorOf(current), reason: 'None', queueName: 'Hold music' });
    t += between(r, 15_000, 90_000);
    s.emit(t, 'session.resumed', { by: operatorOf(current) });
  }
  if (channel === 'chat' && r() < 0.1) {
    t += 5_000;
    s.emit(t, 'file.shared', {
      from: 'guest',
      file: {
        id: `file-${hex(r, 8)}`,
        name: 'screenshot.png',
        contentType: 'image/png',
        size: Math.floor(between(r, 20_000, 900_000)),
      },
    });
  }
  if (r() < 0.08) {
    const target = pick(
      r,
      model.groups.filter((g) => g.id !== group.id),
    );
    t += 3_000;
    s.emit(t, 'routing.forwarded', { group: target, by: operatorOf(current) });
    if (channel === 'phone')
      s.emit(t, 'session.held', { by: operatorOf(current), reason: 'Transferring', queueName: target.name });
    s.emit(t, 'operator.left', { operator: operatorOf(current) });
    s.emit(t + between(r, 5_000, 40_000), 'operator.concluded', {
      operator: operatorOf(current),
      note: 'forwarded',
    });
    t += 1;
    s.emit(t, 'routing.requested', { group: target });
    s.emit(t, 'routing.queued', { group: target });
    t += exp(r, 20_000);
    s.emit(t, 'routing.dequeued', { group: target });
    const next = pickOperator(r, model, target.id, t, current);
    s.emit(t, 'routing.assigned', { operator: operatorOf(next) });
    t += between(r, 2_000, 8_000);
    s.emit(t, 'routing.accepted', { operator: operatorOf(next) });
    if (channel === 'phone') s.emit(t, 'session.resumed', { by: operatorOf(next) });
    s.emit(t, 'operator.joined', { operator: operatorOf(next) });
    current = next;
    ops.push(next);
    exchange(Math.floor(between(r, 2, 6)));
  }
  return { ops, end: t, talkStart: start };
}

/** Ends a talked session: leaving, recording, after-call work, feedback, tags. */
function finish(
  r: Rand,
  s: Script,
  talked: { ops: SimOperator[]; end: number; talkStart: number },
  channel: 'chat' | 'av' | 'phone',
): void {
  const t = talked.end + between(r, 1_000, 5_000);
  const last = talked.ops.at(-1)!;
  const guestEnds = r() < 0.6;
  if (guestEnds) s.emit(t, 'guest.left', { state: 'LeftSession' });
  s.emit(t, 'operator.left', { operator: operatorOf(last) });
  s.emit(t, 'routing.ended', {});
  s.emit(t, 'session.ended', {
    reason: guestEnds ? 'GuestLeft' : 'OperatorLeft',
    outcome: pick(r, ['resolved', 'resolved', 'follow-up', 'unresolved']),
  });
  if (!guestEnds) s.emit(t, 'guest.left', { state: 'LeftAfterSession' });
  if (channel !== 'chat') {
    s.emit(t + 2_000, 'recording.available', {
      recording: {
        id: `rec-${hex(r, 8)}`,
        name: `${s.sessionId}.${channel === 'av' ? 'webm' : 'wav'}`,
        type: 'AllParticipants',
        started: new Date(Math.round(talked.talkStart)).toISOString(),
        durationMs: Math.round(t - talked.talkStart),
        contentType: channel === 'av' ? 'video/webm' : 'audio/wav',
      },
    });
  }
  const acw = between(r, 5_000, 120_000);
  s.emit(t + acw, 'operator.concluded', {
    operator: operatorOf(last),
    ...(r() < 0.5 ? { note: 'Customer helped.' } : {}),
  });
  if (channel === 'chat' && r() < 0.3)
    s.emit(t + 4_000, 'feedback', { stars: 1 + Math.floor(r() * 5), scale: 'Likert' });
  if (r() < 0.3) {
    s.emit(t + acw, 'tags.added', {
      tags: [{ name: pick(r, ['complaint', 'sales-lead', 'vip', 'follow-up']), scope: 'session' }],
    });
  }
}

type Path =
  'chat' | 'av' | 'phone' | 'callback' | 'outgoing' | 'preview' | 'progressive' | 'predictive' | 'bot';

/** Generates the events of one session arriving at `at`. */
export function simulateSession(r: Rand, model: CenterModel, index: number, at: number): SessionEvent[] {
  const s = new Script(hex(r, 24));
  const path = weighted<Path>(r, {
    chat: 32,
    av: 6,
    phone: 24,
    callback: 5,
    outgoing: 4,
    preview: 3,
    progressive: 2,
    predictive: 3,
    bot: 21,
  });
  const group = pick(r, model.groups);
  switch (path) {
    case 'chat':
    case 'av':
    case 'phone': {
      s.emit(at, 'session.created', {
        channel: path,
        source: path === 'phone' ? 'IncomingCall' : 'Default',
        direction: 'inbound',
        // Some callers withhold their number and some chats start before any data is known.
        ...(r() < 0.15 ? {} : { guest: guestInfo(r, index) }),
        ...(path === 'phone'
          ? {
              telephony: {
                from: `+420${Math.floor(between(r, 600000000, 799999999))}`,
                to: '+420222111000',
                callSid: `CA${hex(r, 32)}`,
              },
            }
          : { url: pick(r, LANDING_PAGES), widget: pick(r, WIDGETS) }),
      });
      s.emit(at + between(r, 200, 2_000), 'guest.joined', {});
      const routed = route(r, model, s, at + between(r, 2_000, 4_000), group);
      if (routed) finish(r, s, talk(r, model, s, routed.at, routed.op, path, group), path);
      break;
    }
    case 'callback':
    case 'outgoing':
    case 'preview':
      operatorDial(r, model, s, index, at, group, path);
      break;
    case 'progressive':
    case 'predictive':
      campaignDial(r, model, s, index, at, group, path);
      break;
    case 'bot':
      botSession(r, model, s, index, at, group);
      break;
    default: {
      const unreachable: never = path;
      throw new Error(`unknown path ${String(unreachable)}`);
    }
  }
  return s.events;
}

/**
 * A session an operator creates: a callback to a number the guest left, a manual outgoing call, or a preview
 * campaign call (the operator reads the contact first, then dials). The operator is in the session from its
 * creation, so it starts then; the guest joins when the call is answered.
 */
function operatorDial(
  r: Rand,
  model: CenterModel,
  s: Script,
  index: number,
  at: number,
  group: Required<Group>,
  path: 'callback' | 'outgoing' | 'preview',
): void {
  const op = pickOperator(r, model, group.id, at);
  const number = `+420${Math.floor(between(r, 600000000, 799999999))}`;
  s.emit(at, 'session.created', {
    channel: 'phone',
    source: path === 'callback' ? 'Callback' : path === 'outgoing' ? 'OutgoingCall' : 'Campaign',
    direction: 'outbound',
    operator: operatorOf(op),
    phoneCallbackNumber: number,
    ...(r() < 0.8 ? { guest: { ...guestInfo(r, index), phone: number } } : {}),
    ...(path === 'preview' ? { campaign: { id: 7, mode: 'preview' as const } } : {}),
  });
  s.emit(at, 'operator.joined', { operator: operatorOf(op) });
  let t = at + (path === 'preview' ? between(r, 10_000, 60_000) : between(r, 500, 3_000));
  s.emit(t, 'dial.result', { state: 'DIALING' });
  t += between(r, 5_000, 25_000);
  if (r() < 0.72) {
    s.emit(t, 'dial.result', { state: 'ANSWERED' });
    s.emit(t, 'guest.joined', {});
    finish(r, s, talk(r, model, s, t, op, 'phone', group), 'phone');
    return;
  }
  s.emit(t, 'dial.result', { state: pick(r, FAILED_DIALS) });
  s.emit(t, 'operator.left', { operator: operatorOf(op) });
  s.emit(t, 'session.ended', { reason: path === 'preview' ? 'CampaignFailedDial' : 'OperatorLeft' });
  s.emit(t + between(r, 2_000, 20_000), 'operator.concluded', { operator: operatorOf(op) });
}

/**
 * A campaign call the dialler places. Progressive: an operator is reserved (assigned and accepted) first, then
 * the number is dialled. Predictive: the number is dialled first and an answered call is queued for the next
 * free operator — and abandoned when nobody takes it in time.
 */
function campaignDial(
  r: Rand,
  model: CenterModel,
  s: Script,
  index: number,
  at: number,
  group: Required<Group>,
  mode: 'progressive' | 'predictive',
): void {
  const number = `+420${Math.floor(between(r, 600000000, 799999999))}`;
  s.emit(at, 'session.created', {
    channel: 'phone',
    source: 'Campaign',
    direction: 'outbound',
    phoneCallbackNumber: number,
    campaign: { id: mode === 'progressive' ? 8 : 9, mode },
    guest: { ...guestInfo(r, index), phone: number },
  });
  let t = at;
  let op: SimOperator | null = null;
  if (mode === 'progressive') {
    op = pickOperator(r, model, group.id, t);
    s.emit(t, 'routing.requested', { group });
    s.emit(t, 'routing.assigned', { operator: operatorOf(op) });
    t += between(r, 1_000, 4_000);
    s.emit(t, 'routing.accepted', { operator: operatorOf(op) });
    s.emit(t, 'operator.joined', { operator: operatorOf(op) });
  }
  s.emit(t, 'dial.result', { state: 'DIALING' });
  t += between(r, 5_000, 25_000);
  if (r() >= 0.7) {
    s.emit(t, 'dial.result', { state: pick(r, FAILED_DIALS) });
    if (op) {
      s.emit(t, 'routing.ended', {});
      s.emit(t, 'operator.left', { operator: operatorOf(op) });
    }
    s.emit(t, 'session.ended', { reason: 'CampaignFailedDial' });
    if (op) s.emit(t + between(r, 2_000, 10_000), 'operator.concluded', { operator: operatorOf(op) });
    return;
  }
  s.emit(t, 'dial.result', { state: 'ANSWERED' });
  s.emit(t, 'guest.joined', {});
  if (op) {
    finish(r, s, talk(r, model, s, t, op, 'phone', group), 'phone');
    return;
  }
  // Predictive: a short queue; the answered guest hears silence and hangs up if it lasts.
  s.emit(t, 'routing.requested', { group });
  s.emit(t, 'routing.queued', { group });
  const wait = exp(r, 2_500);
  if (wait > 8_000) {
    t += between(r, 3_000, 8_000);
    s.emit(t, 'guest.left', { state: 'LeftQueue' });
    s.emit(t, 'routing.dequeued', { group });
    s.emit(t, 'routing.ended', {});
    s.emit(t, 'session.ended', { reason: 'GuestAbandoned' });
    return;
  }
  t += wait;
  s.emit(t, 'routing.dequeued', { group });
  const taker = pickOperator(r, model, group.id, t);
  s.emit(t, 'routing.assigned', { operator: operatorOf(taker) });
  t += between(r, 300, 1_500);
  s.emit(t, 'routing.accepted', { operator: operatorOf(taker) });
  s.emit(t, 'operator.joined', { operator: operatorOf(taker) });
  finish(r, s, talk(r, model, s, t, taker, 'phone', group), 'phone');
}

function botSession(
  r: Rand,
  model: CenterModel,
  s: Script,
  index: number,
  at: number,
  group: Required<Group>,
): void {
  const bot = pick(r, model.bots);
  const botRef = { botId: bot.botId, chatbotId: bot.chatbotId, name: bot.name };
  const lang = r() < 0.7 ? 'en' : 'cs';
  s.emit(at, 'session.created', {
    channel: 'chat',
    source: 'Default',
    direction: 'inbound',
    guest: guestInfo(r, index),
    bot: {
      botId: bot.botId,
      userId: `u-${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}`,
      surface: pick(r, ['rtm', 'rtm', 'msteams', 'facebook']),
      isDeveloper: r() < 0.03,
    },
  });
  s.emit(at, 'guest.joined', {});
  s.emit(at, 'bot.joined', { bot: botRef });
  let t = at + 500;
  s.emit(t, 'message', { from: 'bot', text: BOT_LINES[0], lang });
  const outcome = weighted(r, { selfService: 55, dropOff: 25, agent: 20 });
  if (outcome === 'selfService' && r() < 0.15) {
    // Non-interactive: the guest never writes.
    t += between(r, 5_000, 60_000);
    s.emit(t, 'message', { from: 'bot', text: BOT_LINES[1], lang });
    t += between(r, 30_000, 120_000);
    s.emit(t, 'guest.left', { state: 'LeftSession' });
    s.emit(t, 'bot.left', { bot: botRef });
    s.emit(t, 'session.ended', { reason: 'GuestLeft' });
    return;
  }
  const task = pick(r, ['Check order status', 'Reset password', 'Book appointment', 'Billing question']);
  t += between(r, 3_000, 20_000);
  s.emit(t, 'message', { from: 'guest', text: pick(r, GUEST_LINES), lang });
  s.emit(t + 300, 'bot.task', { name: task, status: 'started' });
  t += between(r, 2_000, 15_000);
  switch (outcome) {
    case 'selfService':
      s.emit(t, 'bot.task', { name: task, status: 'completed' });
      s.emit(t, 'message', { from: 'bot', text: BOT_LINES[2], lang });
      t += between(r, 3_000, 30_000);
      s.emit(t, 'message', { from: 'guest', text: 'Thank you!', lang });
      s.emit(t + 1_000, 'message', { from: 'bot', text: BOT_LINES[3], lang });
      t += between(r, 5_000, 30_000);
      s.emit(t, 'guest.left', { state: 'LeftSession' });
      s.emit(t, 'bot.left', { bot: botRef });
      s.emit(t, 'session.ended', { reason: 'GuestLeft' });
      break;
    case 'dropOff':
      s.emit(t, 'guest.left', { state: 'LeftSession' });
      s.emit(t, 'bot.task', { name: task, status: 'failed' });
      s.emit(t, 'bot.left', { bot: botRef });
      s.emit(t, 'session.ended', { reason: 'GuestAbandoned' });
      break;
    case 'agent': {
      s.emit(t, 'message', { from: 'bot', text: 'Let me connect you with a colleague.', lang });
      s.emit(t, 'bot.handoff', { group });
      s.emit(t, 'bot.left', { bot: botRef });
      const routed = route(r, model, s, t + 500, group);
      if (routed) finish(r, s, talk(r, model, s, routed.at, routed.op, 'chat', group), 'chat');
      break;
    }
  }
}

export interface SimulateOptions {
  seed: number;
  sessions: number;
  /** Window of arrivals, epoch ms. */
  start: number;
  end: number;
  model?: CenterModel;
}

/** Daily load curve (UTC hours): quiet nights, busy office hours. */
function load(at: number): number {
  const hour = new Date(at).getUTCHours();
  if (hour >= 8 && hour < 17) return 1;
  if (hour >= 6 && hour < 21) return 0.5;
  return 0.12;
}

/** Arrival times of `count` sessions in [start, end), sorted. */
export function arrivals(r: Rand, count: number, start: number, end: number): number[] {
  const times: number[] = [];
  while (times.length < count) {
    const at = start + r() * (end - start);
    if (r() < load(at)) times.push(at);
  }
  return times.sort((a, b) => a - b);
}

/** Every session of the simulation, one event list at a time, in arrival order. */
export function* simulate(options: SimulateOptions): Generator<SessionEvent[]> {
  const r = rng(options.seed);
  const model = options.model ?? defaultModel;
  const times = arrivals(r, options.sessions, options.start, options.end);
  for (let i = 0; i < times.length; i++) yield simulateSession(r, model, i, times[i]);
}
