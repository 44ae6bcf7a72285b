/**
 * mluvii's published models as typed schemas (../shared/reference/mluvii-models.md): the types that
 * mluvii.ApiModels (Newtonsoft.Json), the generated Go client and System.Text.Json clients deserialize into.
 * A value that does not fit — a string where an integer is declared, null in a non-nullable value type, an
 * enum name the client does not know — crashes a client or becomes UNKNOWN silently.
 *
 * Reference types (strings, lists, dictionaries, objects) are nullable in C#; value types (int, long, bool,
 * DateTimeOffset, enums) are nullable only where the model says `?`. Every declared property is required
 * here so that a field the server forgets is caught too; extra properties are allowed (clients ignore them).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import assert from 'node:assert/strict';

const Null = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Int32 = Type.Integer({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1 });
const Int64 = Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
/** DateTimeOffset: ISO 8601 with an offset, years 0001–9999. */
const Dto = Type.String({
  pattern: '^(?!0000)\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,7})?([+-]\\d{2}:\\d{2}|Z)$',
});
/** A TimeSpan written as ISO 8601 (what XmlConvert and the Go client read). */
const Duration = Type.String({ pattern: '^-?P(\\d+D)?(T(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$' });
const Guid = Type.String({ pattern: '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$' });
const Str = Null(Type.String());
const Bool = Type.Boolean();
const Enum = (...names: string[]) => Type.Union(names.map((n) => Type.Literal(n)));
const List = <T extends TSchema>(item: T) => Null(Type.Array(item));

export const ENUMS = {
  SessionChannel: ['UNKNOWN', 'Chat', 'AV', 'Phone'],
  SessionSource: [
    'UNKNOWN',
    'Default',
    'Callback',
    'Invitation',
    'ChatInvitation',
    'IncomingCall',
    'OutgoingCall',
    'Campaign',
    'API',
    'Facebook',
    'WhatsApp',
    'VK',
    'Apple',
    'GenericChannel',
  ],
  SessionStatus: [
    'UNKNOWN',
    'CREATED',
    'IN_QUEUE',
    'WAITING',
    'ACTIVE',
    'ACW',
    'BCW',
    'CLOSED',
    'BLACKLISTED',
  ],
  ClientAVSupport: ['UNKNOWN', 'WEB_RTC', 'FLASH_ONLY', 'NONE'],
  GuestOSType: ['UNKNOWN', 'OTHER', 'WINDOWS', 'OSX', 'LINUX', 'ANDROID', 'IOS'],
  GuestBrowserType: [
    'UNKNOWN',
    'OTHER',
    'IE_LOW',
    'IE_8',
    'IE_9',
    'IE_10',
    'IE_11',
    'IE_HI',
    'CHROME',
    'OPERA',
    'FF',
    'SAFARI',
    'EDGE',
    'CHROMIUM_EDGE',
  ],
  FeedbackScale: ['UNKNOWN', 'Likert', 'NPS'],
  SessionRecordingsState: ['UNKNOWN', 'Processed', 'FailedToProcess', 'Processing'],
  GuestLeftSessionInState: [
    'UNKNOWN',
    'LeftQueue',
    'LeftSession',
    'LeftAfterSession',
    'StillConnected',
    'LeftBeforeQueue',
  ],
  DialNumberState: [
    'UNKNOWN',
    'DIALING',
    'ANSWERED',
    'RINGING',
    'FAILED',
    'NO_ANSWER',
    'BLACKLISTED',
    'REJECTED',
    'INVALID_NUMBER',
    'UNREACHABLE',
    'CANCELLED_BY_USER',
  ],
  ClientType: ['UNKNOWN', 'User', 'Guest', 'Chatbot'],
  DeliveryState: ['UNKNOWN', 'Sent', 'SendingFailed', 'DeliveryFailed', 'Delivered', 'Read'],
  SessionRecordingType: ['UNKNOWN', 'Other', 'Operator', 'Guest', 'AllParticipants', 'ScreenSharing'],
  RoutingTimelineActivityType: [
    'UNKNOWN',
    'RoutingRequestCreated',
    'EnteredGroupQueue',
    'GroupQueueTimeoutExpired',
    'LeftGroupQueue',
    'AssignedToOperator',
    'OperatorTimeoutExpired',
    'AcceptedByOperator',
    'ForwardedToGroup',
    'ForwardedToUser',
    'ForwardedToPhone',
    'RoutingEnded',
    'InvitedGroup',
    'InvitedUser',
  ],
  ClientCallParamSource: [
    'UNKNOWN',
    'USER',
    'WIDGET_API',
    'CHATBOT',
    'HERO_CARD',
    'ENTRY_FORM',
    'FEEDBACK_FORM',
    'OFFLINE_FORM',
    'EXTERNAL_MESSAGING',
    'PHONE',
    'API',
  ],
  SessionFileRemovalState: ['UNKNOWN', 'REMOVED', 'ALREADY_REMOVED', 'INACCESSIBLE'],
  SessionTerminationReason: [
    'UnknownReason',
    'GuestLeft',
    'OperatorLeft',
    'ChatbotLeft',
    'GuestAbandoned',
    'OperatorAbandoned',
    'ExternalPartyLeft',
    'CampaignFailedDial',
    'CampaignTerminated',
    'CallForwardedToExternalPhone',
    'OperatorWithoutExtension',
    'ForwardToExternalPhoneFailed',
    'FailedRouting',
    'ExternalSessionExpired',
    'SessionApiCall',
    'SingleUseSession',
  ],
  /** mluvii.md: the 41 SessionActivityType names. */
  SessionActivityType: [
    'ChatMessage',
    'SharedFile',
    'SharedScreen',
    'PhotoRequest',
    'CobrowsingStarted',
    'CobrowsingStoppedByGuest',
    'ScreenSharingFailedByGuest',
    'FileUploadFailed',
    'HeroCard',
    'HeroCardSubmission',
    'ChatbotMessage',
    'CallScript',
    'CallScriptSubmission',
    'WelcomeMessage',
    'LastFarewellMessage',
    'PreviewUrl',
    'Location',
    'HeroCardQuickReply',
    'LocationRequest',
    'ExternalMessage',
    'OnHold',
    'ResumeGuest',
    'AvRequest',
    'AvResponse',
    'AvGetMediaResult',
    'AvTerminated',
    'ChatToMail',
    'AutoActivity',
    'ChatbotHeroCardSubmission',
    'AutoActivityAsOperator',
    'NotifyOperator',
    'UpgradeToFull',
    'SessionEnded',
    'SessionForwarded',
    'OperatorInvited',
    'OperatorInviteCanceled',
    'OperatorInviteRejected',
    'OperatorKicked',
    'Handoff',
    'Joined',
    'Left',
  ],
  OperatorStateKind: [
    'UNKNOWN',
    'OFFLINE',
    'DISCONNECTED',
    'ONLINE',
    'AWAY',
    'BREAK',
    'BEFORE_CALL',
    'ON_CALL',
    'AFTER_CALL',
  ],
} as const;

