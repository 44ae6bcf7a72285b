/** The derived session and its messages in Kore.ai's shapes, field for field as the seed's samples. Pure. */
import { botIdsOf, type Session } from '../../domain/session.js';
import type { SessionEvent } from '../../domain/events.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Kore's channel: the bot surface the producer sent, else `rtm` (chat), `ivr` (phone) or `rtm`. */
export function koreChannel(s: Pick<Session, 'bot' | 'channel'>): string {
  return s.bot?.surface ?? (s.channel === 'phone' ? 'ivr' : 'rtm');
}

/** The end user: the bot session's user id, else the guest's identity. */
export function koreUserId(s: Pick<Session, 'bot' | 'guest'>): string {
  const identity = s.guest?.identity;
  return s.bot?.userId ?? (typeof identity === 'string' ? identity : '');
}

const tagList = (s: Session, scope: 'user' | 'session') =>
  s.tags.filter((t) => t.scope === scope).map((t) => ({ value: t.value ?? '', name: t.name }));

export function koreSession(s: Session, botId?: string) {
  return {
    sessionId: s.sessionId,
    botId: botId ?? botIdsOf(s)[0] ?? '',
    channel: koreChannel(s),
    userId: koreUserId(s),
    start_time: iso(s.created),
    // An open session's end is its latest activity so far.
    end_time: iso(s.ended ?? s.lastEventAt),
    session_lang: s.stats.languages,
    sessionType: s.stats.guestMessages > 0 ? 'interactive' : 'non-interactive',
    containmentType: s.containment,
    isDeveloper: s.bot?.isDeveloper ?? false,
    sessionStatus: s.ended === null ? 'active' : 'closed',
    tags: { userTags: tagList(s, 'user'), sessionTags: tagList(s, 'session') },
    noOfMessagesExchanged: s.stats.messages,
    noOfTasksExecuted: s.stats.tasksCompleted,
  };
}

export interface MessageRow {
  event: Extract<SessionEvent, { type: 'message' }>;
  session: Pick<Session, 'sessionId' | 'bot' | 'guest' | 'channel' | 'tags' | 'chatbots'>;
}

export function koreMessage({ event, session }: MessageRow, botId: string) {
  const at = Date.parse(event.at);
  const incoming = event.from === 'guest';
  const userId = koreUserId(session);
  return {
    _id: event.id,
    type: incoming ? 'incoming' : 'outgoing',
    status: incoming ? 'received' : 'sent',
    createdBy: incoming ? userId : event.from === 'operator' ? (event.operator?.id ?? botId) : botId,
    createdOn: iso(at),
    lmodifiedOn: iso(at),
    channels: [{ type: koreChannel(session) }],
    components: [{ _id: `cp-${event.id}`, cT: 'text', data: { text: event.text } }],
    botId,
    sessionId: session.sessionId,
    userId,
    lang: event.lang ?? null,
    timestampValue: at,
    tags: {
      userTags: session.tags
        .filter((t) => t.scope === 'user')
        .map((t) => ({ value: t.value ?? '', name: t.name })),
      sessionTags: session.tags
        .filter((t) => t.scope === 'session')
        .map((t) => ({ value: t.value ?? '', name: t.name })),
    },
  };
}
