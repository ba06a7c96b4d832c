// The embedded search engine: MiniSearch in the server process, so a small Casebook needs
// no search server at all. MiniSearch does the text matching and ranking; filters, disjunctive
// facet counts, sorting and paging run over our own Map of raw documents (their facet values
// packed into typed arrays), in one tight loop over the matched set. The index can be
// snapshotted to disk so a restart need not rebuild it from PocketBase (the fingerprint tells
// the caller whether a snapshot is stale). Call load() before serving writes: it replaces
// the index wholesale.

import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import MiniSearch from "minisearch";
import type { AsPlainObject, Options, Query } from "minisearch";
import { FACETS, STOP_WORDS, assertValidDocuments, emptyFacets, escapeHtml, facetKey, facetValues, inAmountRange, sortFacetCounts, toHit } from "./engine.ts";
import type { Language, SearchDocument, SearchEngine, SearchQuery, SearchResult } from "./engine.ts";
import { StemFamilies, isStemLanguage, isStopWord, normalizeText, queryTerms, tokenize } from "./analysis.ts";
import { glossaryMatches } from "./glossary.ts";
import { queryLanguage } from "./language.ts";

// Analysis moved to analysis.ts (engine-independent); re-exported for existing callers.
export { normalizeText, queryTerms, tokenize };

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
const MIN_PREFIX = 3;
const RECENT_RESULTS = 128;
const STOP = new Set(STOP_WORDS);
// Original (unnormalised) text may hold decomposed accents: marks belong to the word.
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

// Tokens arrive already normalised from tokenize(); only stop words are dropped here.
function processTerm(term: string): string | null {
  return term === "" || STOP.has(term) ? null : term;
}

// Posts found only with the help of a glossary alternative ("fall" for the query "chute") rank
// after the posts using the words typed (in practice, the query's own language), at most this
// fraction of the lowest typed score.
const CROSS_LANGUAGE_WEIGHT = 0.5;

// Fields whose words join the stem families (analysis.ts) of the post's language, so a query
// word finds their other forms. Names (of organisations, funders, calls) and descriptors do
// not: a stem would only blur them.
const STEMMED_FIELDS = new Set(["title", "tags", "summary", "lessons", "body"]);
// extractField() puts the post's language before a stemmed field's text, for the tokenizer.
const LANGUAGE_MARK = "\u0000";

// Text of a document field as MiniSearch indexes it.
function extractField(doc: SearchDocument, field: string): string {
  const value = field === "tags" ? doc.tags.join(" ") : (doc as unknown as Record<string, unknown>)[field];
  const text = typeof value === "string" ? value : "";
  return STEMMED_FIELDS.has(field) && isStemLanguage(doc.language) ? `${LANGUAGE_MARK}${doc.language}${LANGUAGE_MARK}${text}` : text;
}

// MiniSearch's tokenizer for one index: the words of a marked field text also join that
// index's stem families; anything else (other fields, and query strings) is just split.
function indexTokenizer(families: StemFamilies): (text: string) => string[] {
  return (text) => {
    if (text.startsWith(LANGUAGE_MARK)) {
      const end = text.indexOf(LANGUAGE_MARK, 1);
      const lang = text.slice(1, end);
      const terms = tokenize(text.slice(end + 1));
      if (isStemLanguage(lang)) for (const term of terms) families.add(term, lang);
      return terms;
    }
    return tokenize(text);
  };
}

// A leaf that looks up index words as they are: no tokenising, no typos, no prefix; with
// `onlyIn`, only in the posts that boost does not zero (MiniSearch skips a zero boost).
const exactWords = (words: string[], onlyIn?: (id: string) => number): Query => ({
  queries: words,
  ...(onlyIn ? { boostDocument: onlyIn } : {}),
  combineWith: "OR",
  tokenize: (t: string) => [t],
  processTerm: (t: string) => t,
  fuzzy: false,
  prefix: false,
});

/**
 * The MiniSearch query for a query text. Each word matches as typed (with the typo and prefix
 * rules of miniOptions()) or, given the index's stem `families`, by the indexed words sharing
 * its stem in any of the three languages ("chutes" finds "chute"). With `glossary`, each stretch naming a glossary concept may also be matched by the
 * concept's other names in any language; those match exactly (no typos, no prefix): a typo
 * budget on "fall" would find "call", and the typed word already carries the typo tolerance.
 * Null when there is nothing to search, or (with `glossary`) when the query names no concept.
 */
