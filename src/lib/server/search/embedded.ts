// The embedded search engine: MiniSearch in the server process, so a small Casebook needs
// no search server at all. MiniSearch does the text matching and ranking; filters, disjunctive
// facet counts, sorting and paging run over our own Map of raw documents, in one tight loop
// over the matched set. The index can be snapshotted to disk so a restart does not have to
// rebuild it from PocketBase (the fingerprint tells the caller whether a snapshot is stale).

import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import MiniSearch from "minisearch";
import type { AsPlainObject, Options } from "minisearch";
import {
  FACETS,
  STOP_WORDS,
  assertValidDocuments,
  emptyFacets,
  escapeHtml,
  facetKey,
  facetValues,
  sortFacetCounts,
  toHit,
} from "./engine.ts";
import type { SearchDocument, SearchEngine, SearchQuery, SearchResult } from "./engine.ts";

/** Field boosts: title ≫ tags > summary > lessons > body; names of orgs/funders/calls in between. */
export const EMBEDDED_BOOSTS = {
  title: 8,
  tags: 4,
  organization_name: 3,
  funder_name: 2.5,
  call_title: 2.5,
  summary: 2.5,
  lessons: 1.8,
  public_descriptor: 1.2,
  body: 1,
} as const;

/** Approximate snippet length in characters. */
export const SNIPPET_WIDTH = 160;

const SEARCH_FIELDS = Object.keys(EMBEDDED_BOOSTS);
const STOP = new Set(STOP_WORDS);
const TERM = /[\p{L}\p{N}]+/gu;
// Original (unnormalised) text may hold decomposed accents: marks belong to the word.
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;

/** Lowercases and strips diacritics, so "Évaluation" and "evaluation" are the same term. */
export function normalizeText(text: string): string {
  const lower = text.toLowerCase();
  // Fast path: most text is ASCII, and NFD over megabytes of it is the indexing hot spot.
  // eslint-disable-next-line no-control-regex
  if (!/[^\u0000-\u007f]/.test(lower)) return lower;
  return lower.normalize("NFD").replace(MARKS, "").replace(/œ/g, "oe").replace(/æ/g, "ae");
}

/** Splits text into normalised terms (the same for documents and queries). */
export function tokenize(text: string): string[] {
  return normalizeText(text).match(TERM) ?? [];
}

// Tokens arrive already normalised from tokenize(); only stop words are dropped here.
function processTerm(term: string): string | null {
  return term === "" || STOP.has(term) ? null : term;
}

/** The terms of a query as the index sees them (normalised, stop words removed). */
export function queryTerms(q: string): string[] {
  return tokenize(q).filter((t) => !STOP.has(t));
}

/** Typo budget by term length: none up to 3 characters, 1 up to 7, 2 beyond (as in MEILI_SETTINGS). */
export function typoBudget(term: string): number {
  return term.length <= 3 ? 0 : term.length <= 7 ? 1 : 2;
}

const MINI_OPTIONS: Options<SearchDocument> = {
  idField: "id",
  fields: SEARCH_FIELDS,
  storeFields: [],
  extractField: (doc, field) => (field === "tags" ? doc.tags.join(" ") : (doc as unknown as Record<string, unknown>)[field]),
  tokenize,
  processTerm,
  searchOptions: {
    boost: { ...EMBEDDED_BOOSTS },
    fuzzy: (term) => typoBudget(term),
    maxFuzzy: 2,
    // Prefix only on the last word (the one being typed), and not on a lone letter, which
    // would drag in most of the vocabulary.
    prefix: (term, i, terms) => i === terms.length - 1 && term.length >= 2,
    combineWith: "AND",
  },
};

