// Search hits from stored documents: a document's deflated JSON unpacked, its snippet built
// (the best window of its summary or body, the words it matched marked) and the hit shaped.
// Engine-independent analysis (analysis.ts) decides what a word is; this file only finds the
// matched words again in the original text. Pure functions: the embedded engine runs them on
// its hit threads (hitpool.ts) or, without one, on the request's own thread.

import { inflateRawSync } from "node:zlib";
import type { SearchDocument, SearchHit } from "./engine.ts";
import { isStopWord, normalizeText } from "./words.ts";

/** Approximate snippet length in characters. */
export const SNIPPET_WIDTH = 160;

// Original (unnormalised) text may hold decomposed accents: marks belong to the word.
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/** The document fields a {@link SearchHit} copies (what Meilisearch is asked to retrieve). */
export const HIT_FIELDS = [
  "id",
  "kind",
  "slug",
  "url",
  "title",
  "summary",
  "language",
  "outcome",
  "organization_name",
  "public_descriptor",
  "descriptor_code",
  "funder_name",
  "decision",
  "decided_on",
  "published_at",
  "year",
] as const satisfies readonly (keyof SearchDocument & keyof SearchHit)[];

/** Builds a hit from a document (or the retrieved part of one) and its snippet HTML. */
export function toHit(doc: Pick<SearchDocument, (typeof HIT_FIELDS)[number]>, snippet: string): SearchHit {
  return {
    id: doc.id,
    kind: doc.kind,
    slug: doc.slug,
    url: doc.url,
    title: doc.title,
    summary: doc.summary,
    snippet,
    language: doc.language,
    outcome: doc.outcome ?? null,
    organization_name: doc.organization_name ?? null,
    public_descriptor: doc.public_descriptor ?? null,
    descriptor_code: doc.descriptor_code ?? null,
    funder_name: doc.funder_name ?? null,
    decision: doc.decision ?? null,
    decided_on: doc.decided_on ?? null,
    published_at: doc.published_at,
    year: doc.year,
  };
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** A stored document: its JSON, deflated (the embedded engine's blobs). */
export function unpack(blob: Uint8Array): SearchDocument {
  return JSON.parse(inflateRawSync(blob).toString("utf8")) as SearchDocument;
}

/** The hits of a page: `ends[i]` is where document i's blob ends in `bytes`, `terms[i]` the index words it matched. */
export type HitBatch = { bytes: Uint8Array; ends: Int32Array; terms: string[][] };

/** The hits of `batch`, in its order. */
export function buildHits(batch: HitBatch): SearchHit[] {
  const hits: SearchHit[] = [];
  for (let i = 0; i < batch.ends.length; i++) {
    const doc = unpack(batch.bytes.subarray(i === 0 ? 0 : batch.ends[i - 1]!, batch.ends[i]!));
    hits.push(toHit(doc, buildSnippet([doc.summary, doc.body], new Set(batch.terms[i]), SNIPPET_WIDTH)));
  }
  return hits;
}

// The window with the most distinct query terms wins (summary before body on ties); the
// text is escaped piece by piece so only our own <mark> tags are markup. Without matches,
// the start of the first non-empty text.
/** Snippet HTML: the best ~160-character window of the texts, HTML-escaped, matches in <mark>. */
export function buildSnippet(texts: string[], terms: ReadonlySet<string>, width = SNIPPET_WIDTH): string {
  let best: { text: string; ranges: Range[]; from: number; to: number; score: number } | null = null;
  if (terms.size > 0) {
    for (const text of texts) {
      const ranges = findMatches(text, terms);
      if (ranges.length === 0) continue;
      const window = bestWindow(ranges, width);
      if (best === null || window.score > best.score) best = { text, ranges, ...window };
    }
  }
  if (best === null) {
    const text = texts.find((t) => t.trim() !== "") ?? "";
    const to = cutEnd(text, Math.min(text.length, width), 0);
    return escapeHtml(text.slice(0, to).trimEnd()) + (to < text.length ? "…" : "");
  }
  const { text, ranges } = best;
  // Centre the matched span, leaning left so the match is read in context.
  const span = best.to - best.from;
  let from = Math.max(0, best.from - Math.floor(Math.max(0, width - span) / 3));
  let to = Math.min(text.length, Math.max(from + width, best.to));
  if (to - from < width) from = Math.min(best.from, Math.max(0, to - width));
  from = cutStart(text, from, best.from);
  to = cutEnd(text, to, best.to);
  let html = from > 0 ? "…" : "";
  let pos = from;
  for (const r of ranges) {
    if (r.start < from || r.end > to) continue;
    html += escapeHtml(text.slice(pos, r.start)) + "<mark>" + escapeHtml(text.slice(r.start, r.end)) + "</mark>";
    pos = r.end;
  }
  html += escapeHtml(text.slice(pos, to));
  return html.trim() + (to < text.length ? "…" : "");
}

// Words of `text` whose normalised form is one of `terms` (MiniSearch names the index words a
// post matched, other forms found by stem included), with their offsets, in text order.
// This runs over every hit's body on every search, so rather than normalising each word it
// folds the text once, keeping offsets, and lets indexOf find each term; a text that folding
// would lengthen or shorten (decomposed accents, œ, æ) takes the word-by-word way.
function findMatches(text: string, terms: ReadonlySet<string>): Range[] {
  // A stop word is never a match worth showing, whatever the caller's term set holds.
  const wanted = [...terms].filter((term) => term !== "" && !isStopWord(term));
  if (wanted.length === 0) return [];
  const folded = foldKeepingOffsets(text);
  if (folded === null) return findMatchesWordByWord(text, new Set(wanted));
  const ranges: Range[] = [];
  for (const term of wanted) {
    for (let at = folded.indexOf(term); at !== -1; at = folded.indexOf(term, at + 1)) {
      const end = at + term.length;
      if (!isTermChar(folded, at - 1) && !isTermChar(folded, end)) ranges.push({ start: at, end, term });
    }
  }
  return ranges.sort((a, b) => a.start - b.start);
}

const TERM_CHAR = /[\p{L}\p{N}]/u;
const foldedChars = new Map<string, string>();

// True when text[i] belongs to a term (tokenize() splits on anything else).
function isTermChar(text: string, i: number): boolean {
  return i >= 0 && i < text.length && TERM_CHAR.test(text[i]!);
}

// normalizeText() with the offsets of the original kept, or null when they cannot be.
// Characters that folding removes or widens (combining marks fold to "", œ and æ to two
// letters) are caught per character below; a separate /[\p{M}œæ]/ scan of the whole text
// first was the single largest cost of a search under load (profiled: 2.0 of 15.8 s).
function foldKeepingOffsets(text: string): string | null {
  const lower = text.toLowerCase();
  if (lower.length !== text.length) return null;
  if (!/[^\u0000-\u007f]/.test(lower)) return lower;
  let failed = false;
  const folded = lower.replace(/[^\u0000-\u007f]/g, (c) => {
    let f = foldedChars.get(c);
    if (f === undefined) {
      f = normalizeText(c);
      if (foldedChars.size < 4096) foldedChars.set(c, f);
    }
    if (f.length !== 1) failed = true;
    return f;
  });
  return failed ? null : folded;
}

// The word-by-word way of findMatches().
function findMatchesWordByWord(text: string, terms: ReadonlySet<string>): Range[] {
  const ranges: Range[] = [];
  for (const m of text.matchAll(WORD)) {
    const term = normalizeText(m[0]);
    if (terms.has(term)) ranges.push({ start: m.index, end: m.index + m[0].length, term });
  }
  return ranges;
}

// Sliding window over the match offsets: most distinct terms first, then most matches.
function bestWindow(ranges: Range[], width: number): { from: number; to: number; score: number } {
  let best = { from: ranges[0]!.start, to: ranges[0]!.end, score: 0 };
  const inWindow = new Map<string, number>();
  let j = 0;
  for (let i = 0; i < ranges.length; i++) {
    while (j < ranges.length && ranges[j]!.end - ranges[i]!.start <= width) {
      const t = ranges[j]!.term;
      inWindow.set(t, (inWindow.get(t) ?? 0) + 1);
      j++;
    }
    if (j === i) {
      // A single word longer than the window still counts on its own.
      inWindow.set(ranges[i]!.term, 1);
      j = i + 1;
    }
    const score = inWindow.size * 1000 + (j - i);
    if (score > best.score) best = { from: ranges[i]!.start, to: ranges[j - 1]!.end, score };
    const t = ranges[i]!.term;
    const n = inWindow.get(t)! - 1;
    if (n === 0) inWindow.delete(t);
    else inWindow.set(t, n);
  }
  return best;
}

// Moves a cut start forward to the start of a word, at most to `limit` (a match start).
function cutStart(text: string, from: number, limit: number): number {
  for (let k = from; k < limit; k++) if (k === 0 || /\s/.test(text[k - 1]!)) return k;
  return limit;
}

// Moves a cut end back to the end of a word, never before `limit` (a match end).
function cutEnd(text: string, to: number, limit: number): number {
  if (to >= text.length) return text.length;
  for (let k = to; k > limit; k--) if (/\s/.test(text[k]!)) return k;
  return to;
}

type Range = { start: number; end: number; term: string };