export function buildQuery(q: string, combineWith: "AND" | "OR", options: { glossary: boolean; stems?: StemLookup }): Query | null {
  const terms = queryTerms(q);
  if (terms.length === 0) return null;
  const matches = options.glossary ? glossaryMatches(terms) : [];
  if (options.glossary && matches.length === 0) return null;
  const last = terms.length - 1;
  const typed = (term: string, i: number): Query => {
    const asTyped: Query = { queries: [term], combineWith: "AND", prefix: i === last && term.length >= MIN_PREFIX };
    const stems = options.stems;
    const relatives = stems?.families.relatives(term) ?? [];
    if (stems === undefined || relatives.length === 0) return asTyped;
    const inLanguage = (lang: string) => (id: string) => (stems.languageOf(id) === lang ? 1 : 0);
    return { combineWith: "OR", queries: [asTyped, ...relatives.map((r) => exactWords(r.words, inLanguage(r.lang)))] };
  };
  const nodes: Query[] = [];
  for (let i = 0; i < terms.length; ) {
    const match = matches.find((m) => m.start === i);
    if (!match) {
      nodes.push(typed(terms[i]!, i));
      i += 1;
      continue;
    }
    const phrase: Query = { combineWith: "AND", queries: match.terms.map((t, k) => typed(t, i + k)) };
    const alternatives: Query[] = match.alternatives.map((alt) => ({ combineWith: "AND", queries: alt, fuzzy: false, prefix: false }));
    nodes.push({ combineWith: "OR", queries: [phrase, ...alternatives] });
    i += match.terms.length;
  }
  return { combineWith, queries: nodes };
}

/**
 * Searches the words typed and, when they name glossary concepts, the widened query too. Posts
 * the typed words find keep their score and order; posts only the widened query finds follow.
 */
function searchWithGlossary(mini: MiniSearch<SearchDocument>, stems: StemLookup, q: string, combineWith: "AND" | "OR"): SearchResultOf[] {
  const query = buildQuery(q, combineWith, { glossary: false, stems });
  if (query === null) return [];
  const typed = mini.search(query, { combineWith });
  const widened = buildQuery(q, combineWith, { glossary: true, stems });
  if (widened === null) return typed;
  const seen = new Set(typed.map((r) => r.id));
  const extra = mini.search(widened, { combineWith }).filter((r) => !seen.has(r.id));
  if (extra.length === 0) return typed;
  // MiniSearch multiplies a score by the number of query terms matched, so a post saying "fall",
  // "falls" and "val" would outscore the post saying "chute": the widened scores are not
  // comparable with the typed ones. Posts the typed words find come first; the others follow
  // in their own score order, rescaled below the lowest typed score.
  const floor = typed.length > 0 ? Math.min(...typed.map((r) => r.score)) : 1;
  const top = Math.max(...extra.map((r) => r.score));
  for (const r of extra) r.score = floor * CROSS_LANGUAGE_WEIGHT * (r.score / top);
  return [...typed, ...extra];
}

/** What buildQuery() needs to widen words by stem: the index's families and each post's language. */
export type StemLookup = { families: StemFamilies; languageOf: (id: string) => string | undefined };

type SearchResultOf = ReturnType<MiniSearch<SearchDocument>["search"]>[number];

/** Typo budget by term length: none up to 3 characters, 1 up to 7, 2 beyond (as in MEILI_SETTINGS). */
export function typoBudget(term: string): number {
  return term.length <= 3 ? 0 : term.length <= 7 ? 1 : 2;
}

// MiniSearch's options for an index whose words feed `families`.
const miniOptions = (families: StemFamilies): Options<SearchDocument> => ({
  idField: "id",
  fields: SEARCH_FIELDS,
  storeFields: [],
  extractField,
  tokenize: indexTokenizer(families),
  processTerm,
  searchOptions: {
    boost: { ...EMBEDDED_BOOSTS },
    fuzzy: (term) => typoBudget(term),
    maxFuzzy: 2,
    // Prefix only on the last word (the one being typed), and only from 3 letters: shorter
    // prefixes expand to thousands of terms (a 2-letter prefix cost ~0.5 s on 20,000 posts).
    prefix: (term, i, terms) => i === terms.length - 1 && term.length >= MIN_PREFIX,
    combineWith: "AND",
  },
});