/** Creates the embedded engine; `snapshotPath` enables save()/load(). */
export function createEmbeddedEngine(options: { snapshotPath?: string } = {}): EmbeddedEngine {
  const snapshotPath = options.snapshotPath;
  let mini = new MiniSearch<SearchDocument>(MINI_OPTIONS);
  let entries = new Map<string, Entry>();
  // Derived state, rebuilt lazily after writes.
  let newest: Entry[] | null = null;
  let fingerprintCache: string | null = null;

  function changed(): void {
    newest = null;
    fingerprintCache = null;
  }

  function fingerprint(): string {
    fingerprintCache ??= fingerprintOf([...entries.values()].map((e) => e.doc));
    return fingerprintCache;
  }

  function newestFirst(): Entry[] {
    newest ??= [...entries.values()].sort(byNewest);
    return newest;
  }

  async function search(query: SearchQuery): Promise<SearchResult> {
    const started = performance.now();
    const filters = compileFilters(query.filters);
    const terms = queryTerms(query.q);
    let list: Entry[];
    let scores: number[] | null = null;
    let matchedTerms: string[][] | null = null;
    let evaluation: Evaluation;

    if (terms.length === 0) {
      // Browse (or a query of stop words only): everything, newest first.
      list = newestFirst();
      evaluation = evaluate(list, filters);
    } else {
      const run = (combineWith: "AND" | "OR") => {
        const results = mini.search(query.q, { combineWith });
        const l: Entry[] = [];
        const s: number[] = [];
        const m: string[][] = [];
        for (const r of results) {
          const entry = entries.get(r.id as string);
          if (!entry) continue;
          l.push(entry);
          s.push(r.score);
          m.push(r.terms);
        }
        return { l, s, m, e: evaluate(l, filters) };
      };
      let attempt = run("AND");
      // AND first; if nothing survives (text and filters), accept any of the words.
      if (attempt.e.matched.length === 0 && terms.length > 1) attempt = run("OR");
      list = attempt.l;
      scores = attempt.s;
      matchedTerms = attempt.m;
      evaluation = attempt.e;
    }

    const order = evaluation.matched;
    if (scores !== null) {
      if (query.sort === "newest") {
        order.sort((a, b) => byNewest(list[a]!, list[b]!));
      } else {
        breakScoreTies(order, scores, list);
      }
    }

    const total = order.length;
    const from = (query.page - 1) * query.perPage;
    const hits = order.slice(from, from + query.perPage).map((i) => {
      const doc = list[i]!.doc;
      const termSet = new Set(matchedTerms?.[i] ?? []);
      return toHit(doc, buildSnippet([doc.summary, doc.body], termSet));
    });

    const facets = emptyFacets();
    FACETS.forEach((facet, fi) => {
      facets[facet] = sortFacetCounts([...evaluation.counters[fi]!.values()]);
    });

    return {
      hits,
      total,
      page: query.page,
      perPage: query.perPage,
      totalPages: Math.ceil(total / query.perPage),
      facets,
      suggestion: terms.length > 0 ? suggest(mini, query.q) : null,
      tookMs: Math.round((performance.now() - started) * 100) / 100,
    };
  }

  function upsertSync(docs: SearchDocument[]): void {
    assertValidDocuments(docs);
    for (const doc of docs) {
      if (mini.has(doc.id)) mini.discard(doc.id);
      mini.add(doc);
      entries.set(doc.id, toEntry(doc));
    }
    changed();
  }

  return {
    name: "embedded",

    async ensureIndex() {
      // The index exists from construction; settings are code (MINI_OPTIONS).
    },

    async upsert(docs) {
      upsertSync(docs);
    },

    async remove(ids) {
      for (const id of ids) {
        if (mini.has(id)) mini.discard(id);
        entries.delete(id);
      }
      changed();
    },

    search,

    async health() {
      return { ok: true, documents: entries.size };
    },

    async reindex(batches) {
      // Build aside, then swap: searches keep using the old index until the new one is whole.
      const byId = new Map<string, SearchDocument>();
      for await (const batch of batches) {
        assertValidDocuments(batch);
        for (const doc of batch) byId.set(doc.id, doc);
      }
      const next = new MiniSearch<SearchDocument>(MINI_OPTIONS);
      // Async so a large rebuild does not freeze the server that is still serving searches.
      await next.addAllAsync([...byId.values()], { chunkSize: 200 });
      const nextEntries = new Map<string, Entry>();
      for (const doc of byId.values()) nextEntries.set(doc.id, toEntry(doc));
      mini = next;
      entries = nextEntries;
      changed();
      return { count: entries.size };
    },

    async count() {
      return entries.size;
    },

    fingerprint,

    async save() {
      if (!snapshotPath) throw new Error("embedded search: no snapshotPath configured");
      const snapshot: Snapshot = {
        format: 1,
        savedAt: new Date().toISOString(),
        fingerprint: fingerprint(),
        index: mini.toJSON(),
        docs: [...entries.values()].map((e) => e.doc),
      };
      await mkdir(path.dirname(snapshotPath), { recursive: true });
      // Temp file + rename: a crash mid-write leaves the previous snapshot intact.
      const temp = `${snapshotPath}.${process.pid}.${randomUUID()}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(snapshot));
        await rename(temp, snapshotPath);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },

    async load() {
      if (!snapshotPath) return false;
      let text: string;
      try {
        text = await readFile(snapshotPath, "utf8");
      } catch {
        return false;
      }
      try {
        const snapshot = JSON.parse(text) as Partial<Snapshot>;
        if (snapshot?.format !== 1 || !Array.isArray(snapshot.docs) || typeof snapshot.index !== "object") {
          return false;
        }
        const docs = snapshot.docs;
        if (!docs.every(looksLikeDocument)) return false;
        // A snapshot whose docs do not hash to its own fingerprint was damaged or hand-edited.
        if (fingerprintOf(docs) !== snapshot.fingerprint) return false;
        const loaded = MiniSearch.loadJS<SearchDocument>(snapshot.index as AsPlainObject, MINI_OPTIONS);
        if (loaded.documentCount !== docs.length) return false;
        const nextEntries = new Map<string, Entry>();
        for (const doc of docs) {
          if (!loaded.has(doc.id)) return false;
          nextEntries.set(doc.id, toEntry(doc));
        }
        mini = loaded;
        entries = nextEntries;
        changed();
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * Fingerprint of a document set: count plus a hash of the sorted (id, published_at) pairs.
 * A caller computes it from PocketBase's published records and compares it with the
 * snapshot's to decide between load() and reindex().
 */
export function fingerprintOf(docs: Iterable<Pick<SearchDocument, "id" | "published_at">>): string {
  const pairs: string[] = [];
  for (const doc of docs) pairs.push(`${doc.id}\t${doc.published_at}`);
  pairs.sort();
  const hash = createHash("sha256");
  for (const pair of pairs) hash.update(pair).update("\n");
  return `${pairs.length}-${hash.digest("hex").slice(0, 24)}`;
}

/**
 * Snippet HTML: the best ~160-character window of the first text with query terms (summary
 * before body on ties), HTML-escaped, with matched terms wrapped in <mark>. Without matches,
 * the start of the first non-empty text.
 */
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

// Words of `text` whose normalised form is one of `terms`, with their offsets.
function findMatches(text: string, terms: ReadonlySet<string>): Range[] {
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

// Facet values of a document, once normalised for filtering and once as displayed.
function toEntry(doc: SearchDocument): Entry {
  const values = FACETS.map((facet) => facetValues(doc, facet));
  return { doc, values, keys: values.map((list) => list.map(facetKey)) };
}

function compileFilters(filters: SearchQuery["filters"]): CompiledFilter[] {
  const compiled: CompiledFilter[] = [];
  FACETS.forEach((facet, index) => {
    const values = filters[facet];
    if (values && values.length > 0) compiled.push({ facet: index, keys: new Set(values.map(facetKey)) });
  });
  return compiled;
}

/**
 * One pass over the candidates: a candidate failing no filter is a hit and counts for every
 * facet; one failing exactly one filter counts only for that filter's facet (disjunctive
 * faceting: a facet's counts ignore its own selection); failing two or more, it counts nowhere.
 */
function evaluate(list: readonly Entry[], filters: readonly CompiledFilter[]): Evaluation {
  const counters: Counter[] = FACETS.map(() => new Map());
  const matched: number[] = [];
  const facetCount = FACETS.length;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!;
    let fails = 0;
    let failed = -1;
    for (let f = 0; f < filters.length; f++) {
      const filter = filters[f]!;
      const keys = entry.keys[filter.facet]!;
      let hit = false;
      for (let k = 0; k < keys.length; k++) {
        if (filter.keys.has(keys[k]!)) {
          hit = true;
          break;
        }
      }
      if (!hit) {
        failed = filter.facet;
        if (++fails > 1) break;
      }
    }
    if (fails === 0) {
      matched.push(i);
      for (let fi = 0; fi < facetCount; fi++) tally(counters[fi]!, entry, fi);
    } else if (fails === 1) {
      tally(counters[failed]!, entry, failed);
    }
  }
  return { matched, counters };
}

function tally(counter: Counter, entry: Entry, facet: number): void {
  const keys = entry.keys[facet]!;
  for (let k = 0; k < keys.length; k++) {
    const bucket = counter.get(keys[k]!);
    if (bucket) bucket.count++;
    else counter.set(keys[k]!, { value: entry.values[facet]![k]!, count: 1 });
  }
}

function byNewest(a: Entry, b: Entry): number {
  return b.doc.published_ts - a.doc.published_ts || (a.doc.id < b.doc.id ? -1 : a.doc.id > b.doc.id ? 1 : 0);
}

// MiniSearch orders by score; equal scores are put newest first so pages are deterministic.
function breakScoreTies(order: number[], scores: readonly number[], list: readonly Entry[]): void {
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) end++;
    if (end - start > 1) {
      const run = order.slice(start, end).sort((a, b) => byNewest(list[a]!, list[b]!));
      for (let k = 0; k < run.length; k++) order[start + k] = run[k]!;
    }
    start = end;
  }
}

/**
 * "Did you mean": each query word that is not in the vocabulary (nor, for the last word, a
 * prefix of a term) is replaced by the closest vocabulary term by edit distance (up to 1, 2
 * or 3 edits by length), ties going to the term in most documents. Such a word means the
 * hits, if any, came from typo tolerance alone. Null when every word is known or no
 * correction is found.
 */
function suggest(mini: MiniSearch<SearchDocument>, q: string): string | null {
  const vocab = vocabularyOf(mini);
  if (!vocab) return null;
  const words = q.match(WORD) ?? [];
  const normalized = words.map(normalizeText);
  let last = -1;
  normalized.forEach((t, i) => {
    if (!STOP.has(t)) last = i;
  });
  let corrected = false;
  const out = words.map((word, i) => {
    const term = normalized[i]!;
    if (term.length < 3 || STOP.has(term) || vocab.has(term)) return word;
    if (i === last && !vocab.atPrefix(term).keys().next().done) return word;
    const maxDistance = term.length <= 4 ? 1 : term.length <= 7 ? 2 : 3;
    let best: { term: string; distance: number; docs: number } | null = null;
    for (const [candidate, [data, distance]] of vocab.fuzzyGet(term, maxDistance)) {
      let docs = 0;
      for (const postings of data.values()) docs = Math.max(docs, postings.size);
      if (
        best === null ||
        distance < best.distance ||
        (distance === best.distance && (docs > best.docs || (docs === best.docs && candidate < best.term)))
      ) {
        best = { term: candidate, distance, docs };
      }
    }
    if (best === null) return word;
    corrected = true;
    return best.term;
  });
  return corrected ? out.join(" ") : null;
}

// MiniSearch 7 keeps its term radix tree in the protected `_index` (loadJS always builds a
// plain MiniSearch, so a subclass cannot expose it). Read-only use; if a future version
// renames it, suggestions quietly become null rather than breaking search.
function vocabularyOf(mini: MiniSearch<SearchDocument>): Vocabulary | null {
  const index = (mini as unknown as { _index?: Partial<Vocabulary> })._index;
  return index && typeof index.fuzzyGet === "function" && typeof index.atPrefix === "function"
    ? (index as Vocabulary)
    : null;
}

function looksLikeDocument(doc: unknown): doc is SearchDocument {
  const d = doc as Partial<SearchDocument> | null;
  return (
    typeof d === "object" &&
    d !== null &&
    typeof d.id === "string" &&
    typeof d.title === "string" &&
    typeof d.published_at === "string" &&
    typeof d.published_ts === "number" &&
    Array.isArray(d.tags) &&
    Array.isArray(d.care_settings) &&
    Array.isArray(d.ai_types) &&
    Array.isArray(d.rejection_reasons)
  );
}

/** The embedded engine: the shared contract plus snapshot persistence. */
export type EmbeddedEngine = SearchEngine & {
  readonly name: "embedded";
  /** Hash of the indexed (id, published_at) pairs; see {@link fingerprintOf}. */
  fingerprint(): string;
  /** Writes the snapshot atomically; throws without a snapshotPath. */
  save(): Promise<void>;
  /** Replaces the index with the snapshot; false (never a throw) if missing, corrupt or inconsistent. */
  load(): Promise<boolean>;
};

/** The on-disk snapshot. */
export type Snapshot = {
  format: 1;
  savedAt: string;
  fingerprint: string;
  index: AsPlainObject;
  docs: SearchDocument[];
};

type Entry = { doc: SearchDocument; values: string[][]; keys: string[][] };
type CompiledFilter = { facet: number; keys: Set<string> };
type Counter = Map<string, { value: string; count: number }>;
type Evaluation = { matched: number[]; counters: Counter[] };
type Range = { start: number; end: number; term: string };
type Postings = Map<number, Map<number, number>>;
type Vocabulary = {
  has(term: string): boolean;
  atPrefix(prefix: string): { keys(): Iterator<string> };
  fuzzyGet(term: string, maxDistance: number): Map<string, [Postings, number]>;
};
