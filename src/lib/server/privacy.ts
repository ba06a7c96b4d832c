// The privacy guard (DESIGN.md §5.2): before a post can be submitted, every text field is
// scanned for patient identifiers written in English, French, Dutch or German. A valid
// Belgian national register number blocks submission outright; everything else is a
// warning the author may dismiss with a reason and the moderator sees.
//
// The detectors are hand-written regular expressions plus checksums rather than a model:
// they run on every save, must explain themselves (the UI highlights `match`), and must
// never need patient data to train. They lean towards flagging: a false warning costs a
// dismissal, a missed identifier costs a data leak.
//
// Formatting must not hide an identifier (issue 9 §4): the detectors run on normalised
// views of the text — HTML entities decoded, NFKC, format characters (\p{Cf}: zero-width
// spaces, soft hyphens) removed, digits of every script as ASCII, dashes and spaces unified —
// once as written and once without Markdown's inline markup (`*`, `_`, `~`, backticks,
// backslash escapes, link brackets and targets), which is the text a reader sees. The Markdown is not rendered with
// marked here: marked is the slow part (issue 9 §9), and stripping inline markup is linear.
//
// Positions (`start`, `end`) still index the field text exactly as given (UTF-16 code
// units): every view keeps, for each of its characters, where it came from, so the UI
// highlights and quotes what the author wrote.

import { decodeHTML } from "entities";

/** Every kind of finding; the UI explains each one with the key `privacy.kind.<kind>`. */
export const PRIVACY_KINDS = [
  "national_number",
  "patient_number",
  "email",
  "phone",
  "iban",
  "birth_date",
  "titled_name",
  "address",
  "obfuscated_email",
  "hidden_name",
] as const;

/** Finds the patient identifiers in one text field, ordered by position. */
export function scanText(field: string, text: string): PrivacyFinding[] {
  if (!text) return [];
  const candidates: Candidate[] = [];
  for (const view of normalisedViews(text)) {
    for (const c of detectAll(view.text)) {
      // Back to the author's text: from where the first character came to where the last ended.
      candidates.push({ kind: c.kind, start: view.from[c.start]!, end: view.to[c.end - 1]! });
    }
  }
  const kept = resolveOverlaps(candidates).sort((a, b) => a.start - b.start || b.end - a.end);

  // The occurrence index keeps ids distinct for repeated identical matches while staying
  // stable when unrelated text around them is edited.
  const occurrences = new Map<string, number>();
  return kept.map((c) => {
    const match = text.slice(c.start, c.end);
    const key = `${field}\u0000${c.kind}\u0000${normaliseMatch(match)}`;
    const index = occurrences.get(key) ?? 0;
    occurrences.set(key, index + 1);
    return {
      id: shortHash(`${key}\u0000${index}`),
      field,
      kind: c.kind,
      match,
      excerpt: excerptAround(text, c.start, c.end),
      sentence: sentenceAround(text, c.start, c.end),
      start: c.start,
      end: c.end,
      blocking: c.kind === "national_number",
    };
  });
}

/** Scans every field of a post, in field order then position; empty fields are skipped. */
export function scanFields(fields: Record<string, string | null | undefined>): PrivacyFinding[] {
  const findings: PrivacyFinding[] = [];
  for (const [field, text] of Object.entries(fields)) {
    if (typeof text === "string" && text !== "") findings.push(...scanText(field, text));
  }
  return findings;
}

/** Whether the input is a Belgian national register (or BIS) number with valid check digits. */
export function isValidBelgianNationalNumber(input: string): boolean {
  const digits = input.replace(/[\s.,\-/]/g, "");
  if (!/^\d{11}$/.test(digits)) return false;
  const base = Number(digits.slice(0, 9));
  const check = Number(digits.slice(9));
  // The date part is deliberately not validated: unknown birth dates are registered as 00,
  // BIS numbers shift the month by 20 or 40, and a plausible-looking date would add little
  // over the checksum. The check digits alone decide, for either century (the century is
  // not written in the number).
  return 97 - (base % 97) === check || 97 - ((2_000_000_000 + base) % 97) === check;
}

