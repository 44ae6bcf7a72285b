/**
 * The Kore contract: every answer of every Kore endpoint, over the simulator's whole variety of sessions
 * (every path, source, channel, campaign mode and bot outcome; with and without guest data, bot user ids,
 * languages and session.created; open and closed; Kore's surfaces and unknown ones), fits the types Kore
 * declares (seed 004 and the Conversation History page) exactly — checked with TypeBox, value by value.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import { defaultModel } from '../../src/simulator/model.js';
import { CONTAINMENT_TYPES, SESSION_SOURCES, type SessionEvent } from '../../src/domain/events.js';
import type { Session } from '../../src/domain/session.js';
import { koreMessage, koreSession } from '../../src/dialects/kore/map.js';
import {
  GetMessagesResponse,
  GetSessionsResponse,
  KORE_CHANNELS,
  KoreErrorResponse,
  KoreMessage,
  KoreSession,
} from '../../src/dialects/kore/schemas.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
const IVR_BOT = 'st-9c3e1d20-7b4a-5f68-8e21-4d0c6b9a7f13';
const BOTS = [...defaultModel.bots.map((b) => b.botId), IVR_BOT];
const SURFACES = [...KORE_CHANNELS, 'webchat', 'whatsapp-business', undefined];
const MODES = ['preview', 'progressive', 'predictive'] as const;

let h: Harness;
let auth = '';
/** What the variety put in, to prove it reached the answers. */
const made = { noGuest: 0, noUserId: 0, noLang: 0, open: 0, noCreated: 0, explicit: 0, botJoinedOnly: 0 };
const modes = new Set<string>();
const sources = new Set<string>();
const sessionChannels = new Set<string>();

type Mutable = Record<string, any> & { type: string; at: string; sessionId: string; id: string };

/** Turns one simulated session into a variant, deterministically by its index. */
function vary(events: SessionEvent[], i: number): Mutable[] {
  let list = events.map((e) => structuredClone(e) as unknown as Mutable);
  const created = list.find((e) => e.type === 'session.created')!;
  const sid = created.sessionId;
  const isBot = created.bot !== undefined;
  if (created.campaign) {
    created.campaign.mode = MODES[i % 3];
    modes.add(created.campaign.mode);
  }
  // The simulator sends no faxes: some video calls become fax sessions.
  if (created.channel === 'av' && i % 2 === 0) created.channel = 'fax';
  sessionChannels.add(created.channel);
  if (created.channel === 'chat' || created.channel === 'av')
    created.source = SESSION_SOURCES[i % SESSION_SOURCES.length];
  sources.add(created.source);
  if (!isBot && i % 4 !== 3) {
    // A bot in front of every kind of session: IVR for calls, chat bots for the rest.
    const botId = created.channel === 'phone' ? IVR_BOT : BOTS[i % 2];
    if (i % 9 === 1) {
      // Only a bot.joined names the bot (no session.created.bot).
      list.splice(1, 0, {
        id: `${sid}-bj`,
        sessionId: sid,
        type: 'bot.joined',
        at: created.at,
        bot: { botId },
      });
      made.botJoinedOnly++;
    } else {
      created.bot = { botId, userId: `u-${sid.slice(0, 8)}`, isDeveloper: i % 13 === 0 };
    }
    // The bot's prompt and the caller's answer (an IVR transcript, or a chat bot's greeting); some say nothing.
    const at = (ms: number) => new Date(Date.parse(created.at) + ms).toISOString();
    if (i % 8 !== 6)
      list.push(
        {
          id: `${sid}-b1`,
          sessionId: sid,
          type: 'message',
          at: at(400),
          from: 'bot',
          text: 'How can I help?',
          lang: 'en',
        },
        {
          id: `${sid}-b2`,
          sessionId: sid,
          type: 'message',
          at: at(1400),
          from: 'guest',
          text: 'billing',
          lang: 'en',
        },
      );
  }
  if (created.bot) {
    const surface = SURFACES[i % SURFACES.length];
    if (surface === undefined) delete created.bot.surface;
    else created.bot.surface = surface;
    if (i % 5 === 2) {
      delete created.bot.userId;
      made.noUserId++;
    }
    if (i % 17 === 3) created.bot.isDeveloper = true;
  }
  if (i % 4 === 1) {
    delete created.guest;
    made.noGuest++;
  }
  if (i % 6 === 3) {
    for (const e of list) if (e.type === 'message') delete e.lang;
    made.noLang++;
  }
  if (i % 5 === 0) {
    list.push({
      id: `${sid}-tags`,
      sessionId: sid,
      type: 'tags.added',
      at: created.at,
      tags: [
        { name: 'tier', scope: 'user', value: ['gold', 'silver'][i % 2] },
        { name: 'reviewed', scope: 'session' },
      ],
    });
  }
  const ended = list.find((e) => e.type === 'session.ended');
  if (ended && i % 11 === 6) {
    ended.containment = CONTAINMENT_TYPES[i % 3];
    made.explicit++;
  }
  if (ended && i % 7 === 4) {
    // Still open: nothing from the end on has arrived.
    list = list.filter((e) => e.at < ended.at);
    made.open++;
  }
  if (i % 19 === 5 && list.some((e) => e.type === 'bot.joined')) {
    // session.created has not arrived (yet).
    list = list.filter((e) => e !== created);
    made.noCreated++;
  }
  return list;
}

