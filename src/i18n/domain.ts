// Domain messages (issue 12): domain modules and zod schemas word their refusals with say(key,
// params), which renders the English catalogue text. That English is what travels: logs read
// it, and Astro actions serialise an error to its message alone (ActionError.fromJson keeps no
// other field). A page turns it back into its key and arguments by matching it against the
// English `domain.*` messages, and renders the same key in its own language. So domain code
// never needs the reader's locale, and a message the catalogue lacks still reads in English.
import {
  isArgumentElement,
  isLiteralElement,
  isNumberElement,
  isPluralElement,
  isPoundElement,
  isSelectElement,
  type MessageFormatElement,
} from "@formatjs/icu-messageformat-parser";
import { en, type MessageKey } from "./en.ts";
import { compileMessage, type Locale, type MessageParams, t } from "./index.ts";

/** A catalogue key for a message the server words (sign-in refusals, field checks, domain refusals). */
export type DomainKey = Extract<MessageKey, `domain.${string}`>;

/** The English text of a domain message, for throwing (ValidationError, zod `error`) and for logs. */
export function say(key: DomainKey, params?: MessageParams): string {
  return t("en", key, params);
}

/** A domain message recognised in server text: its key and the arguments it was rendered with. */
export type RecognisedMessage = { key: DomainKey; params: MessageParams };

// prefix and suffix: the fixed words a message starts and ends with, a cheap first test.
type Pattern = { key: DomainKey; elements: MessageFormatElement[]; literalLength: number; prefix: string; suffix: string };
let patterns: Pattern[] | undefined;
let exact: Map<string, DomainKey> | undefined;

const englishPlural = new Intl.PluralRules("en-GB");
// How en-GB writes the numbers `{n, number}` and `#` render: "5", "1,234", "2.5", "-3".
const NUMBER = /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?/y;

function literalLength(elements: MessageFormatElement[]): number {
  let length = 0;
  for (const el of elements) {
    if (isLiteralElement(el)) length += el.value.length;
    else if (isPluralElement(el) || isSelectElement(el)) length += Math.min(...Object.values(el.options).map((o) => literalLength(o.value)));
  }
  return length;
}

function load(): { exact: Map<string, DomainKey>; patterns: Pattern[] } {
  if (!exact || !patterns) {
    exact = new Map();
    patterns = [];
    for (const key of Object.keys(en) as MessageKey[]) {
      if (!key.startsWith("domain.")) continue;
      const elements = compileMessage("en", en[key]).getAst();
      if (elements.every(isLiteralElement)) exact.set(elements.map((el) => el.value).join(""), key as DomainKey);
      else {
        const first = elements[0];
        const last = elements.at(-1);
        patterns.push({
          key: key as DomainKey,
          elements,
          literalLength: literalLength(elements),
          prefix: first && isLiteralElement(first) ? first.value : "",
          suffix: last && isLiteralElement(last) ? last.value : "",
        });
      }
    }
    // The most specific message wins: "Row {row}: {problem}" must not swallow a message with more fixed words.
    patterns.sort((a, b) => b.literalLength - a.literalLength);
  }
  return { exact, patterns };
}

type Continue = (pos: number, params: MessageParams) => boolean;

/** Matches `elements` at `pos` of `text`, then hands over to `next`; backtracks over argument lengths. */
function matchFrom(elements: MessageFormatElement[], i: number, text: string, pos: number, params: MessageParams, next: Continue, pound?: string): boolean {
  if (i === elements.length) return next(pos, params);
  const el = elements[i]!;
  const rest = (end: number, more: MessageParams) => matchFrom(elements, i + 1, text, end, more, next, pound);
  if (isLiteralElement(el)) return text.startsWith(el.value, pos) && rest(pos + el.value.length, params);
  if (isArgumentElement(el)) {
    // Shortest first: arguments sit between fixed words, and the fixed words decide.
    for (let end = pos + 1; end <= text.length; end++) if (rest(end, { ...params, [el.value]: text.slice(pos, end) })) return true;
    return false;
  }
  if (isNumberElement(el) || isPoundElement(el)) {
    NUMBER.lastIndex = pos;
    const found = NUMBER.exec(text);
    if (!found) return false;
    const value = Number(found[0].replaceAll(",", ""));
    const name = isNumberElement(el) ? el.value : pound;
    if (name === undefined) return false;
    if (name in params && params[name] !== value) return false;
    return rest(pos + found[0].length, { ...params, [name]: value });
  }
  if (isPluralElement(el)) {
    return Object.entries(el.options).some(([option, { value }]) =>
      matchFrom(
        value,
        0,
        text,
        pos,
        params,
        (end, more) => {
          let count = more[el.value];
          if (count === undefined && option.startsWith("=")) count = Number(option.slice(1));
          // A branch that does not show its count ("Duplicate of rows 2, 4") still tells its category.
          if (count === undefined && option === "one") count = 1;
          if (count === undefined && option === "other") count = 2;
          if (typeof count !== "number") return false;
          // The option must be the one English would pick for this count.
          const chosen = `=${count}` in el.options ? `=${count}` : englishPlural.select(count - el.offset);
          if (chosen !== option && !(option === "other" && !(chosen in el.options))) return false;
          return rest(end, { ...more, [el.value]: count });
        },
        el.value,
      ),
    );
  }
  if (isSelectElement(el)) {
    return Object.entries(el.options).some(([option, { value }]) =>
      matchFrom(value, 0, text, pos, params, (end, more) => rest(end, { ...more, [el.value]: option }), pound),
    );
  }
  return false; // dates, times and tags are not used in domain messages
}