/** Creates the embedded engine; `snapshotPath` enables save()/load(). */
export function createEmbeddedEngine(options: { snapshotPath?: string } = {}): EmbeddedEngine {
  const snapshotPath = options.snapshotPath;
  let families = new StemFamilies();
  let mini = new MiniSearch<SearchDocument>(miniOptions(families));
  let entries = new Map<string, Entry>();
  // Facet values as small integers, so filtering and counting are typed-array lookups.
  const dictionary = newDictionary();
  // Derived state, rebuilt lazily after writes.
  let view: View | null = null;
  let shortIdDocuments: ((shortId: number) => SearchDocument | undefined) | null = null;
  let fingerprintCache: string | null = null;
  // Recent results: the landing page and popular facet clicks repeat; any write clears it.
  const recent = new Map<string, SearchResult>();
  // Writes made while a reindex is building, replayed onto the new index before the swap so
  // a post published during a rebuild is not lost (nor a removed one resurrected).
  const journals = new Set<Write[]>();

  // The language of an indexed post, for stem lookups confined to one language.
  const languageOf = (id: string): string | undefined => entries.get(id)?.doc.language;

  function changed(): void {
    view = null;
    shortIdDocuments = null;
    fingerprintCache = null;
    recent.clear();
  }

  function fingerprint(): string {
    fingerprintCache ??= fingerprintOf([...entries.values()].map((e) => e.doc));
    return fingerprintCache;
  }

  function documentOfShortId(): (shortId: number) => SearchDocument | undefined {
    shortIdDocuments ??= documentsByShortId(mini, entries);
    return shortIdDocuments;
  }

  function currentView(): View {
    view ??= buildView([...entries.values()].sort(byNewest));
    return view;
  }

  async function search(query: SearchQuery): Promise<SearchResult> {
    const started = performance.now();
    const key = cacheKey(query);
    const cached = recent.get(key);
    if (cached) {
      recent.delete(key);
      recent.set(key, cached);
      // A copy, so a caller mutating its result cannot corrupt the next one.
      return { ...structuredClone(cached), tookMs: elapsed(started) };
    }
    const result = compute(query, started);
    recent.set(key, structuredClone(result));
    if (recent.size > RECENT_RESULTS) recent.delete(recent.keys().next().value!);
    return result;
  }

  function compute(query: SearchQuery, started: number): SearchResult {
    const v = currentView();
    const filters = compileFilters(query.filters, dictionary);
    const terms = queryTerms(query.q);
    // Candidates are view slots in rank order; slot order is newest-first order.
    let candidates: Int32Array;
    let scores: Float64Array | null = null;
    let matchedTerms: string[][] | null = null;
    let evaluation: Evaluation;

    // The amount range narrows the candidates for every facet alike, like the text does.
    const inRange = (slot: number) => inAmountRange(v.ordered[slot]!.doc, query.amount);
    if (terms.length === 0) {
      // Browse (or a query of stop words only): everything, newest first.
      candidates = query.amount ? v.all.filter(inRange) : v.all;
      evaluation = evaluate(candidates, filters, v, dictionary);
    } else {
      const run = (combineWith: "AND" | "OR") => {
        const results = searchWithGlossary(mini, { families, languageOf }, query.q, combineWith);
        const slots = new Int32Array(results.length);
        const s = new Float64Array(results.length);
        const m: string[][] = [];
        let n = 0;
        for (const r of results) {
          const entry = entries.get(r.id as string);
          if (!entry || (query.amount && !inRange(entry.slot))) continue;
          slots[n] = entry.slot;
          s[n] = r.score;
          // The index words the post matched (typo, prefix and stem forms included), to mark in its snippet.
          m[n] = Object.keys(r.match);
          n++;
        }
        const c = slots.subarray(0, n);
        return { c, s, m, e: evaluate(c, filters, v, dictionary) };
      };
      let attempt = run("AND");
      // AND first; if nothing survives (text and filters), accept any of the words.
      if (attempt.e.matched.length === 0 && terms.length > 1) attempt = run("OR");
      candidates = attempt.c;
      scores = attempt.s;
      matchedTerms = attempt.m;
      evaluation = attempt.e;
    }

    const order = evaluation.matched;
    if (scores !== null) {
      if (query.sort === "newest") order.sort((a, b) => candidates[a]! - candidates[b]!);
      else breakScoreTies(order, scores, candidates);
    }

    const total = order.length;
    const from = (query.page - 1) * query.perPage;
    const hits = [...order.subarray(from, from + query.perPage)].map((i) => {
      const doc = v.ordered[candidates[i]!]!.doc;
      const termSet = new Set(matchedTerms?.[i] ?? []);
      return toHit(doc, buildSnippet([doc.summary, doc.body], termSet, SNIPPET_WIDTH));
    });

    const facets = emptyFacets();
    FACETS.forEach((facet, fi) => {
      const counts = evaluation.counts[fi]!;
      const labels = dictionary.labels[fi]!;
      const list: { value: string; count: number }[] = [];
      for (let id = 0; id < counts.length; id++) if (counts[id]! > 0) list.push({ value: labels[id]!, count: counts[id]! });
      facets[facet] = sortFacetCounts(list);
    });

    return {
      hits,
      total,
      page: query.page,
      perPage: query.perPage,
      totalPages: Math.ceil(total / query.perPage),
      facets,
      suggestion: terms.length > 0 ? suggest(mini, families, query.q, queryLanguage(query.q, query.locale), documentOfShortId()) : null,
      tookMs: elapsed(started),
    };
  }

  function apply(write: Write, target: { mini: MiniSearch<SearchDocument>; entries: Map<string, Entry> } = { mini, entries }): void {
    if ("upsert" in write) {
      for (const doc of write.upsert) {
        if (target.mini.has(doc.id)) target.mini.discard(doc.id);
        target.mini.add(doc);
        target.entries.set(doc.id, toEntry(doc, dictionary));
      }
    } else {
      for (const id of write.remove) {
        if (target.mini.has(id)) target.mini.discard(id);
        target.entries.delete(id);
      }
    }
  }

  function write(op: Write): void {
    apply(op);
    for (const journal of journals) journal.push(op);
    changed();
  }

  return {
    name: "embedded",

    async ensureIndex() {
      // The index exists from construction; settings are code (miniOptions()).
    },

    async upsert(docs) {
      assertValidDocuments(docs);
      // Last version wins within one call, as in Meilisearch.
      write({ upsert: [...new Map(docs.map((d) => [d.id, d])).values()] });
    },

    async remove(ids) {
      write({ remove: [...ids] });
    },

    search,

    async health() {
      return { ok: true, documents: entries.size };
    },

    async reindex(batches) {
      // Build aside, then swap: searches keep using the old index until the new one is whole.
      const journal: Write[] = [];
      journals.add(journal);
      try {
        const byId = new Map<string, SearchDocument>();
        for await (const batch of batches) {
          assertValidDocuments(batch);
          for (const doc of batch) byId.set(doc.id, doc);
        }
        const nextFamilies = new StemFamilies();
        const next = { mini: new MiniSearch<SearchDocument>(miniOptions(nextFamilies)), entries: new Map<string, Entry>() };
        // Async so a large rebuild does not freeze the server that is still serving searches.
        await next.mini.addAllAsync([...byId.values()], { chunkSize: 200 });
        for (const doc of byId.values()) next.entries.set(doc.id, toEntry(doc, dictionary));
        // Replay and swap synchronously: no write can slip in between.
        for (const op of journal) apply(op, next);
        mini = next.mini;
        families = nextFamilies;
        entries = next.entries;
        changed();
        currentView(); // now, rather than in the first search after the swap
        return { count: entries.size };
      } finally {
        journals.delete(journal);
      }
    },

    async count() {
      return entries.size;
    },

    fingerprint,

    async save() {
      if (!snapshotPath) throw new Error("embedded search: no snapshotPath configured");
      const snapshot: Snapshot = {
        // 4: documents carry the governance and data facts (issue 17), so a format-3 snapshot,
        // whose documents have none, is rebuilt rather than loaded with empty fact facets.
        // 3: stem families beside the index (analysis.ts). Format 2 indexed stem tokens and
        // format 1 had no stems: both are rebuilt.
        format: 4,
        savedAt: new Date().toISOString(),
        fingerprint: fingerprint(),
        index: mini.toJSON(),
        stems: families.toJSON(),
        docs: [...entries.values()].map((e) => e.doc),
      };
      await mkdir(path.dirname(snapshotPath), { recursive: true, mode: 0o700 });
      // Temp file + rename: a crash mid-write leaves the previous snapshot intact.
      const temp = `${snapshotPath}.${process.pid}.${randomUUID()}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(snapshot), { mode: 0o600 });
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
        if (snapshot?.format !== 4 || !Array.isArray(snapshot.docs) || typeof snapshot.index !== "object") {
          return false;
        }
        const loadedFamilies = StemFamilies.fromJSON(snapshot.stems);
        if (loadedFamilies === null) return false;
        const docs = snapshot.docs;
        if (!docs.every(looksLikeDocument)) return false;
        // A snapshot whose docs do not hash to its own fingerprint was damaged or hand-edited.
        if (fingerprintOf(docs) !== snapshot.fingerprint) return false;
        // Async: yields every 1,000 terms, so a large load does not stall the server for seconds.
        const loaded = await MiniSearch.loadJSAsync<SearchDocument>(snapshot.index as AsPlainObject, miniOptions(loadedFamilies));
        if (loaded.documentCount !== docs.length) return false;
        const nextEntries = new Map<string, Entry>();
        for (const doc of docs) {
          if (!loaded.has(doc.id)) return false;
          nextEntries.set(doc.id, toEntry(doc, dictionary));
        }
        mini = loaded;
        families = loadedFamilies;
        entries = nextEntries;
        changed();
        currentView();
        return true;
      } catch {
        return false;
      }
    },
  };
}

// Same query, same key: filters in FACETS order, values sorted (OR is order-insensitive).
function cacheKey(query: SearchQuery): string {
  const filters = FACETS.map((facet) => [...(query.filters[facet] ?? [])].sort());
  return JSON.stringify([query.q, filters, query.amount ?? null, query.sort, query.page, query.perPage, query.locale ?? null]);
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

// A caller computes it from PocketBase's published records and compares it with
// fingerprint() after load() to decide whether a reindex is needed.
/** Fingerprint of a document set: count plus a hash of the sorted (id, published_at) pairs. */
export function fingerprintOf(docs: Iterable<Pick<SearchDocument, "id" | "published_at">>): string {
  const pairs: string[] = [];
  for (const doc of docs) pairs.push(`${doc.id}\t${doc.published_at}`);
  pairs.sort();
  const hash = createHash("sha256");
  for (const pair of pairs) hash.update(pair).update("\n");
  return `${pairs.length}-${hash.digest("hex").slice(0, 24)}`;
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
const LENGTH_CHANGING = /[\p{M}œæ]/u;
const foldedChars = new Map<string, string>();

// True when text[i] belongs to a term (tokenize() splits on anything else).
function isTermChar(text: string, i: number): boolean {
  return i >= 0 && i < text.length && TERM_CHAR.test(text[i]!);
}

// normalizeText() with the offsets of the original kept, or null when they cannot be.
function foldKeepingOffsets(text: string): string | null {
  const lower = text.toLowerCase();
  if (lower.length !== text.length) return null;
  if (!/[^\u0000-\u007f]/.test(lower)) return lower;
  if (LENGTH_CHANGING.test(lower)) return null;
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

// A document with its facet values as dictionary ids (values compared by facetKey; the
// first spelling seen is the one displayed, as Meilisearch does).
function toEntry(doc: SearchDocument, dictionary: FacetDictionary): Entry {
  const ids = FACETS.map((facet, fi) => {
    const known = dictionary.ids[fi]!;
    const labels = dictionary.labels[fi]!;
    return facetValues(doc, facet).map((value) => {
      const key = facetKey(value);
      let id = known.get(key);
      if (id === undefined) {
        id = labels.length;
        known.set(key, id);
        labels.push(value);
      }
      return id;
    });
  });
  return { doc, ids, slot: -1 };
}

function newDictionary(): FacetDictionary {
  return { ids: FACETS.map(() => new Map()), labels: FACETS.map(() => []) };
}

// Packs every document's facet ids into two flat arrays, documents in newest-first order:
// the values of facet f of the document in slot s are vals[start[s*F+f] .. start[s*F+f+1]).
// Walking 20,000 scattered little arrays was cache-miss bound (~15 ms); this is ~1 ms.
function buildView(ordered: Entry[]): View {
  const width = FACETS.length;
  let total = 0;
  for (const entry of ordered) for (const ids of entry.ids) total += ids.length;
  const start = new Int32Array(ordered.length * width + 1);
  const vals = new Int32Array(total);
  let p = 0;
  ordered.forEach((entry, slot) => {
    entry.slot = slot;
    for (let f = 0; f < width; f++) {
      start[slot * width + f] = p;
      for (const id of entry.ids[f]!) vals[p++] = id;
    }
  });
  start[ordered.length * width] = p;
  const all = new Int32Array(ordered.length);
  for (let slot = 0; slot < all.length; slot++) all[slot] = slot;
  return { ordered, start, vals, all };
}

function compileFilters(filters: SearchQuery["filters"], dictionary: FacetDictionary): CompiledFilter[] {
  const compiled: CompiledFilter[] = [];
  FACETS.forEach((facet, fi) => {
    const values = filters[facet];
    if (!values || values.length === 0) return;
    const selected = new Uint8Array(dictionary.labels[fi]!.length);
    for (const value of values) {
      const id = dictionary.ids[fi]!.get(facetKey(value));
      if (id !== undefined) selected[id] = 1;
    }
    compiled.push({ facet: fi, selected });
  });
  return compiled;
}

// One pass over the candidates: a candidate failing no filter is a hit and counts for every
// facet; one failing exactly one filter counts only for that filter's facet (disjunctive
// faceting: a facet's counts ignore its own selection); failing two or more, it counts nowhere.
// Returns the indexes (into `candidates`) of the hits, in candidate order.
function evaluate(candidates: Int32Array, filters: readonly CompiledFilter[], view: View, dictionary: FacetDictionary): Evaluation {
  const counts = dictionary.labels.map((labels) => new Uint32Array(labels.length));
  const matched = new Int32Array(candidates.length);
  let hits = 0;
  const width = FACETS.length;
  const { start, vals } = view;
  for (let i = 0; i < candidates.length; i++) {
    const base = candidates[i]! * width;
    let fails = 0;
    let failed = -1;
    for (let f = 0; f < filters.length; f++) {
      const filter = filters[f]!;
      const selected = filter.selected;
      const at = base + filter.facet;
      let hit = false;
      for (let k = start[at]!, end = start[at + 1]!; k < end; k++) {
        if (selected[vals[k]!] === 1) {
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
      matched[hits++] = i;
      for (let fi = 0; fi < width; fi++) {
        const c = counts[fi]!;
        for (let k = start[base + fi]!, end = start[base + fi + 1]!; k < end; k++) c[vals[k]!]!++;
      }
    } else if (fails === 1) {
      const c = counts[failed]!;
      for (let k = start[base + failed]!, end = start[base + failed + 1]!; k < end; k++) c[vals[k]!]!++;
    }
  }
  return { matched: matched.subarray(0, hits), counts };
}

function byNewest(a: Entry, b: Entry): number {
  return b.doc.published_ts - a.doc.published_ts || (a.doc.id < b.doc.id ? -1 : a.doc.id > b.doc.id ? 1 : 0);
}

// MiniSearch orders by score; equal scores are put newest first so pages are deterministic.
function breakScoreTies(order: Int32Array, scores: Float64Array, candidates: Int32Array): void {
  let from = 0;
  while (from < order.length) {
    let to = from + 1;
    while (to < order.length && scores[order[to]!] === scores[order[from]!]) to++;
    if (to - from > 1) order.subarray(from, to).sort((a, b) => candidates[a]! - candidates[b]!);
    from = to;
  }
}

// "Did you mean": each query word that is not in the vocabulary (nor, for the last word, a
// prefix of a term) is replaced by the closest vocabulary term by edit distance (up to 1, 2
// or 3 edits by length), ties going to the term in most documents. Such a word means the
// hits, if any, came from typo tolerance alone. Candidates come only from posts written in
// the query's language (language.ts), so "échec" on /fr/ never becomes the English "check";
// the postings already name their documents, so this costs a lookup per posting, not a
// vocabulary per language. With no language (an API call without locale, nothing to tell),
// every post counts. Null when every word is known or no correction is found.
function suggest(
  mini: MiniSearch<SearchDocument>,
  families: StemFamilies,
  q: string,
  lang: Language | null,
  docOf: (shortId: number) => SearchDocument | undefined,
): string | null {
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
    if (families.isInflection(term)) return word;
    if (i === last && !vocab.atPrefix(term).keys().next().done) return word;
    const maxDistance = term.length <= 4 ? 1 : term.length <= 7 ? 2 : 3;
    let best: { term: string; distance: number; docs: number; example: number } | null = null;
    for (const [candidate, [data, distance]] of vocab.fuzzyGet(term, maxDistance)) {
      let docs = 0;
      let example = -1;
      for (const postings of data.values()) {
        let inLanguage = 0;
        for (const shortId of postings.keys()) {
          if (lang !== null && docOf(shortId)?.language !== lang) continue;
          inLanguage++;
          example = shortId;
        }
        docs = Math.max(docs, inLanguage);
      }
      if (docs === 0) continue;
      if (best === null || distance < best.distance || (distance === best.distance && (docs > best.docs || (docs === best.docs && candidate < best.term)))) {
        best = { term: candidate, distance, docs, example };
      }
    }
    if (best === null) return word;
    corrected = true;
    return spelledAsIn(best.term, docOf(best.example));
  });
  return corrected ? out.join(" ") : null;
}

// Each indexed document by MiniSearch's internal short id (a dense array of references,
// rebuilt after writes): the postings that suggest() walks name documents by short id.
function documentsByShortId(mini: MiniSearch<SearchDocument>, entries: ReadonlyMap<string, Entry>): (shortId: number) => SearchDocument | undefined {
  const ids = (mini as unknown as { _documentIds?: Map<number, string> })._documentIds;
  if (!(ids instanceof Map)) return () => undefined;
  const docs: (SearchDocument | undefined)[] = [];
  for (const [shortId, id] of ids) docs[shortId] = entries.get(id)?.doc;
  return (shortId) => docs[shortId];
}

// The index holds accent-folded terms; a suggestion reads "échec", not "echec", so it takes
// the spelling of a post that uses the word (lowercased), or the folded term if none is found.
function spelledAsIn(term: string, doc: SearchDocument | undefined): string {
  if (!doc || !/^[a-z0-9]*$/.test(term)) return term;
  for (const text of [doc.title, doc.summary, doc.tags.join(" "), doc.lessons, doc.body]) {
    for (const m of text.matchAll(WORD)) if (normalizeText(m[0]) === term) return m[0].toLowerCase();
  }
  return term;
}

// MiniSearch 7 keeps its term radix tree in the protected `_index` (loadJS always builds a
// plain MiniSearch, so a subclass cannot expose it). Read-only use; if a future version
// renames it, suggestions quietly become null rather than breaking search.
function vocabularyOf(mini: MiniSearch<SearchDocument>): Vocabulary | null {
  const index = (mini as unknown as { _index?: Partial<Vocabulary> })._index;
  return index && typeof index.fuzzyGet === "function" && typeof index.atPrefix === "function" ? (index as Vocabulary) : null;
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
    Array.isArray(d.rejection_reasons) &&
    Array.isArray(d.changed_roles)
  );
}

/** The embedded engine: the shared contract plus snapshot persistence. */
export type EmbeddedEngine = SearchEngine & {
  readonly name: "embedded";
  /** Hash of the indexed (id, published_at) pairs; see {@link fingerprintOf}. */
  fingerprint(): string;
  /** Writes the snapshot atomically (serialising takes seconds at 20,000 posts); throws without a snapshotPath. */
  save(): Promise<void>;
  /** Replaces the index with the snapshot; false (never a throw) if missing, corrupt or inconsistent. */
  load(): Promise<boolean>;
};

/** The on-disk snapshot. */
export type Snapshot = {
  format: 4;
  savedAt: string;
  fingerprint: string;
  index: AsPlainObject;
  /** The stem families' words per language (StemFamilies.toJSON()). */
  stems: unknown;
  docs: SearchDocument[];
};

type Entry = { doc: SearchDocument; ids: number[][]; slot: number };
type Write = { upsert: SearchDocument[] } | { remove: string[] };
type View = { ordered: Entry[]; start: Int32Array; vals: Int32Array; all: Int32Array };
type FacetDictionary = { ids: Map<string, number>[]; labels: string[][] };
type CompiledFilter = { facet: number; selected: Uint8Array };
type Evaluation = { matched: Int32Array; counts: Uint32Array[] };
type Range = { start: number; end: number; term: string };
type Postings = Map<number, Map<number, number>>;
type Vocabulary = {
  has(term: string): boolean;
  atPrefix(prefix: string): { keys(): Iterator<string> };
  fuzzyGet(term: string, maxDistance: number): Map<string, [Postings, number]>;
};
