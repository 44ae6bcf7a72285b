/**
 * Kore.ai's response shapes as its documentation declares them (seed 004 for sessions, the Conversation
 * History page for messages): the routes' response schemas (OpenAPI, serialisation) and the contract the
 * tests check every answer against. Exact: closed objects, enums as Kore lists them, ISO instants with
 * milliseconds and Z, integers where Kore counts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CONTAINMENT_TYPES, literals } from '../../domain/events.js';

/** `YYYY-MM-DDThh:mm:ss.mmmZ`, as Kore writes every instant. */
export const KORE_INSTANT_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';
const Instant = Type.String({ pattern: KORE_INSTANT_PATTERN });
const Count = Type.Integer({ minimum: 0 });
const Id = Type.String({ minLength: 1 });

/**
 * Channels Kore names: the seed's list for `sessions.channel` and the Conversation History page's list for
 * `channelType` (the same vocabulary, that page's being longer).
 */
export const KORE_CHANNELS = [
  'rtm',
  'sms',
  'email',
  'slack',
  'skype',
  'twitter',
  'msteams',
  'api',
  'kore',
  'facebook',
  'skypeforbusiness',
  'spark',
  'wfacebook',
  'ringcentral',
  'jabber',
  'yammer',
  'alexa',
  'twiliovoice',
  'telegram',
  'ivr',
  'ivrVoice',
  'smartassist',
  'line',
  'liveperson',
  'googleactions',
  'hangoutchat',
  'mattermost',
  'rcs',
] as const;
export type KoreChannel = (typeof KORE_CHANNELS)[number];

const TagList = Type.Array(
  Type.Object({ value: Type.String(), name: Type.String() }, { additionalProperties: false }),
);

export const KoreSession = Type.Object(
  {
    sessionId: Id,
    botId: Id,
    channel: literals(KORE_CHANNELS),
    userId: Id,
    start_time: Instant,
    end_time: Instant,
    session_lang: Type.Array(Type.String({ minLength: 1 })),
    sessionType: literals(['interactive', 'non-interactive'] as const),
    containmentType: literals(CONTAINMENT_TYPES),
    isDeveloper: Type.Boolean(),
    sessionStatus: literals(['active', 'closed'] as const),
    tags: Type.Object({ userTags: TagList, sessionTags: TagList }, { additionalProperties: false }),
    noOfMessagesExchanged: Count,
    noOfTasksExecuted: Count,
  },
  { additionalProperties: false },
);
export type KoreSession = Static<typeof KoreSession>;

export const GetSessionsResponse = Type.Object(
  {
    total: Count,
    moreAvailable: Type.Boolean(),
    sessions: Type.Array(KoreSession),
    /** Only when the request named session ids: those not found. */
    invalidSessions: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

/** Kore's documented message statuses (Conversation History: "received, queued, in progress, delivered, or pending"). */
export const KORE_MESSAGE_STATUSES = ['received', 'queued', 'in progress', 'delivered', 'pending'] as const;

export const KoreMessage = Type.Object(
  {
    _id: Id,
    type: literals(['incoming', 'outgoing'] as const),
    status: literals(KORE_MESSAGE_STATUSES),
    createdBy: Id,
    createdOn: Instant,
    lmodifiedOn: Instant,
    channels: Type.Array(Type.Object({ type: literals(KORE_CHANNELS) }, { additionalProperties: false }), {
      minItems: 1,
    }),
    components: Type.Array(
      Type.Object(
        {
          _id: Id,
          cT: Type.Literal('text'),
          data: Type.Object({ text: Type.String() }, { additionalProperties: false }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    botId: Id,
    sessionId: Id,
    userId: Id,
    lang: Type.String({ minLength: 1 }),
    timestampValue: Count,
    tags: Type.Object(
      { messageTags: TagList, userTags: TagList, sessionTags: TagList },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type KoreMessage = Static<typeof KoreMessage>;

export const GetMessagesResponse = Type.Object(
  { total: Count, moreAvailable: Type.Boolean(), messages: Type.Array(KoreMessage) },
  { additionalProperties: false },
);

export const KoreErrorResponse = Type.Object(
  {
    errors: Type.Array(
      Type.Object({ msg: Type.String(), code: Type.Integer() }, { additionalProperties: false }),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);
