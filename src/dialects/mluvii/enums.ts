/**
 * mluvii's enums as its C# models declare them (mluvii.ApiModels), so that a value's position is the number
 * ASP.NET binds (`Status=7` is `Status=CLOSED`), and the mapping of a producer's free-text guest OS and
 * browser onto GuestOSType and GuestBrowserType. Pure.
 */

export const SESSION_STATUS = [
  'UNKNOWN',
  'CREATED',
  'IN_QUEUE',
  'WAITING',
  'ACTIVE',
  'ACW',
  'BCW',
  'CLOSED',
  'BLACKLISTED',
] as const;
export const SESSION_CHANNEL = ['UNKNOWN', 'Chat', 'AV', 'Phone'] as const;
export const SESSION_SOURCE = [
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
] as const;
export const FEEDBACK_SCALE = ['UNKNOWN', 'Likert', 'NPS'] as const;
export const GUEST_OS_TYPE = ['UNKNOWN', 'OTHER', 'WINDOWS', 'OSX', 'LINUX', 'ANDROID', 'IOS'] as const;
export const GUEST_BROWSER_TYPE = [
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
] as const;
export const GUEST_LEFT_SESSION_IN_STATE = [
  'UNKNOWN',
  'LeftQueue',
  'LeftSession',
  'LeftAfterSession',
  'StillConnected',
  'LeftBeforeQueue',
] as const;
/** The one mluvii enum without UNKNOWN: its value 0 is UnknownReason. */
export const SESSION_TERMINATION_REASON = [
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
] as const;

/**
 * An enum value as ASP.NET binds one: a name in any case, or the number of its position. Answers the name,
 * or null when it is neither.
 */
export function enumName(names: readonly string[], text: string): string | null {
  const trimmed = text.trim();
  if (/^\d{1,4}$/.test(trimmed)) return names[Number(trimmed)] ?? null;
  const lower = trimmed.toLowerCase();
  return names.find((n) => n.toLowerCase() === lower) ?? null;
}

/**
 * Producers send the guest's OS and browser as free text: a name (`Windows 11`, `Firefox`), a whole
 * user-agent string, or mluvii's own enum name. mluvii's clients know only the enum — a name they do not know
 * becomes UNKNOWN silently — so the text is mapped here, once, for the SessionModel mapper and (as SQL) for the
 * list filters, so that a filter matches exactly what the model shows. An enum name in mluvii's spelling
 * (upper case) is itself; otherwise the first pattern that matches the lower-cased text wins; nothing → UNKNOWN,
 * no match → OTHER. Order matters: Android and iOS user agents also name Linux and Mac OS; Edge and Opera
 * agents also say Chrome, Chrome's says Safari. Legacy Edge (EdgeHTML, `Edge/12–18`) is EDGE, the
 * Chromium-based one (`Edg/`, and the bare name "Edge" today) CHROMIUM_EDGE; a bare "Internet Explorer" is
 * IE_11. The patterns use only what JavaScript and PostgreSQL regular expressions share, `\b` being written
 * `\y` for PostgreSQL; they are constants, never input.
 */
const OS_PATTERNS: readonly (readonly [string, string])[] = [
  ['UNKNOWN', String.raw`^unknown$`],
  ['ANDROID', String.raw`android`],
  ['IOS', String.raw`\b(ios|ipados|iphone|ipad|ipod)\b`],
  ['WINDOWS', String.raw`windows|\bwin(32|64|nt|xp|vista|\d+)?\b`],
  ['OSX', String.raw`mac ?os|\bos ?x\b|macintosh|darwin|\bmac\b`],
  ['LINUX', String.raw`linux|ubuntu|debian|fedora|red ?hat|centos|suse|\bcros\b|chrome ?os`],
];

const IE = String.raw`\b(ie|internet explorer|msie) ?`;
const BROWSER_PATTERNS: readonly (readonly [string, string])[] = [
  ['UNKNOWN', String.raw`^unknown$`],
  ['EDGE', String.raw`edge/1[2-8]\b|edgehtml|edge ?legacy`],
  ['CHROMIUM_EDGE', String.raw`\bedg(e|a|ios)?\b|chromium[ _]?edge`],
  ['OPERA', String.raw`\bopr/|opera`],
  ['FF', String.raw`firefox|fxios|\bff\b`],
  ['IE_LOW', `${IE}[1-7]\\b`],
  ['IE_8', `${IE}8\\b|trident/4\\.`],
  ['IE_9', `${IE}9\\b|trident/5\\.`],
  ['IE_10', `${IE}10\\b|trident/6\\.`],
  ['IE_HI', `${IE}(1[2-9]|[2-9][0-9])\\b`],
  ['IE_11', String.raw`\b(ie|internet explorer|msie)\b|trident/`],
  ['CHROME', String.raw`chrome|crios|chromium`],
  ['SAFARI', String.raw`safari`],
];

type Patterns = readonly (readonly [string, string])[];
/** Each pattern list compiled once (a list page classifies two values per session). */
const compiled = new Map<Patterns, [string, RegExp][]>();

function classify(names: readonly string[], patterns: Patterns, raw: unknown) {
  if (typeof raw !== 'string') return 'UNKNOWN';
  const text = raw.trim();
  if (text === '') return 'UNKNOWN';
  if (names.includes(text)) return text;
  const lower = text.toLowerCase();
  let regexps = compiled.get(patterns);
  if (!regexps)
    compiled.set(patterns, (regexps = patterns.map(([name, pattern]) => [name, new RegExp(pattern)])));
  return regexps.find(([, regexp]) => regexp.test(lower))?.[0] ?? 'OTHER';
}

/** GuestOSType of a producer's free-text OS. */
export const guestOs = (raw: unknown): string => classify(GUEST_OS_TYPE, OS_PATTERNS, raw);
/** GuestBrowserType of a producer's free-text browser. */
export const guestBrowser = (raw: unknown): string => classify(GUEST_BROWSER_TYPE, BROWSER_PATTERNS, raw);

/** The same classification in SQL, over a text expression. */
function classifySql(
  names: readonly string[],
  patterns: readonly (readonly [string, string])[],
  expr: string,
): string {
  const trimmed = `regexp_replace(COALESCE(${expr}, ''), '^\\s+|\\s+$', '', 'g')`;
  const named = names.map((n) => `'${n}'`).join(', ');
  const cases = patterns
    .map(([name, pattern]) => `WHEN lower(t) ~ '${pattern.replaceAll('\\b', '\\y')}' THEN '${name}'`)
    .join(' ');
  return `(SELECT CASE WHEN t = '' THEN 'UNKNOWN' WHEN t IN (${named}) THEN t ${cases} ELSE 'OTHER' END FROM (SELECT ${trimmed} AS t) AS v)`;
}

export const guestOsSql = (expr: string) => classifySql(GUEST_OS_TYPE, OS_PATTERNS, expr);
export const guestBrowserSql = (expr: string) => classifySql(GUEST_BROWSER_TYPE, BROWSER_PATTERNS, expr);