const E = (name: keyof typeof ENUMS) => Enum(...ENUMS[name]);

const GuestInfo = Type.Object({
  tempId: Int64,
  ipAddress: Str,
  trackedId: Null(Guid),
  identity: Str,
  channelIdentity: Null(Int64),
  os: E('GuestOSType'),
  browser: E('GuestBrowserType'),
  language: Str,
  callParams: Null(Type.Record(Type.String(), Str)),
  gdprVersion: Str,
});

const OperatorInfo = Type.Object({
  userId: Int32,
  userName: Str,
  firstName: Str,
  lastName: Str,
  joined: Dto,
  left: Null(Dto),
  concluded: Null(Dto),
  feedbackResult: Str,
  note: Str,
});

const ReviewerInfo = Type.Object({
  userId: Int32,
  userName: Str,
  firstName: Str,
  lastName: Str,
  note: Str,
});

const ActivityFile = Type.Object({
  id: Int32,
  operatorOwner: Null(Int32),
  departmentOwner: Null(Int32),
  name: Str,
  downloadUrl: Str,
  isUploading: Bool,
  isDeleted: Bool,
});

const Activity = Type.Object({
  activityId: Int64,
  time: Dto,
  type: E('SessionActivityType'),
  client: Null(E('ClientType')),
  userId: Null(Int32),
  chatbotId: Null(Int32),
  file: Null(ActivityFile),
  text: Str,
  toOperatorUserId: Null(Int32),
  toOperatorFullName: Str,
  toGroupId: Null(Int32),
  toGroupName: Str,
  toPhoneNumber: Str,
  note: Str,
  terminationReason: Null(E('SessionTerminationReason')),
  status: Null(E('DeliveryState')),
});