/** The key and arguments of a server message worded with say(), or null when no `domain.*` message fits. */
export function recogniseDomainMessage(message: string): RecognisedMessage | null {
  const found = recognise(message, 0);
  return found && { key: found.key, params: found.params };
}

/**
 * The reading that explains most of the text with fixed words: "Row 4: Duplicate of rows 1, 2:
 * same title…" also fits "Row {row}, {column}: {problem}" (row = "4: Duplicate of rows 1"), but
 * "Row {row}: {problem}" with a problem that is itself a message explains more of it.
 */
function recognise(message: string, depth: number): (RecognisedMessage & { score: number }) | null {
  const { exact, patterns } = load();
  const key = exact.get(message);
  if (key) return { key, params: {}, score: message.length };
  let best: (RecognisedMessage & { score: number }) | null = null;
  for (const pattern of patterns) {
    if (best && pattern.literalLength + message.length <= best.score) break; // sorted: nothing later can do better
    if (!message.startsWith(pattern.prefix) || !message.endsWith(pattern.suffix)) continue;
    let found: MessageParams | null = null;
    matchFrom(pattern.elements, 0, message, 0, {}, (end, params) => {
      if (end !== message.length) return false;
      found = params;
      return true;
    });
    if (!found) continue;
    let score = pattern.literalLength;
    if (depth < 3) for (const value of Object.values(found as MessageParams)) if (typeof value === "string") score += recognise(value, depth + 1)?.score ?? 0;
    if (!best || score > best.score) best = { key: pattern.key, params: found, score };
  }
  return best;
}

/**
 * A server message in the page's language when it is a `domain.*` message, else as the server
 * worded it. Text arguments that are themselves domain messages ("Row 3: {problem}") are
 * translated too.
 */
export function localizeDomainMessage(locale: Locale, message: string, depth = 0): string {
  if (locale === "en" || !message) return message;
  const found = recogniseDomainMessage(message);
  if (!found) return message;
  const params: MessageParams = {};
  for (const [name, value] of Object.entries(found.params)) {
    // A list of messages, one a line (a refused upload's rows), is translated line by line.
    params[name] =
      typeof value === "string" && depth < 3
        ? value
            .split("\n")
            .map((line) => localizeDomainMessage(locale, line, depth + 1))
            .join("\n")
        : value;
  }
  return t(locale, found.key, params);
}

/** What a zod issue carries that says what went wrong (Astro keeps the issues of a refused action input). */
export type IssueLike = { code?: string; message: string; origin?: string; maximum?: number | bigint; minimum?: number | bigint };

/**
 * The English of a zod issue as a domain message: its own when a schema worded it with say(),
 * else one chosen by its code (zod's default texts are English only and name types, not fields).
 */
export function issueMessage(issue: IssueLike): string {
  if (recogniseDomainMessage(issue.message)) return issue.message;
  const text = issue.origin === "string";
  if (issue.code === "too_big" && text && issue.maximum !== undefined) return say("domain.text.max", { max: Number(issue.maximum) });
  if (issue.code === "too_small" && text && Number(issue.minimum ?? 0) <= 1) return say("domain.input.required");
  if (issue.code === "too_small" && text && issue.minimum !== undefined) return say("domain.text.min", { min: Number(issue.minimum) });
  return say("domain.input.invalid");
}