before(async () => {
  h = await harness({ now: () => NOW });
  const sessions = [...simulate({ seed: 23, sessions: 500, start: NOW - 6.5 * DAY, end: NOW - DAY / 2 })];
  const events = sessions.map(vary);
  for (let i = 0; i < events.length; i += 100) await h.ingest(events.slice(i, i + 100).flat());
  await h.db.query('UPDATE tenants SET kore_per_minute = 1000000, kore_per_hour = 1000000 WHERE id = $1', [
    h.tenant.id,
  ]);
  auth = await new SignJWT({ appId: h.tenant.credentials.clientId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('contract')
    .setIssuedAt(Math.floor(NOW / 1000))
    .sign(new TextEncoder().encode(h.tenant.credentials.clientSecret));
});
after(() => h.close());

/** Asserts `value` fits `schema`, listing the first mismatches with their paths. */
function conforms(schema: TSchema, value: unknown, label: string): void {
  if (Value.Check(schema, value)) return;
  const errors = [...Value.Errors(schema, value)]
    .slice(0, 5)
    .map((e) => `${e.path}: ${e.message} (got ${JSON.stringify(e.value)})`);
  assert.fail(`${label} does not fit Kore's declared types:\n  ${errors.join('\n  ')}`);
}

async function call(method: 'GET' | 'POST', url: string, body?: unknown) {
  const response = await h.request({
    method,
    url,
    headers: { auth, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { payload: body === undefined ? '' : JSON.stringify(body) } : {}),
  });
  const label = `${method} ${url} ${body === undefined ? '' : JSON.stringify(body).slice(0, 120)}`;
  if (response.statusCode !== 200) {
    conforms(KoreErrorResponse, response.json(), label);
    assert.fail(`${label}: ${response.statusCode} ${response.body}`);
  }
  return { body: response.json(), label };
}

type Sessions = { total: number; moreAvailable: boolean; sessions: any[]; invalidSessions?: string[] };
type Messages = { total: number; moreAvailable: boolean; messages: any[] };

/** Every page of a getSessions call, each checked; returns every session. */
async function walkSessions(url: string, body: Record<string, unknown> = {}, limit = 100) {
  const all: any[] = [];
  for (let skip = 0; ; skip += limit) {
    const { body: page, label } = await call('POST', url, { ...body, skip, limit });
    conforms(GetSessionsResponse, page, label);
    const typed = page as Sessions;
    assert.equal(typed.invalidSessions, undefined, 'invalidSessions only with sessionId');
    all.push(...typed.sessions);
    assert.equal(typed.moreAvailable, skip + typed.sessions.length < typed.total, label);
    if (!typed.moreAvailable) {
      assert.equal(all.length, typed.total, label);
      return all;
    }
  }
}

/** Every page of a messages call (GET: parameters in the query), each checked; returns every message. */
async function walkMessages(
  method: 'GET' | 'POST',
  url: string,
  params: Record<string, string> = {},
  limit = 100,
) {
  const all: any[] = [];
  for (let skip = 0; ; skip += limit) {
    const query = { ...params, skip: String(skip), limit: String(limit) };
    const { body: page, label } =
      method === 'GET'
        ? await call('GET', `${url}?${new URLSearchParams(query).toString()}`)
        : await call('POST', url, { ...params, skip, limit });
    conforms(GetMessagesResponse, page, label);
    const typed = page as Messages;
    all.push(...typed.messages);
    assert.equal(typed.moreAvailable, skip + typed.messages.length < typed.total, label);
    if (!typed.moreAvailable) {
      assert.equal(all.length, typed.total, label);
      return all;
    }
  }
}

async function botSessionDocs(): Promise<Session[]> {
  const rows = await h.db.query<{ doc: Session }>(
    "SELECT doc FROM sessions WHERE tenant_id = $1 AND bot_ids <> '{}' ORDER BY session_id",
    [h.tenant.id],
  );
  return rows.rows.map((r) => r.doc);
}

test('the variety reached the store: every source path, campaign mode and gap the contract must survive', async () => {
  assert.deepEqual([...modes].sort(), [...MODES].sort());
  assert.deepEqual([...sessionChannels].sort(), ['av', 'chat', 'fax', 'phone']);
  assert.ok(sources.size >= 8, [...sources].join());
  for (const [what, n] of Object.entries(made)) assert.ok(n > 3, `${what}: ${n}`);
  const docs = await botSessionDocs();
  assert.ok(docs.length > 300, `bot sessions: ${docs.length}`);
  // Every bot session maps to a value that fits (the mapper itself, before any serialisation).
  for (const doc of docs) conforms(KoreSession, koreSession(doc), `koreSession(${doc.sessionId})`);
});

test('getSessions for all bots: every page, every containmentType, explicit windows; every value typed', async () => {
  const docs = await botSessionDocs();
  const all = await walkSessions('/api/public/getSessions');
  assert.deepEqual(all.map((s) => s.sessionId).sort(), docs.map((d) => d.sessionId).sort());
  const starts = all.map((s) => Date.parse(s.start_time));
  assert.deepEqual(
    starts,
    [...starts].sort((a, b) => b - a),
    'newest first',
  );

  // The answers span every value Kore declares, so each enum was really exercised.
  const seen = (key: string) => new Set(all.map((s) => JSON.stringify(s[key])));
  assert.equal(seen('sessionType').size, 2);
  assert.equal(seen('containmentType').size, 3);
  assert.equal(seen('sessionStatus').size, 2);
  assert.equal(seen('isDeveloper').size, 2);
  assert.ok(seen('channel').size >= 20, [...seen('channel')].join());
  assert.ok(all.some((s) => s.session_lang.length === 0) && all.some((s) => s.session_lang.length > 0));
  assert.ok(
    all.some((s) => s.userId.startsWith('u-anon-')),
    'anonymous guests have a user id',
  );
  assert.ok(
    all.some((s) => s.tags.userTags.length > 0 && s.tags.sessionTags.some((t: any) => t.value === '')),
  );

  let byContainment = 0;
  for (const containment of CONTAINMENT_TYPES) {
    const part = await walkSessions(`/api/public/getSessions?containmentType=${containment}`);
    assert.ok(part.every((s) => s.containmentType === containment));
    byContainment += part.length;
  }
  assert.equal(byContainment, all.length);

  // Day windows (yyyy-mm-ddThh:mm:ss.msZ, both ends inclusive) partition the week.
  const days: any[] = [];
  for (let d = 7; d >= 0; d--) {
    const from = new Date(Date.parse(new Date(NOW - d * DAY).toISOString().slice(0, 10)));
    const dateFrom = from.toISOString();
    const dateTo = new Date(from.getTime() + DAY - 1).toISOString();
    days.push(...(await walkSessions('/api/public/getSessions', { dateFrom, dateTo })));
  }
  assert.deepEqual(days.map((s) => s.sessionId).sort(), all.map((s) => s.sessionId).sort());
  for (const sessionType of ['interactive', 'non-interactive']) {
    const part = await walkSessions('/api/public/getSessions', { sessionType }, 250);
    assert.ok(part.length > 0 && part.every((s) => s.sessionType === sessionType), sessionType);
  }
});

test('getSessions per bot, and by sessionId with invalidSessions; every value typed', async () => {
  const all = await walkSessions('/api/public/getSessions');
  let perBot = 0;
  for (const botId of BOTS) {
    const sessions = await walkSessions(`/api/public/bot/${botId}/getSessions`, {}, 73);
    assert.ok(sessions.length > 20, botId);
    assert.ok(sessions.every((s) => s.botId === botId));
    perBot += sessions.length;
  }
  assert.ok(perBot >= all.length, 'every session belongs to some bot');
  assert.deepEqual(await walkSessions('/api/public/bot/st-unknown/getSessions'), []);

  const ids = all.map((s) => s.sessionId);
  const seenInvalid: string[] = [];
  for (let i = 0; i < ids.length; i += 45) {
    const chunk = [...ids.slice(i, i + 45), `6465cf6e47Q9ed4e822b8${String(i).padStart(3, '0')}`, 'open-1'];
    const { body, label } = await call('POST', '/api/public/getSessions', { sessionId: chunk });
    conforms(GetSessionsResponse, body, label);
    assert.equal(body.total, chunk.length - 2);
    assert.equal(body.sessions.length, chunk.length - 2);
    assert.equal(body.moreAvailable, false);
    seenInvalid.push(...body.invalidSessions);
    const forBot = await call('POST', `/api/public/bot/${IVR_BOT}/getSessions`, { sessionId: chunk });
    conforms(GetSessionsResponse, forBot.body, forBot.label);
    assert.ok(forBot.body.sessions.every((s: any) => s.botId === IVR_BOT));
    assert.equal(forBot.body.sessions.length + forBot.body.invalidSessions.length, chunk.length);
  }
  assert.equal(seenInvalid.length, 2 * Math.ceil(ids.length / 45));
});

test('messages: getMessages and getMessagesV2, GET and POST, per bot and for all bots; every value typed', async () => {
  let perBot = 0;
  const docs = new Map((await botSessionDocs()).map((d) => [d.sessionId, d]));
  for (const botId of BOTS) {
    const v1 = await walkMessages('POST', `/api/public/bot/${botId}/getMessages`);
    const v2 = await walkMessages('POST', `/api/public/bot/${botId}/getMessagesV2`, {}, 10_000);
    const v2Get = await walkMessages('GET', `/api/public/bot/${botId}/getMessagesV2`, {}, 10_000);
    assert.ok(v1.length > 50, botId);
    for (const other of [v2, v2Get]) assert.deepEqual(other, v1);
    assert.ok(v1.every((m) => m.botId === botId && docs.has(m.sessionId)));
    assert.equal(new Set(v1.map((m) => m.type)).size, 2);
    perBot += v1.length;
  }
  const botId = BOTS[0];
  const v1 = await walkMessages('GET', `/api/public/bot/${botId}/getMessages`);
  assert.deepEqual(v1, await walkMessages('POST', `/api/public/bot/${botId}/getMessages`));
  // channelType and userId select exactly what the answers say.
  const channels = new Set(v1.map((m) => m.channels[0].type as string));
  assert.ok(channels.size >= 20, [...channels].join());
  let byChannel = 0;
  for (const channelType of channels) {
    const part = await walkMessages('GET', `/api/public/bot/${botId}/getMessagesV2`, { channelType }, 10_000);
    assert.ok(part.length > 0 && part.every((m) => m.channels[0].type === channelType), channelType);
    byChannel += part.length;
  }
  assert.equal(byChannel, v1.length, 'channels partition the messages');
  const anonymous = v1.find((m) => m.userId.startsWith('u-anon-'))!;
  const mine = await walkMessages('POST', `/api/public/bot/${botId}/getMessages`, {
    userId: anonymous.userId,
  });
  assert.ok(mine.length > 0 && mine.every((m) => m.sessionId === anonymous.sessionId));

  // The Bot Admin Console call: every bot's messages.
  const everyBot = await walkMessages('POST', '/api/public/getMessages');
  assert.ok(everyBot.length > 0 && everyBot.length <= perBot);
  assert.ok(everyBot.every((m) => BOTS.includes(m.botId)));

  // The mapper itself, for every stored message event (before any serialisation).
  const events = await h.db.query<{ body: SessionEvent; session_id: string }>(
    "SELECT body, session_id FROM events WHERE tenant_id = $1 AND type = 'message'",
    [h.tenant.id],
  );
  let checked = 0;
  for (const row of events.rows) {
    const doc = docs.get(row.session_id);
    if (!doc) continue;
    const message = koreMessage(
      {
        event: row.body as Extract<SessionEvent, { type: 'message' }>,
        session: { ...doc, languages: doc.stats.languages },
      },
      BOTS[0],
    );
    conforms(KoreMessage, message, `koreMessage(${row.body.id})`);
    checked++;
  }
  assert.ok(checked > 500, `${checked} messages`);
});