const Recording = Type.Object({
  id: Int32,
  name: Str,
  started: Null(Dto),
  duration: Null(Duration),
  type: Null(E('SessionRecordingType')),
  userId: Null(Int32),
  serviceId: Null(Int32),
  downloadUrl: Str,
  isUploading: Bool,
  isDeleted: Bool,
});

export const SessionModel = Type.Object({
  id: Int64,
  companyId: Int32,
  departmentId: Int32,
  guest: Null(GuestInfo),
  channel: E('SessionChannel'),
  source: E('SessionSource'),
  status: E('SessionStatus'),
  avSupport: E('ClientAVSupport'),
  directCallNumber: Str,
  phoneCallbackNumber: Str,
  isDirectChat: Bool,
  url: Str,
  widget: Str,
  operators: List(OperatorInfo),
  reviewers: List(ReviewerInfo),
  enteredQueue: Dto,
  created: Dto,
  guestJoined: Null(Dto),
  started: Null(Dto),
  ended: Null(Dto),
  waited: Null(Duration),
  length: Null(Duration),
  blacklisted: Bool,
  phoneCallbackDialed: Null(Dto),
  activities: List(Activity),
  tags: List(Type.Object({ userId: Null(Int32), name: Str })),
  chatbots: List(Type.Object({ chatbotId: Int32, name: Str, joined: Dto, left: Null(Dto) })),
  guestFeedbackStars: Null(Int32),
  guestFeedbackScale: Null(E('FeedbackScale')),
  guestFeedbackText: Str,
  autoAccepted: Bool,
  guestFeedbackCustomFields: Null(Type.Record(Type.String(), Type.Unknown())),
  recordings: List(Recording),
  recordingsState: Null(E('SessionRecordingsState')),
  guestLeftSession: E('GuestLeftSessionInState'),
  outboundDialResult: Null(E('DialNumberState')),
  campaignId: Null(Int32),
});

const PersonRef = Null(Type.Object({ userId: Int32, firstName: Str, lastName: Str }));

export const RoutingTimeLineItem = Type.Object({
  routingRequestId: Int64,
  timestamp: Dto,
  activityType: E('RoutingTimelineActivityType'),
  group: Null(Type.Object({ id: Int32, name: Str })),
  phoneNumber: Str,
  operator: PersonRef,
  forwardedByOperator: PersonRef,
  invitedByOperator: PersonRef,
});

export const CallParamsModel = Type.Object({
  callParams: List(
    Type.Object({
      name: Str,
      value: Str,
      readOnly: Bool,
      source: E('ClientCallParamSource'),
      updatedDate: Dto,
    }),
  ),
});

export const TagModel = Type.Object({
  id: Int32,
  name: Str,
  label: Str,
  departmentId: Int32,
  backgroundArgb: Str,
  textArgb: Str,
});

export const SessionFileResponse = Type.Object({ fileId: Int32, state: E('SessionFileRemovalState') });

/** `PublicApi.User.Models.UserModel` (swagger 2.30). */
export const UserModel = Type.Object({ id: Int32, firstName: Str, lastName: Str, username: Str, email: Str });

export const OperatorStateModel = Type.Object({
  userId: Int32,
  stateKind: E('OperatorStateKind'),
  breakStateId: Null(Int32),
  breakStateName: Str,
  isBreakStatePaid: Null(Bool),
  note: Str,
  changed: Dto,
  forced: Bool,
});

/** The page of `GET /api/v1/Users/{userId}/operatorStates` (mluvii.md "Operator states"). */
export const OperatorStatesPage = Type.Object({
  lastModified: Dto,
  limit: Int32,
  page: Int32,
  totalCount: Int32,
  data: List(OperatorStateModel),
});

/** Asserts that `value` fits `schema`, naming every value that does not. */
export function assertFits(schema: TSchema, value: unknown, label: string): void {
  if (Value.Check(schema, value)) return;
  const errors = [...Value.Errors(schema, value)]
    .slice(0, 8)
    .map((e) => `${e.path}: ${e.message} (got ${JSON.stringify(e.value)?.slice(0, 80)})`);
  assert.fail(`${label} does not fit mluvii's published type:\n  ${errors.join('\n  ')}`);
}
