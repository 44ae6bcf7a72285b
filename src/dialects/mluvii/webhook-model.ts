/**
 * mluvii's webhook registration models: WebhookAddEditModel bound as ASP.NET binds it (property names in any
 * case, enum values as names in any case or as numbers) and WebhookModel as clients deserialize it. Pure.
 */
import { Type } from '@sinclair/typebox';
import { AppError } from '../../http/errors.js';
import { literals } from '../../domain/events.js';
import { maskCallbackUrl } from '../../webhooks/secrets.js';

// The mask is also what the database keeps of a callback URL's password (src/webhooks/secrets.ts).
export { maskCallbackUrl };

/**
 * mluvii's `WebhookEventType` in the order of its C# declaration (mluvii.ApiModels), so a name's index is the
 * number the official C# sample posts (`[3,5,4]` = SessionStarted, SessionForwarded, SessionEnded).
 * Switchboard sends only the session events among them; the e-mail, settings and statistics ones are
 * accepted and never fire (docs/mluvii.md).
 */
export const WEBHOOK_EVENT_TYPE = [
  'UNKNOWN',
  'UserStatusChanged',
  'SessionCreated',
  'SessionStarted',
  'SessionEnded',
  'SessionForwarded',
  'SessionOperatorJoined',
  'SessionOperatorLeft',
  'SessionOperatorConcluded',
  'SessionCallParamsUpdated',
  'SessionRecordingPostProcessingCompleted',
  'EmailThreadCreated',
  'EmailThreadOperatorJoined',
  'EmailThreadOperatorLeft',
  'EmailThreadForwarded',
  'GuestIdentityUpdated',
  'SessionActivityChatMessage',
  'SessionActivitySharedFile',
  'SessionActivitySharedScreen',
  'SessionActivityCobrowsingStarted',
  'SessionActivityCobrowsingStoppedByGuest',
  'SessionActivityScreenSharingFailedByGuest',
  'SessionActivityFileUploadFailed',
  'SessionActivityHeroCard',
  'SessionActivityHeroCardSubmission',
  'SessionActivityChatbotMessage',
  'SessionActivityCallScript',
  'SessionActivityCallScriptSubmission',
  'SessionActivityWelcomeMessage',
  'SessionActivityLastFarewellMessage',
  'SessionActivityPreviewUrl',
  'SessionActivityExternalMessage',
  'SessionActivityOnHold',
  'SessionActivityResumeGuest',
  'SessionActivityChatToMail',
  'SessionActivityAutoActivity',
  'SessionActivityAutoActivityAsOperator',
  'SessionActivityChatbotHeroCardSubmission',
  'SessionActivitySessionEnded',
  'SessionActivitySessionForwarded',
  'SessionActivityOperatorInvited',
  'SessionActivityOperatorInviteCanceled',
  'SessionActivityOperatorInviteRejected',
  'SessionActivityOperatorKicked',
  'SessionActivityAvRequest',
  'SessionActivityAvResponse',
  'SessionActivityAvMediaResult',
  'SessionActivityAvTerminated',
  'EmailThreadParamsUpdated',
  'ApplicationSettingChanged',
  'StatRealTime',
] as const;

/** The names a webhook may subscribe to: every value but UNKNOWN. */
export const SUBSCRIBABLE_EVENT_TYPES: readonly string[] = WEBHOOK_EVENT_TYPE.slice(1);

const MAX_EVENT_TYPES = 100;
const MAX_URL_LENGTH = 2000;

export interface WebhookInput {
  eventTypes: string[];
  callbackUrl: string;
}

/** WebhookAddEditModel after binding: what the route validates and the OpenAPI document shows. */
export const WebhookAddEditModel = Type.Object(
  {
    eventTypes: Type.Array(literals(SUBSCRIBABLE_EVENT_TYPES), { minItems: 1, maxItems: MAX_EVENT_TYPES }),
    callbackUrl: Type.String({ maxLength: MAX_URL_LENGTH }),
  },
  {
    description:
      'Bound as ASP.NET binds it: property names in any case (`EventTypes`, `CallbackUrl`), event types as names in any case or as their numbers in mluvii’s WebhookEventType (`[3,5,4]`).',
  },
);

