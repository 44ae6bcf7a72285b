/**
 * The derived session and its messages in Kore.ai's shapes (`schemas.ts`), field for field as the seed's
 * samples. Every value fits Kore's declared type, whatever the producer left out. Pure.
 */
import { botIdsOf, type Session } from '../../domain/session.js';
import type { SessionEvent } from '../../domain/events.js';
import { KORE_CHANNELS, type KoreChannel, type KoreMessage, type KoreSession } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const present = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isKoreChannel = (value: unknown): value is KoreChannel =>
  (KORE_CHANNELS as readonly unknown[]).includes(value);

/**
 * Kore's channel: the bot surface the producer sent when Kore knows it, else `ivr` for phone sessions and
 * `rtm` (Kore's web chat) for everything else. `koreChannelSql` is the same rule in SQL.
 */
export function koreChannel(s: Pick<Session, 'bot' | 'channel'>): KoreChannel {
  const surface = s.bot?.surface;
  if (isKoreChannel(surface)) return surface;
  return s.channel === 'phone' ? 'ivr' : 'rtm';
}

/** `koreChannel` over the `sessions` row `s`; `known` is the parameter holding KORE_CHANNELS. */
export const koreChannelSql = (known: string) =>
  `CASE WHEN s.doc -> 'bot' ->> 'surface' = ANY(${known}::text[]) THEN s.doc -> 'bot' ->> 'surface'
        WHEN s.channel = 'phone' THEN 'ivr' ELSE 'rtm' END`;

/**
 * The end user: the bot session's user id, else the guest's identity, else — an anonymous guest — a user of
 * its own for the session (Kore gives anonymous users ids too). `koreUserIdSql` is the same rule in SQL.
 */
export function koreUserId(s: Pick<Session, 'sessionId' | 'bot' | 'guest'>): string {
  const identity = s.guest?.identity;
  if (present(s.bot?.userId)) return s.bot.userId;
  return present(identity) ? identity : `u-anon-${s.sessionId}`;
}

export const koreUserIdSql = `COALESCE(NULLIF(s.doc -> 'bot' ->> 'userId', ''),
  NULLIF(s.doc -> 'guest' ->> 'identity', ''), 'u-anon-' || s.session_id)`;

/** The language of a message that carries none: the session's first, else the guest's, else English. */
function defaultLanguage(s: Pick<Session, 'guest'>, languages: readonly string[]): string {
  const guestLanguage = s.guest?.language;
  return languages[0] ?? (present(guestLanguage) ? guestLanguage : 'en');
}

const tagList = (s: Pick<Session, 'tags'>, scope: 'user' | 'session') =>
  s.tags.filter((t) => t.scope === scope).map((t) => ({ value: t.value ?? '', name: t.name }));

export function koreSession(s: Session, botId?: string): KoreSession {
  const languages = s.stats.languages;
  return {
    sessionId: s.sessionId,
    botId: botId ?? botIdsOf(s)[0] ?? '',
    channel: koreChannel(s),
    userId: koreUserId(s),
    start_time: iso(s.created),
    // An open session's end is its latest activity so far.
    end_time: iso(s.ended ?? s.lastEventAt),
    // Messages without a language count in the one they are reported in (see koreMessage).
    session_lang:
      languages.length > 0 ? languages : s.stats.messages > 0 ? [defaultLanguage(s, languages)] : [],
    sessionType: s.stats.guestMessages > 0 ? 'interactive' : 'non-interactive',
    // Kore lists bot sessions only, and every bot session has a containment.
    containmentType: s.containment ?? 'selfService',
    isDeveloper: s.bot?.isDeveloper ?? false,
    sessionStatus: s.ended === null ? 'active' : 'closed',
    tags: { userTags: tagList(s, 'user'), sessionTags: tagList(s, 'session') },
    noOfMessagesExchanged: s.stats.messages,
    noOfTasksExecuted: s.stats.tasksCompleted,
  };
}

export interface MessageRow {
  event: Extract<SessionEvent, { type: 'message' }>;
  session: Pick<Session, 'sessionId' | 'bot' | 'guest' | 'channel' | 'tags' | 'chatbots'> & {
    languages: string[] | null;
  };
}

/** One message; `botId` is the requested bot, else the session's first. */
export function koreMessage({ event, session }: MessageRow, botId: string): KoreMessage {
  const at = Date.parse(event.at);
  const incoming = event.from === 'guest';
  const userId = koreUserId(session);
  const operatorId = event.from === 'operator' ? event.operator?.id : undefined;
  return {
    _id: event.id,
    type: incoming ? 'incoming' : 'outgoing',
    status: incoming ? 'received' : 'delivered',
    createdBy: incoming ? userId : present(operatorId) ? operatorId : botId,
    createdOn: iso(at),
    lmodifiedOn: iso(at),
    channels: [{ type: koreChannel(session) }],
    components: [{ _id: `cp-${event.id}`, cT: 'text', data: { text: event.text } }],
    botId,
    sessionId: session.sessionId,
    userId,
    lang: present(event.lang) ? event.lang : defaultLanguage(session, session.languages ?? []),
    timestampValue: at,
    tags: { messageTags: [], userTags: tagList(session, 'user'), sessionTags: tagList(session, 'session') },
  };
}