/** Whether the input is an IBAN with a valid length (for known countries) and mod-97 checksum. */
export function isValidIban(input: string): boolean {
  const iban = input.replace(/[\s-]/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expectedLength = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expectedLength !== undefined && iban.length !== expectedLength) return false;
  let remainder = 0;
  for (const ch of iban.slice(4) + iban.slice(0, 4)) {
    const value = ch >= "A" ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

/**
 * Finds, in one text field, the names a post keeps from its readers: its organisation's when it is
 * published pseudonymously, the applicant's in a funder's record that does not name it
 * (namesToHide in posts.ts). Read as a reader reads it — any case, accents, Markdown, entities,
 * invisible characters and punctuation between words — and always blocking: the post would say
 * who is behind it. A name shorter than three letters and digits is not looked for ("AZ" or "UZ"
 * alone would be found wherever the abbreviation is used).
 */
export function scanNames(field: string, text: string, names: readonly string[]): PrivacyFinding[] {
  const wanted = [...new Set(names.map((n) => foldName(n)).filter((n) => n.replaceAll(" ", "").length >= MIN_NAME_LENGTH))];
  if (!text || wanted.length === 0) return [];
  const spans: Span[] = [];
  for (const view of normalisedViews(text)) {
    const folded = foldView(view);
    for (const name of wanted) {
      for (let at = folded.text.indexOf(name); at >= 0; at = folded.text.indexOf(name, at + 1)) {
        // Whole words only: "Sint-Jan" is not found in "Sint-Jansdal".
        if (folded.text[at - 1] !== " " || folded.text[at + name.length] !== " ") continue;
        spans.push({ start: folded.from[at]!, end: folded.to[at + name.length - 1]! });
      }
    }
  }
  const kept = resolveOverlaps(spans.map((span) => ({ ...span, kind: "hidden_name" as const }))).sort((a, b) => a.start - b.start);
  const occurrences = new Map<string, number>();
  return kept.map((c) => {
    const match = text.slice(c.start, c.end);
    const key = `${field}\u0000hidden_name\u0000${foldName(match)}`;
    const index = occurrences.get(key) ?? 0;
    occurrences.set(key, index + 1);
    return {
      id: shortHash(`${key}\u0000${index}`),
      field,
      kind: "hidden_name",
      match,
      excerpt: excerptAround(text, c.start, c.end),
      sentence: sentenceAround(text, c.start, c.end),
      start: c.start,
      end: c.end,
      blocking: true,
    };
  });
}

/** scanNames over every field of a post, in field order then position. */
export function scanFieldsForNames(fields: Record<string, string | null | undefined>, names: readonly string[]): PrivacyFinding[] {
  if (names.length === 0) return [];
  return Object.entries(fields).flatMap(([field, text]) => (typeof text === "string" ? scanNames(field, text, names) : []));
}

const MIN_NAME_LENGTH = 3;

// Lower case, without accents, every run of other characters than letters and digits one space.
function foldName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

// foldName over a view, keeping where each character came from; the text starts and ends with a space.
function foldView(view: View): View {
  const out = [" "];
  const from = [0];
  const to = [0];
  let space = true;
  for (let i = 0; i < view.text.length; i++) {
    const folded = view.text[i]!.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
    for (const c of folded) {
      const letter = /[\p{L}\p{N}]/u.test(c);
      if (!letter && space) continue;
      out.push(letter ? c : " ");
      from.push(view.from[i]!);
      to.push(view.to[i]!);
      space = !letter;
    }
  }
  out.push(" ");
  from.push(view.text.length ? view.to[view.text.length - 1]! : 0);
  to.push(from[from.length - 1]!);
  return { text: out.join(""), from, to };
}

/** Whether any finding blocks submission; a dismissal never changes this. */
export function hasBlockingFindings(findings: PrivacyFinding[]): boolean {
  return findings.some((f) => f.blocking);
}

/** Marks the findings the author declared "not personal data" (with a reason) as dismissed. */
export function applyDismissals(findings: PrivacyFinding[], dismissals: PrivacyDismissal[]): PrivacyFinding[] {
  const reasons = new Map<string, string>();
  for (const d of dismissals) {
    const reason = d.reason.trim();
    // A dismissal without a reason is no declaration at all.
    if (reason) reasons.set(d.id, reason);
  }
  return findings.map((f) => {
    const { dismissed: _previous, ...finding } = f;
    const reason = reasons.get(f.id);
    // A valid national number is patient data whatever the author says, so it stays undismissed.
    if (f.blocking || reason === undefined) return finding;
    return { ...finding, dismissed: { reason } };
  });
}

// ---------------------------------------------------------------------------------------
// Shared pieces

function detectAll(text: string): Candidate[] {
  const dois = findDois(text);
  return [
    ...findNationalNumbers(text),
    ...findIbans(text),
    ...findEmails(text),
    ...findObfuscatedEmails(text),
    ...findPatientNumbers(text),
    ...findBirthDates(text),
    ...findPhones(text),
    ...findTitledNames(text),
    ...findAddresses(text),
  ].filter((c) => !(NUMERIC_KINDS.has(c.kind) && dois.some((d) => c.start >= d.start && c.end <= d.end)));
}

/** A normalised copy of a text; character i came from `source.slice(from[i], to[i])`. */
type View = { text: string; from: number[]; to: number[] };

// An entity as HTML would decode it, with or without its semicolon ("&#45;", "&#x2D;",
// "&ndash;", "&amp"); the entities library decides what each one means.
const ENTITY_RE = /&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};?)/g;
const FORMAT_CHAR_RE = /^\p{Cf}$/u;
const DIGIT_RE = /^\p{Nd}$/u;
const DASH_RE = /^[\p{Pd}\u2212]$/u;
const SPACE_SEPARATOR_RE = /^\p{Zs}$/u;
// What a reader does not see of inline Markdown: emphasis, strike-through and code marks.
const INLINE_MARKUP = new Set(["*", "_", "~", "`"]);
const ESCAPABLE = /^[!-/:-@[-`{-~]$/;

/** The text as written and as read, both normalised (the second only when it differs). */
function normalisedViews(source: string): View[] {
  const written = normalise(source);
  const read = stripInlineMarkup(written);
  return read.text === written.text ? [written] : [written, read];
}

function normalise(source: string): View {
  // 1. Entities, each decoded as a whole and mapped to its own span of the source.
  const pieces: { text: string; from: number; to: number }[] = [];
  let last = 0;
  for (const m of source.matchAll(ENTITY_RE)) {
    const decoded = decodeHTML(m[0]);
    if (decoded === m[0]) continue;
    if (m.index > last) pieces.push({ text: source.slice(last, m.index), from: last, to: -1 });
    pieces.push({ text: decoded, from: m.index, to: m.index + m[0].length });
    last = m.index + m[0].length;
  }
  if (last < source.length) pieces.push({ text: source.slice(last), from: last, to: -1 });

  // 2. Code point by code point: NFKC, no format characters, ASCII digits, "-" and " ".
  const out: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  for (const piece of pieces) {
    let offset = 0;
    for (const ch of piece.text) {
      const start = piece.to < 0 ? piece.from + offset : piece.from;
      const end = piece.to < 0 ? start + ch.length : piece.to;
      offset += ch.length;
      const code = ch.codePointAt(0)!;
      // ASCII is already normal; this keeps the common case cheap.
      const normal = code < 0x80 ? ch : ch.normalize("NFKC");
      for (const c of normal) {
        const mapped = code < 0x80 ? c : mapChar(c);
        for (let i = 0; i < mapped.length; i++) {
          out.push(mapped[i]!);
          from.push(start);
          to.push(end);
        }
      }
    }
  }
  return { text: out.join(""), from, to };
}

function mapChar(c: string): string {
  if (FORMAT_CHAR_RE.test(c)) return "";
  if (DIGIT_RE.test(c)) return String(digitValue(c.codePointAt(0)!));
  if (DASH_RE.test(c)) return "-";
  if (SPACE_SEPARATOR_RE.test(c)) return " ";
  return c;
}

const digitValues = new Map<number, number>();

/** The value of a decimal digit of any script: Unicode encodes each script's 0–9 as a contiguous run. */
function digitValue(code: number): number {
  let value = digitValues.get(code);
  if (value === undefined) {
    let first = code;
    while (first > 0 && DIGIT_RE.test(String.fromCodePoint(first - 1))) first--;
    // Runs of several scripts' digits follow each other in tens (the mathematical digits).
    value = (code - first) % 10;
    digitValues.set(code, value);
  }
  return value;
}

function stripInlineMarkup(view: View): View {
  const out: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const { text } = view;
  // Next ")" and next line break after a position, found once and reused while ahead, so
  // skipping link targets stays linear however many "](" the text holds.
  let close = -2;
  let lineEnd = -2;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (INLINE_MARKUP.has(c) || c === "[") continue;
    // "85\.07": the backslash escapes the next character and is not shown.
    if (c === "\\" && i + 1 < text.length && ESCAPABLE.test(text[i + 1]!)) continue;
    if (c === "]") {
      // "[85.07.30](https://…)-033.28" reads "85.07.30-033.28": the link target is not shown.
      if (text[i + 1] === "(") {
        if (close !== -1 && close <= i) close = text.indexOf(")", i + 2);
        if (lineEnd !== -1 && lineEnd <= i) lineEnd = text.indexOf("\n", i + 2);
        if (close !== -1 && (lineEnd === -1 || close < lineEnd)) i = close;
      }
      continue;
    }
    out.push(c);
    from.push(view.from[i]!);
    to.push(view.to[i]!);
  }
  return { text: out.join(""), from, to };
}

// Kinds that are numbers: a DOI suffix may look like any of them but names a publication.
const NUMERIC_KINDS = new Set<PrivacyKind>(["national_number", "iban", "phone", "patient_number"]);

// When two detectors claim overlapping text, the more specific one wins (a national number
// introduced as "rijksregisternummer" is reported once, as the blocking kind).
const PRIORITY: Record<PrivacyKind, number> = {
  national_number: 0,
  iban: 1,
  email: 2,
  patient_number: 3,
  birth_date: 4,
  phone: 5,
  titled_name: 6,
  obfuscated_email: 7,
  address: 8,
  hidden_name: 9,
};

const DOI_RE = /\b10\.\d{4,9}\/[^\s"'<>[\]]+/g;

// Space-like characters that occur inside formatted numbers (regular, no-break, narrow no-break).
const SPACE = "[ \\u00A0\\u202F]";

function findDois(text: string): Span[] {
  return [...text.matchAll(DOI_RE)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  const ordered = [...candidates].sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Candidate[] = [];
  for (const c of ordered) {
    if (!kept.some((k) => c.start < k.end && k.start < c.end)) kept.push(c);
  }
  return kept;
}

function normaliseMatch(match: string): string {
  // Formatting differences ("Mrs." vs "Mrs", "02/555.12.34" vs "02 555 12 34") are the same finding.
  return match.toLowerCase().replace(/[^\p{L}\p{N}@]/gu, "");
}

const EXCERPT_CONTEXT = 30;

function excerptAround(text: string, start: number, end: number): string {
  const from = Math.max(0, start - EXCERPT_CONTEXT);
  const to = Math.min(text.length, end + EXCERPT_CONTEXT);
  let before = text.slice(from, start);
  let after = text.slice(end, to);
  // Cut at a space where possible so the excerpt does not open or close on half a word.
  if (from > 0) {
    const space = before.search(/\s/);
    if (space >= 0) before = before.slice(space + 1);
  }
  if (to < text.length) {
    const space = after.search(/\s\S*$/);
    if (space >= 0) after = after.slice(0, space);
  }
  const body = `${before}${text.slice(start, end)}${after}`.replace(/\s+/g, " ").trim();
  return `${from > 0 ? "…" : ""}${body}${to < text.length ? "…" : ""}`;
}

// Words after which a full stop does not end a sentence ("Dr. Peeters", "e.g. a scan").
const ABBREVIATIONS = new Set([
  "dr",
  "mr",
  "mrs",
  "ms",
  "mx",
  "prof",
  "mme",
  "mlle",
  "dhr",
  "mevr",
  "me",
  "st",
  "nr",
  "no",
  "vs",
  "e.g",
  "i.e",
  "cf",
  "etc",
  "ca",
  "resp",
]);
const SENTENCE_MAX = 300;
const SENTENCE_REACH = 400;

/**
 * The sentence of `text` that holds [start, end), as the author wrote it (Markdown and
 * all; the page renders it as plain text): from the previous sentence end or line start
 * to the next, with "…" around a window of the line when the sentence is very long.
 * Looks at most SENTENCE_REACH characters either side, so a scan stays linear.
 */
export function sentenceAround(text: string, start: number, end: number): string {
  const reachFrom = Math.max(0, start - SENTENCE_REACH);
  const reachTo = Math.min(text.length, end + SENTENCE_REACH);
  const before = text.slice(reachFrom, start).lastIndexOf("\n");
  const lineStart = before >= 0 ? reachFrom + before + 1 : reachFrom;
  const nl = text.slice(end, reachTo).indexOf("\n");
  const lineEnd = nl >= 0 ? end + nl : reachTo;
  let from = lineStart;
  let to = lineEnd;
  // A sentence ends at . ! or ? followed by a space, unless the word before is an abbreviation or an initial.
  const boundary = /[.!?…]+["'”’)\]]*\s+/g;
  const ends = (at: number, match: string) => {
    const word =
      /([\p{L}.]+)$/u
        .exec(text.slice(Math.max(lineStart, at - 8), at))?.[1]
        ?.toLowerCase()
        .replace(/\.$/, "") ?? "";
    return !(match.startsWith(".") && (ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word)));
  };
  const line = text.slice(lineStart, lineEnd);
  for (const m of line.matchAll(boundary)) {
    const at = lineStart + m.index;
    const after = at + m[0].length;
    if (!ends(at, m[0])) continue;
    if (after <= start) from = after;
    else if (at >= end) {
      to = at + m[0].trimEnd().length;
      break;
    }
  }
  // A sentence cut by the reach is longer than SENTENCE_MAX (the reach is longer), so it gets a window too.
  if (to - from > SENTENCE_MAX) {
    const lead = Math.max(from, start - 120);
    const tail = Math.min(to, end + 120);
    // Half words are dropped at the cut ends only: the match itself may be glued to a long run without spaces
    // (a URL), and the quote must still show it.
    const before = lead > from ? text.slice(lead, start).replace(/^\S*\s/, "") : text.slice(lead, start);
    const after = tail < to ? text.slice(end, tail).replace(/\s\S*$/, "") : text.slice(end, tail);
    return `${lead > from ? "…" : ""}${`${before}${text.slice(start, end)}${after}`.trim()}${tail < to ? "…" : ""}`;
  }
  return text.slice(from, to).trim();
}

const MASK_64 = 0xffffffffffffffffn;

function shortHash(input: string): string {
  // FNV-1a, 64 bits, truncated to 48: ids only need to be distinct within one post.
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(input)) {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & MASK_64;
  }
  // FNV barely mixes its last byte; a MurmurHash3-style finaliser keeps ids of neighbouring
  // occurrences ("…#0", "…#1") from looking alike.
  hash = ((hash ^ (hash >> 33n)) * 0xff51afd7ed558ccdn) & MASK_64;
  hash = ((hash ^ (hash >> 33n)) * 0xc4ceb9fe1a85ec53n) & MASK_64;
  hash ^= hash >> 33n;
  return hash.toString(16).padStart(16, "0").slice(0, 12);
}

// ---------------------------------------------------------------------------------------
// 1. Belgian national register / BIS numbers: YYMMDD SSS CC in any usual formatting.

// "," too: some people group digits with commas ("85,07,30-033,28").
const NN_SEP = `(?:${SPACE}?[.,\\-/]${SPACE}?|${SPACE})?`;
// Not glued to a longer number (a digit, or a digit and "." "," "/" "-" on either side).
const NATIONAL_NUMBER_RE = new RegExp(`(?<![+\\d]|\\d[.,/-])\\d{2}${NN_SEP}\\d{2}${NN_SEP}\\d{2}${NN_SEP}\\d{3}${NN_SEP}\\d{2}(?![.,/-]?\\d)`, "gu");

function findNationalNumbers(text: string): Candidate[] {
  const found: Candidate[] = [];
  const re = new RegExp(NATIONAL_NUMBER_RE);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (isValidBelgianNationalNumber(m[0])) {
      found.push({ kind: "national_number", start: m.index, end: m.index + m[0].length });
    } else {
      // A different grouping starting one character later may still be a valid number.
      re.lastIndex = m.index + 1;
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// 2. Patient and record numbers, only when a keyword introduces them: bare numbers are
// far too common (orders, tickets, budgets) to flag without context.

const PATIENT_KEYWORDS = [
  // English
  String.raw`patient(?:'s)?[\s-]*(?:id(?:entifier|entification)?(?:\s+number)?|number|no\.|nr\.?|#|record|file|code)`,
  String.raw`(?:electronic\s+)?(?:medical|health|hospital)\s+record`,
  String.raw`hospital\s+(?:number|no\.)`,
  String.raw`(?:chart|admission|encounter)\s+(?:number|no\.|#)`,
  String.raw`MRN`,
  String.raw`social\s+security\s+number`,
  String.raw`national\s+regist(?:er|ry)\s+number`,
  // French
  String.raw`dossier\s+(?:du\s+)?(?:patient|m[ée]dical)`,
  String.raw`n[°º]\s*(?:de\s+|du\s+)?(?:dossier|patient)(?:\s+(?:patient|m[ée]dical))?`,
  String.raw`num[ée]ro\s+(?:de\s+|du\s+|d['’])?(?:dossier|patient|s[ée]jour|admission)(?:\s+(?:patient|m[ée]dical))?`,
  String.raw`identifiant\s+(?:du\s+)?patient`,
  String.raw`(?:num[ée]ro\s+(?:de\s+|du\s+)?)?registre\s+national`,
  String.raw`NISS|INSZ|SSIN`,
  // Dutch
  String.raw`pati[eë]nt(?:en)?(?:nummer|nr\.?|[\s-]?id|dossier(?:nummer|nr\.?)?)`,
  String.raw`pati[eë]nt\s+(?:nummer|nr\.?)`,
  String.raw`dossier[\s-]?(?:nummer|nr\.?)`,
  String.raw`(?:EPD|EMD|EPR|EHR|EMR)[\s-]?(?:nummer|nr\.?|number|no\.|id)`,
  String.raw`(?:opname|ziekenhuis)(?:nummer|nr\.?)`,
  String.raw`rijksregister(?:nummer|nr\.?)?`,
  String.raw`burgerservicenummer|BSN`,
  // German
  String.raw`patient(?:en)?(?:nummer|[\s-]?nr\.?|[\s-]?id|akte)`,
  String.raw`fall(?:nummer|[\s-]?nr\.?)`,
  String.raw`aktenzeichen|az\.`,
  String.raw`(?:kranken)?versicherten(?:nummer|[\s-]?nr\.?)`,
  String.raw`sozialversicherungsnummer`,
];
const PATIENT_KEYWORD_RE = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${PATIENT_KEYWORDS.join("|")})(?!\\p{L})`, "giu");
// Words and signs that may stand between the keyword and the number ("MRN: …", "n° …", "is …").
const PATIENT_CONNECTOR_RE = /(?:\s*(?:[:#=(–-]|n[°º]\.?|no\.|nr\.?|num\.?|(?:number|nummer|num[ée]ro|id|is|was|est|ist|lautet)(?!\p{L})))*\s*/iuy;
// The identifier itself: optional letter prefix, digits, and upper-case/digit chunks joined by
// "-", "/", "." or a single space ("A-12345", "3 K 123/20"); case-sensitive so words end it.
const PATIENT_ID_RE = /(?:[A-Z]{1,4}[-/. ]?)?\d[\dA-Z]*(?:(?:[-/.]|[ \u00A0](?=[\dA-Z]))(?:\d[\dA-Z]*|[A-Z]{1,4}(?=[-/. \u00A0]?\d)))*(?![\p{L}\p{N}])/uy;
// A year or a year range after "medical record" describes a period, not a person.
const YEARS_RE = /^(?:19|20)\d{2}(?:\s*[-/–]\s*(?:19|20)?\d{2})?$/;

function findPatientNumbers(text: string): Candidate[] {
  const found: Candidate[] = [];
  const keywordRe = new RegExp(PATIENT_KEYWORD_RE);
  for (let m = keywordRe.exec(text); m; m = keywordRe.exec(text)) {
    const connector = new RegExp(PATIENT_CONNECTOR_RE);
    connector.lastIndex = m.index + m[0].length;
    const afterConnector = connector.exec(text) ? connector.lastIndex : m.index + m[0].length;
    const id = new RegExp(PATIENT_ID_RE);
    id.lastIndex = afterConnector;
    const idMatch = id.exec(text);
    if (!idMatch) continue;
    const digits = idMatch[0].replace(/\D/g, "").length;
    if (digits < 3 || YEARS_RE.test(idMatch[0])) continue;
    const end = idMatch.index + idMatch[0].length;
    found.push({ kind: "patient_number", start: m.index, end });
    keywordRe.lastIndex = end;
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// 3. E-mail addresses.

// Lengths are bounded (RFC 5321 limits) so a long hostile token cannot make the scan quadratic.
const EMAIL_RE = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.){1,8}(\p{L}{2,24})(?![\p{L}\p{N}])/gu;
// "logo@2x.png" is a high-density image name, not an address.
const FILE_EXTENSIONS = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "pdf"]);

function findEmails(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(EMAIL_RE)) {
    if (FILE_EXTENSIONS.has((m[1] ?? "").toLowerCase())) continue;
    found.push({ kind: "email", start: m.index, end: m.index + m[0].length });
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// 4. Phone numbers. A run of digit groups that starts with "+", "00" or a trunk "0" is cut
// to the longest prefix whose digit count fits a phone number, since a phone number is
// often followed by unrelated numbers ("0475 12 34 56 2019").

const PHONE_RUN_RE = new RegExp(`(?<![\\p{L}\\p{N}+.,/\\-@_])(?:\\+(?=\\d)|\\(?0)\\d{0,15}(?:(?:${SPACE}|[.\\-/()]){1,3}\\d{1,15}){0,8}`, "gu");
// National significant number lengths for the countries Belgian texts mention most; other
// country codes fall back to the E.164 bounds.
const NSN_LENGTHS: Record<string, readonly [number, number]> = {
  "1": [10, 10],
  "31": [9, 9],
  "32": [8, 9],
  "33": [9, 9],
  "34": [9, 9],
  "39": [6, 11],
  "41": [9, 9],
  "44": [9, 10],
  "49": [6, 13],
  "352": [6, 11],
};
// Numbers named as something else (order, invoice, product or company numbers) are not
// phones, even when they start with a zero: "ticket 0123456789", "Bestellnummer 0815123".
const NOT_PHONE_BEFORE_RE = new RegExp(
  `(?<!\\p{L})(?:order|ticket|invoice|ref|reference|code|commande|facture|r[ée]f[ée]rence|bestel|factuur|referentie|bestellung|bestell|rechnung|referenz|auftrag|UDI|GTIN|EAN|ISBN|ISSN|KBO|BCE|BTW|TVA|VAT|RIZIV|INAMI|NIHDI)\\p{L}*\\.?${SPACE}*(?:(?:number|nummer|num[ée]ro|no\\.?|nr\\.?|n[°º])${SPACE}*)?[:#]?${SPACE}*$`,
  "iu",
);
const CURRENCY_BEFORE_RE = /(?:€|\$|£|\b(?:EUR|USD|GBP|CHF))\s?$/i;
const CURRENCY_AFTER_RE = /^\s?(?:€|%|‰|k€|(?:EUR|USD|GBP|CHF|euros?)\b)/i;
const DATE_PREFIX_RE = /^\(?(\d{1,2})[./-](\d{1,2})[./-](?:\d{4}|\d{2})(?!\d)/;
const ENTERPRISE_NUMBER_RE = /^0\d{3}\.\d{3}\.\d{3}$/;

function findPhones(text: string): Candidate[] {
  const found: Candidate[] = [];
  const re = new RegExp(PHONE_RUN_RE);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index;
    const groupEnds = [...m[0].matchAll(/\d+/g)].map((g) => g.index + g[0].length);
    let end = -1;
    for (let k = groupEnds.length; k > 0 && end < 0; k--) {
      const candidate = m[0].slice(0, groupEnds[k - 1]);
      if (isPhoneLike(candidate, text, start)) end = start + candidate.length;
    }
    if (end > 0) {
      found.push({ kind: "phone", start, end });
      re.lastIndex = end;
    } else {
      re.lastIndex = start + 1;
    }
  }
  return found;
}

function isPhoneLike(candidate: string, text: string, start: number): boolean {
  const before = text.slice(Math.max(0, start - 4), start);
  const after = text.slice(start + candidate.length, start + candidate.length + 6);
  if (CURRENCY_BEFORE_RE.test(before) || CURRENCY_AFTER_RE.test(after)) return false;
  if (NOT_PHONE_BEFORE_RE.test(text.slice(Math.max(0, start - 40), start))) return false;
  // "(0)" is the trunk prefix some people keep after the country code.
  const digits = candidate.replace(/\(0\)/g, "").replace(/\D/g, "");
  if (candidate.startsWith("+")) return isInternationalNumber(digits);
  if (digits.startsWith("00")) return digits[2] !== "0" && isInternationalNumber(digits.slice(2));
  // Trunk "0" plus 8 (Belgian landline) to 11 (German) digits; a Belgian mobile ("04…")
  // never has more than 10, so trailing numbers are not swallowed into it.
  const maxLength = digits.startsWith("04") ? 10 : 12;
  if (!/^0[1-9]/.test(digits) || digits.length < 9 || digits.length > maxLength) return false;
  const date = DATE_PREFIX_RE.exec(candidate);
  if (date && isDayMonth(Number(date[1]), Number(date[2]))) return false;
  // A Belgian enterprise number (0403.170.701) has this shape and its own mod-97 check.
  if (ENTERPRISE_NUMBER_RE.test(candidate)) {
    const base = Number(digits.slice(0, 8));
    if (97 - (base % 97) === Number(digits.slice(8))) return false;
  }
  return true;
}

function isInternationalNumber(digits: string): boolean {
  for (const length of [3, 2, 1]) {
    const bounds = NSN_LENGTHS[digits.slice(0, length)];
    if (!bounds) continue;
    // "+32 02 …": a trunk zero wrongly kept after the country code does not count.
    const nsn = digits.slice(length).replace(/^0/, "");
    return nsn.length >= bounds[0] && nsn.length <= bounds[1];
  }
  return digits.length >= 8 && digits.length <= 15;
}

function isDayMonth(a: number, b: number): boolean {
  return (a >= 1 && a <= 31 && b >= 1 && b <= 12) || (b >= 1 && b <= 31 && a >= 1 && a <= 12);
}

// ---------------------------------------------------------------------------------------
// 5. IBANs, upper case, compact or in groups of four; only checksum-valid ones are reported.

const IBAN_RUN_RE = new RegExp(`(?<![\\p{L}\\p{N}])[A-Z]{2}\\d{2}(?:${SPACE}?[A-Z0-9]){11,30}(?![\\p{L}\\p{N}])`, "gu");
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AT: 20,
  BE: 16,
  BG: 22,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IS: 26,
  IT: 27,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  RO: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
};

function findIbans(text: string): Candidate[] {
  const found: Candidate[] = [];
  const re = new RegExp(IBAN_RUN_RE);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // The run may have swallowed a following upper-case word ("… 7034 EUR"): try each group end.
    const ends = [m[0].length, ...[...m[0].matchAll(/\s/gu)].map((s) => s.index).reverse()];
    const end = ends.find((e) => isValidIban(m[0].slice(0, e)));
    if (end === undefined) {
      re.lastIndex = m.index + 1;
      continue;
    }
    found.push({ kind: "iban", start: m.index, end: m.index + end });
    re.lastIndex = m.index + end;
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// 6. Birth dates, only next to a word that says "born": a bare date is a project milestone.

const MONTHS = [
  ...["january", "february", "march", "april", "may", "june", "july", "august", "september"],
  ...["october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sept", "sep"],
  ...["oct", "nov", "dec", "janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet"],
  ...["août", "aout", "septembre", "octobre", "novembre", "décembre", "decembre", "janv", "févr"],
  ...["fevr", "avr", "juil", "déc", "januari", "februari", "maart", "mei", "juni", "juli", "augustus"],
  ...["oktober", "mrt", "okt", "januar", "jänner", "februar", "märz", "maerz", "dezember", "dez"],
];
const MONTH = `(?:${[...new Set(MONTHS)].sort((a, b) => b.length - a.length).join("|")})(?!\\p{L})\\.?`;
const DATE = [
  String.raw`\d{4}[-/.]\d{1,2}[-/.]\d{1,2}`,
  String.raw`\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]\s?(?:\d{4}|\d{2})`,
  String.raw`\d{1,2}(?:st|nd|rd|th|er|e|ste|de|\.)?\s*(?:of\s+)?${MONTH}\s*,?\s*(?:\d{4}|['’]\d{2})`,
  String.raw`${MONTH}\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}`,
  String.raw`${MONTH}\s+\d{4}`,
].join("|");
const BIRTH_WORD = [
  String.raw`born`,
  String.raw`date\s+of\s+birth`,
  String.raw`birth\s*date`,
  String.raw`D\.?O\.?B\.?`,
  // "né(e)"; without the accent only before "le", since Dutch "nee" means "no".
  String.raw`n[ée]e?(?=\s)|nee?(?=\s+le\s)`,
  String.raw`date\s+de\s+naissance`,
  String.raw`naissance`,
  String.raw`geboren`,
  String.raw`geboortedatum`,
  String.raw`geb\.`,
  String.raw`geburtsdatum`,
].join("|");
// "°" is the Belgian administrative shorthand for "born" ("° 12/03/1954"); it is only a
// birth word when it does not follow a letter or digit ("n°", "37°").
// Between the word and the date: up to 40 characters (a place, "le", "op", "am"), no digit
// and no sentence end, so the date is the first number after the word.
const BIRTH_DATE_RE = new RegExp(`(?<![\\p{L}\\p{N}])(?:(?:${BIRTH_WORD})(?!\\p{L})|°)(?:[^\\d\\n!?;.]|\\.(?!\\s)){0,40}?(?:${DATE})(?!\\d)`, "giu");

function findBirthDates(text: string): Candidate[] {
  return [...text.matchAll(BIRTH_DATE_RE)].map((m) => ({
    kind: "birth_date" as const,
    start: m.index,
    end: m.index + m[0].length,
  }));
}

// ---------------------------------------------------------------------------------------
// 7. Names after a title: "Mrs Janssens", "dr. De Smet", "Mme Dubois", "Herr Müller".
//
// Choices: titles are case-sensitive, with the lower-case forms Dutch writing uses
// ("dhr.", "mevr.", "dr."); "M.", "Hr." and "Fr." need their period and a space, and
// "M." is ignored where it is a number or an initial (below). "Fr." is kept although it
// can also abbreviate "Freitag" or "francs": a capitalised non-function word after it is
// much more often a name. A capitalised function word ("The", "Le", "Die") is not a name.

const TITLE = [
  "Mrs",
  "Mr",
  "Ms",
  "Drs",
  "drs",
  "Dr",
  "dr",
  "Professor",
  "professor",
  "Professeur",
  "professeur",
  "Prof",
  "prof",
  "Dhr",
  "dhr",
  "Mevrouw",
  "mevrouw",
  "Mevr",
  "mevr",
  "Mw",
  "mw",
  "Mme",
  "Mlle",
  "Monsieur",
  "Madame",
  "Mademoiselle",
  "Meneer",
  "meneer",
  "Mijnheer",
  "mijnheer",
  "Docteur",
  "docteur",
  "Dokter",
  "dokter",
  "Doktor",
  "Herr",
  "Frau",
].map((t) => `${t}\\.?`);
const TITLE_WITH_PERIOD = ["M", "Hr", "Fr", "Ir", "ir", "Ing", "ing"].map((t) => `${t}\\.`);
const TITLE_SOURCE = `(?:${[...TITLE_WITH_PERIOD, ...TITLE].join("|")})(?=${SPACE})`;
// "M." after a number is "million" ("5 M. The"); after a capitalised word in a list it is an
// initial, as in citations ("Peeters J, Janssens M. Title of the paper"). "Selon M. Dubois"
// at the start of a sentence stays a title.
const M_NOT_TITLE_BEFORE_RE = /(?:\d|[,;][ \u00A0]+\p{Lu}[\p{L}'’-]*)[ \u00A0\u202F]+$/u;
const TITLE_RE = new RegExp(`(?<![\\p{L}\\p{N}.'’-])${TITLE_SOURCE}`, "gu");
// "Prof. Dr. med. Hans Müller": "med." only ever follows another title.
const CHAINED_TITLE_RE = new RegExp(`${SPACE}+(?:${TITLE_SOURCE}|med\\.(?=${SPACE}))`, "uy");
const INITIALS_RE = new RegExp(`${SPACE}+\\p{Lu}\\.(?:-?\\p{Lu}\\.)*`, "uy");
const WORD_RE = new RegExp(`${SPACE}+(\\p{L}[\\p{L}'’-]*)`, "uy");
const NAME_WORD_RE = /^(?:\p{L}['’])?\p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)*(?:-(?:\p{L}['’])?\p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)*)*$/u;
// Surnames are often written in capitals in Belgian documents ("dr. PEETERS").
const UPPER_NAME_WORD_RE = /^\p{Lu}{3,}(?:-\p{Lu}{2,})*$/u;
const PARTICLES = new Set([
  "van",
  "de",
  "der",
  "den",
  "vanden",
  "vander",
  "von",
  "vom",
  "zu",
  "du",
  "des",
  "la",
  "le",
  "di",
  "da",
  "dos",
  "ten",
  "ter",
  "'t",
  "’t",
  "d'",
  "op",
]);
const NOT_NAMES = new Set([
  // English
  "The",
  "This",
  "That",
  "These",
  "Those",
  "A",
  "An",
  "And",
  "Or",
  "But",
  "If",
  "In",
  "On",
  "At",
  "To",
  "Of",
  "For",
  "With",
  "By",
  "From",
  "As",
  "Is",
  "It",
  "Its",
  "We",
  "Our",
  "They",
  "Their",
  "He",
  "She",
  "His",
  "Her",
  "You",
  "Your",
  "I",
  "Who",
  "What",
  "When",
  "Where",
  "Why",
  "How",
  "Not",
  "No",
  "Yes",
  "All",
  "Any",
  "Some",
  "Each",
  "Every",
  "One",
  "Two",
  // French
  "Les",
  "Un",
  "Une",
  "Et",
  "Ou",
  "Mais",
  "Dans",
  "Sur",
  "Pour",
  "Par",
  "Avec",
  "Sans",
  "Ce",
  "Cette",
  "Ces",
  "Cet",
  "Il",
  "Elle",
  "Ils",
  "Elles",
  "Nous",
  "Vous",
  "Je",
  "Qui",
  "Que",
  "Quand",
  "Où",
  "En",
  // Dutch
  "Het",
  "Een",
  "Maar",
  "Aan",
  "Voor",
  "Met",
  "Bij",
  "Uit",
  "Naar",
  "Over",
  "Dit",
  "Dat",
  "Deze",
  "Die",
  "Wij",
  "Ze",
  "Zij",
  "Hij",
  "Ik",
  "Jij",
  "Er",
  "Wie",
  "Wat",
  "Hoe",
  "Waar",
  "Niet",
  "Geen",
  // German
  "Das",
  "Dem",
  "Ein",
  "Eine",
  "Einen",
  "Und",
  "Oder",
  "Aber",
  "Im",
  "Am",
  "Auf",
  "Mit",
  "Für",
  "Zu",
  "Bei",
  "Nach",
  "Aus",
  "Es",
  "Sie",
  "Wir",
  "Ich",
  "Du",
  "Ihr",
  "Wer",
  "Was",
  "Wie",
  "Wo",
  "Nicht",
  "Kein",
  "Keine",
  // Acronyms written after "Dr" in product names ("Dr AI"), not surnames
  "API",
  "EHR",
  "EPD",
  "EMR",
  "GDPR",
  "AVG",
  "RGPD",
  "DSGVO",
  "ICT",
  "CEO",
  "CIO",
  "CMO",
  "CTO",
  "DPO",
  "LLM",
  "NLP",
  "MRI",
]);

function findTitledNames(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(TITLE_RE)) {
    if (m[0] === "M." && M_NOT_TITLE_BEFORE_RE.test(text.slice(Math.max(0, m.index - 40), m.index))) continue;
    let pos = m.index + m[0].length;
    pos = skipAll(CHAINED_TITLE_RE, text, pos, 3);
    // Up to three initials, spaced or not ("Dr. J. K. Peeters", "Mr J.K. Peeters").
    pos = skipAll(INITIALS_RE, text, pos, 3);
    let names = 0;
    let particles = 0;
    let end = -1;
    while (names < 2) {
      const word = stickyMatch(WORD_RE, text, pos);
      if (!word) break;
      // An English possessive ("Dr. Peeters's team") is not part of the name.
      const w = (word[1] ?? "").replace(/['’]s?$/u, "");
      const wordEnd = pos + word[0].length - ((word[1] ?? "").length - w.length);
      // "Monsieur le Ministre", "Madame la Présidente": a form of address, not a name.
      if (names === 0 && particles === 0 && (w === "le" || w === "la")) break;
      if (particles < 3 && PARTICLES.has(w.toLowerCase())) {
        // A particle only counts when a name follows it ("De Smet", "Jan van Dijk").
        particles++;
        pos = wordEnd;
        continue;
      }
      if (NOT_NAMES.has(w) || !(NAME_WORD_RE.test(w) || UPPER_NAME_WORD_RE.test(w))) break;
      names++;
      particles = 0;
      end = wordEnd;
      pos = wordEnd;
    }
    if (end > 0) found.push({ kind: "titled_name", start: m.index, end });
  }
  return found;
}

function stickyMatch(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  const sticky = new RegExp(re);
  sticky.lastIndex = pos;
  return sticky.exec(text);
}

function skipAll(re: RegExp, text: string, pos: number, max: number): number {
  for (let i = 0; i < max; i++) {
    const m = stickyMatch(re, text, pos);
    if (!m) break;
    pos += m[0].length;
  }
  return pos;
}

// ---------------------------------------------------------------------------------------
// 8. E-mail addresses written out to dodge harvesters: "jan.peeters [at] azheide [dot] be",
// "jan (at) x (dot) be", "marie(arobase)chu-liege.be". A bracketed marker is required, or
// both "at" and "dot" as words with a known top-level domain ("jan at x dot be"), so that
// ordinary prose ("meet at the office", "look at example.com") does not trigger.

const BRACKETED = (words: string) => `[ ]*[\\[({<][ ]*(?:${words})[ ]*[\\])}>][ ]*`;
const AT_WORDS = "at|AT|At|@|arobase|apenstaartje|apestaartje|apenstaart";
const DOT_WORDS = "dot|DOT|Dot|punt|point|\\.";
const OBFUSCATED_EMAIL_RE = new RegExp(
  `(?<![\\p{L}\\p{N}._%+-])[\\p{L}\\p{N}._%+-]{1,64}` +
    `(?<at>${BRACKETED(AT_WORDS)}|[ ]+(?:at|AT)[ ]+)` +
    `[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?` +
    `(?<dots>(?:(?:${BRACKETED(DOT_WORDS)}|[ ]+(?:dot|DOT|punt|point)[ ]+|\\.)[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?){0,6}` +
    `(?:${BRACKETED(DOT_WORDS)}|[ ]+(?:dot|DOT|punt|point)[ ]+|\\.))(?<tld>\\p{L}{2,24})(?![\\p{L}\\p{N}])`,
  "gu",
);
const BRACKET_RE = /[[({<]/;
const WORDED_DOT_RE = /[ ](?:dot|DOT|punt|point)[ ]/;
const KNOWN_TLDS = new Set(["be", "com", "org", "net", "eu", "fr", "nl", "de", "lu", "uk", "ch", "info", "edu", "gov", "io", "health"]);

function findObfuscatedEmails(text: string): Candidate[] {
  const found: Candidate[] = [];
  const re = new RegExp(OBFUSCATED_EMAIL_RE);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const { at = "", dots = "", tld = "" } = m.groups ?? {};
    const bracketed = BRACKET_RE.test(at) || BRACKET_RE.test(dots);
    const worded = WORDED_DOT_RE.test(dots) && KNOWN_TLDS.has(tld.toLowerCase());
    if (bracketed || worded) {
      found.push({ kind: "obfuscated_email", start: m.index, end: m.index + m[0].length });
    } else {
      // "nurse at jan.peeters [at] x [dot] be": the prose match must not swallow the real one.
      re.lastIndex = m.index + 1;
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// 9. Belgian street addresses: street and number, then postcode and town, in the Dutch
// order ("Kerkstraat 12, 9000 Gent", "Grote Markt 1 bus 3, 2000 Antwerpen") and both French
// ones ("12 rue de la Loi, 1000 Bruxelles", "avenue Louise 231, 1050 Ixelles"). The search
// starts from a postcode followed by a town, which is rare in prose, and then looks for a
// street right before it; a postcode alone ("postcode 9000") is not an address.

const NL_STREET_SUFFIXES = [
  "straat",
  "steenweg",
  "laan",
  "plein",
  "weg",
  "dreef",
  "lei",
  "kaai",
  "kade",
  "markt",
  "baan",
  "singel",
  "hof",
  "pad",
  "dijk",
  "vest",
  "gracht",
  "berg",
  "veld",
  "park",
  "plaats",
  "kouter",
  "vliet",
  "wal",
  "dam",
  "poort",
  "ring",
  "wegel",
  "dries",
  "steeg",
  "square",
  "boulevard",
];
// A Dutch street is one word ending in a street word ("Kerkstraat", "Sint-Pietersnieuwstraat",
// "Markt"), after up to three capitalised words ("Grote Markt", "Koning Albertlaan") that
// are not the label or sentence before it ("Thuisadres Kerkstraat 12").
const NOT_STREET_WORDS = "(?:Adres|Thuisadres|Woonadres|Address|Adresse|Domicile|Domicilie|Woonplaats|Woont|Lives|Living|At|In|Op|Te|To|Naar|Bij|Rue|Avenue)";
const NL_STREET = `(?:(?!${NOT_STREET_WORDS}[ ])\\p{Lu}[\\p{L}'’.-]*[ ]){0,3}(?=\\p{Lu})[\\p{L}'’-]*?(?:${NL_STREET_SUFFIXES.map((w) => `[${w[0]!.toUpperCase()}${w[0]}]${w.slice(1)}`).join("|")})`;
const FR_STREET_TYPES = [
  "rue",
  "avenue",
  "av\\.",
  "boulevard",
  "bd",
  "chaussée",
  "chaussee",
  "place",
  "square",
  "quai",
  "allée",
  "allee",
  "chemin",
  "impasse",
  "drève",
  "dreve",
  "clos",
  "route",
  "rempart",
  "galerie",
  "parvis",
  "cours",
  "sentier",
  "ruelle",
  "rond-point",
  "esplanade",
  "vieux[ -]marché",
];
// "rue de la Loi", "Rue Haute", "avenue Louise": the type, then one to six words.
const FR_STREET = `(?:${FR_STREET_TYPES.map((w) => `[${w[0]!.toUpperCase()}${w[0]}]${w.slice(1)}`).join("|")})(?:[ ]+[\\p{L}'’.-]+){1,6}?`;
const HOUSE_NUMBER = `\\d{1,4}(?:[ ]?[A-Za-z](?![\\p{L}]))?(?:[ ]?(?:bis|ter))?(?:[ ]?[-/][ ]?\\d{1,4})?(?:,?[ ]+(?:bus|bte|boîte|boite|b\\.)[ ]?[\\p{L}\\p{N}]{1,6})?`;
const ADDRESS_SEP = `(?:[ ]*,[ ]*|[ ]*\\n[ ]*|[ ]+)`;
const STREET_BEFORE_POSTCODE_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:(?:${NL_STREET}|${FR_STREET})[ ]+${HOUSE_NUMBER}|${HOUSE_NUMBER}[ ]*,?[ ]+(?:${FR_STREET}|${NL_STREET}))${ADDRESS_SEP}$`,
  "u",
);
const POSTCODE_TOWN_RE =
  /(?<![\p{L}\p{N}.,/-])(?:BE?-)?[1-9]\d{3}[ ]+(?:(?:La|Le|Les|Sint|Saint|Sainte)[ ])?\p{Lu}[\p{L}'’]+(?:-[\p{L}'’]+){0,3}(?![\p{L}\p{N}])/gu;
// How far before a postcode the street may start: "Sint-Pietersnieuwstraat 33 bus 12, ".
const STREET_WINDOW = 120;

function findAddresses(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(POSTCODE_TOWN_RE)) {
    const from = Math.max(0, m.index - STREET_WINDOW);
    const street = STREET_BEFORE_POSTCODE_RE.exec(text.slice(from, m.index));
    if (street) found.push({ kind: "address", start: from + street.index, end: m.index + m[0].length });
  }
  return found;
}

// ---------------------------------------------------------------------------------------

/** The kinds of patient identifier the guard detects. */
export type PrivacyKind = (typeof PRIVACY_KINDS)[number];

/** One suspected identifier in one field; `id` is stable across re-scans of the same text. */
export type PrivacyFinding = {
  id: string;
  field: string;
  kind: PrivacyKind;
  match: string;
  excerpt: string;
  /** The sentence the finding is in, as written (absent on findings stored before it existed). */
  sentence?: string;
  start: number;
  end: number;
  blocking: boolean;
  dismissed?: { reason: string };
};

/** The author's declaration that a finding is not personal data, with the reason why. */
export type PrivacyDismissal = { id: string; reason: string };

type Span = { start: number; end: number };

type Candidate = Span & { kind: PrivacyKind };