/** WebhookModel: exactly the fields mluvii's clients deserialize (`id int?`, `eventTypes`, `callbackUrl`). */
export const WebhookModel = Type.Object({
  id: Type.Integer({ format: 'int32' }),
  eventTypes: Type.Array(literals(SUBSCRIBABLE_EVENT_TYPES)),
  callbackUrl: Type.String(),
});

type FieldError = { field: string; message: string };

/** One event type: a name (any case) or its number; UNKNOWN and anything else are errors. */
function eventType(value: unknown, index: number, errors: FieldError[]): string | null {
  const fail = (why: string) => {
    errors.push({ field: 'eventTypes', message: `[${index}] ${why}` });
    return null;
  };
  let name: string | undefined;
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value))) {
    const n = Number(value);
    if (!Number.isInteger(n)) return fail(`${JSON.stringify(value)} is not a WebhookEventType number`);
    name = WEBHOOK_EVENT_TYPE[n];
    if (name === undefined) {
      return fail(`${n} is not a WebhookEventType number (1–${WEBHOOK_EVENT_TYPE.length - 1})`);
    }
  } else if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    name = WEBHOOK_EVENT_TYPE.find((t) => t.toLowerCase() === lower);
    if (name === undefined) return fail(`'${value}' is not a WebhookEventType name`);
  } else {
    return fail(`${JSON.stringify(value)} is not a WebhookEventType name or number`);
  }
  return name === 'UNKNOWN' ? fail('UNKNOWN (0) cannot be subscribed to') : name;
}

/**
 * Binds a WebhookAddEditModel body as ASP.NET does: property names case-insensitively (the last of
 * duplicates wins, unknown properties are ignored), event types by name or number. Every problem is reported
 * at once, by field, as a ValidationProblemDetails lists them.
 */
export function bindWebhookModel(body: unknown): WebhookInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('validation_failed', 'the body must be a WebhookAddEditModel object', [
      { field: '$', message: 'expected {"eventTypes": [...], "callbackUrl": "..."}' },
    ]);
  }
  const fields = new Map(Object.entries(body).map(([key, value]) => [key.toLowerCase(), value as unknown]));
  const errors: FieldError[] = [];

  const rawTypes = fields.get('eventtypes');
  const eventTypes: string[] = [];
  if (rawTypes === undefined || rawTypes === null) {
    errors.push({ field: 'eventTypes', message: 'The EventTypes field is required.' });
  } else if (!Array.isArray(rawTypes)) {
    errors.push({ field: 'eventTypes', message: 'must be an array of WebhookEventType names or numbers' });
  } else if (rawTypes.length === 0 || rawTypes.length > MAX_EVENT_TYPES) {
    errors.push({ field: 'eventTypes', message: `must list 1 to ${MAX_EVENT_TYPES} event types` });
  } else {
    rawTypes.forEach((value, i) => {
      const name = eventType(value, i, errors);
      if (name !== null && !eventTypes.includes(name)) eventTypes.push(name);
    });
  }

  const callbackUrl = fields.get('callbackurl');
  if (callbackUrl === undefined || callbackUrl === null || callbackUrl === '') {
    errors.push({ field: 'callbackUrl', message: 'The CallbackUrl field is required.' });
  } else if (typeof callbackUrl !== 'string' || callbackUrl.length > MAX_URL_LENGTH) {
    errors.push({ field: 'callbackUrl', message: `must be a URL of at most ${MAX_URL_LENGTH} characters` });
  } else if (!isHttpUrl(callbackUrl)) {
    errors.push({ field: 'callbackUrl', message: `'${callbackUrl}' is not an absolute http(s) URL` });
  }

  if (errors.length > 0) {
    throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  return { eventTypes, callbackUrl: callbackUrl as string };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A stored webhook as WebhookModel: the password masked, only names of mluvii's enum. */
export function webhookModel(webhook: { id: number; eventTypes: string[]; callbackUrl: string }) {
  return {
    id: webhook.id,
    eventTypes: webhook.eventTypes.filter((t) => SUBSCRIBABLE_EVENT_TYPES.includes(t)),
    callbackUrl: maskCallbackUrl(webhook.callbackUrl),
  };
}
