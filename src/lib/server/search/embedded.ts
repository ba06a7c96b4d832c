// The embedded search engine: an inverted index in the server process (postings.ts: flat typed
// arrays, MiniSearch's radix tree for the vocabulary), so a small Casebook needs no search
// server at all. Ranking is MiniSearch's BM25+ with its typo and prefix weights; filters,
// disjunctive facet counts, sorting and paging run over the documents' facet values packed
// into typed arrays, in one tight loop over the matched set. Documents are kept deflated
// (snippets and hits need only the page's twenty), and the whole index is written to disk as
// arrays, so a restart reads it back in a second instead of rebuilding it from PocketBase (the
// fingerprint tells the caller whether a snapshot is stale). Call load() before serving
// writes: it replaces the index wholesale.

import { createHash, randomUUID } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { deflateRawSync } from "node:zlib";
import { FACETS, STOP_WORDS, assertValidDocuments, emptyFacets, facetKey, facetValues, inAmountRange, sortFacetCounts } from "./engine.ts";
import type { Language, SearchDocument, SearchEngine, SearchQuery, SearchResult } from "./engine.ts";
import { StemFamilies, isStemLanguage, normalizeText, queryTerms, tokenize } from "./analysis.ts";
import type { StemLanguage } from "./analysis.ts";
import { glossaryMatches } from "./glossary.ts";
import { queryLanguage } from "./language.ts";
import { type HitPool, sharedHitPool } from "./hitpool.ts";
import { Accumulator, NO_MATCHES, PostingsBuilder, PostingsIndex, intersect, union } from "./postings.ts";
import type { Matches } from "./postings.ts";
import { Scratch } from "./scratch.ts";
import { type HitBatch, unpack } from "./snippets.ts";

// Analysis moved to analysis.ts (engine-independent); re-exported for existing callers.
export { normalizeText, queryTerms, tokenize };
export { SNIPPET_WIDTH, buildSnippet } from "./snippets.ts";

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

const SEARCH_FIELDS = Object.keys(EMBEDDED_BOOSTS) as (keyof typeof EMBEDDED_BOOSTS)[];
const BOOSTS = Float64Array.from(SEARCH_FIELDS.map((f) => EMBEDDED_BOOSTS[f]));
const MIN_PREFIX = 3;
// MiniSearch's weights for words found by a prefix or a typo (the ranking kept from it).
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;
// Past this many documents written since the last compaction, the delta is folded in.
const COMPACT_AFTER = 2000;
const STOP = new Set(STOP_WORDS);
// Original (unnormalised) text may hold decomposed accents: marks belong to the word.
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

// Posts found only with the help of a glossary alternative ("fall" for the query "chute") rank
// after the posts using the words typed (in practice, the query's own language), at most this
// fraction of the lowest typed score.
const CROSS_LANGUAGE_WEIGHT = 0.5;

// Fields whose words join the stem families (analysis.ts) of the post's language, so a query
// word finds their other forms. Names (of organisations, funders, calls) and descriptors do
// not: a stem would only blur them.
const STEMMED_FIELDS = new Set(["title", "tags", "summary", "lessons", "body"]);
// The boosts of the stemmed text fields only (a query leaf with `textOnly`).
const TEXT_BOOSTS = Float64Array.from(SEARCH_FIELDS.map((f) => (STEMMED_FIELDS.has(f) ? EMBEDDED_BOOSTS[f] : 0)));

// Text of a document field as the index reads it.
function fieldText(doc: SearchDocument, field: string): string {
  const value = field === "tags" ? doc.tags.join(" ") : (doc as unknown as Record<string, unknown>)[field];
  return typeof value === "string" ? value : "";
}

/**
 * A query tree: words (strings) and subtrees combined with AND or OR. Options apply to the
 * words below them: `fuzzy: false` turns typo tolerance off, `prefix` says whether a word also
 * matches as the start of longer words (by default only a last word of 3+ letters does),
 * `verbatim` looks words up as given (already index words), and `language` limits the
 * matches to posts in that language.
 */
export type Query = {
  combineWith: "AND" | "OR";
  queries: (Query | string)[];
  fuzzy?: boolean;
  prefix?: boolean;
  verbatim?: boolean;
  language?: StemLanguage;
  /** Only in the stemmed text fields (title, tags, summary, lessons, body), not in names. */
  textOnly?: boolean;
};

type LeafOptions = Pick<Query, "fuzzy" | "prefix" | "verbatim" | "language" | "combineWith" | "textOnly">;

// A leaf that looks up index words as they are: no tokenising, no typos, no prefix; with
// `language`, only in the posts written in it.
const exactWords = (words: string[], language?: StemLanguage): Query => ({
  queries: words,
  combineWith: "OR",
  verbatim: true,
  fuzzy: false,
  prefix: false,
  ...(language ? { language } : {}),
});

/**
 * The query tree for a query text. Each word matches as typed (with the typo and prefix
 * rules of typoBudget() and MIN_PREFIX) or, given the index's stem `families`, by the indexed
 * words sharing its stem in any of the three languages ("chutes" finds "chute"). With
 * `glossary`, each stretch naming a glossary concept may also be matched by the concept's other
 * names in any language; those match exactly (no typos, no prefix): a typo budget on "fall"
 * would find "call", and the typed word already carries the typo tolerance. Null when there is
 * nothing to search, or (with `glossary`) when the query names no concept.
 */
export function buildQuery(q: string, combineWith: "AND" | "OR", options: { glossary: boolean; stems?: StemFamilies }): Query | null {
  const terms = queryTerms(q);
  if (terms.length === 0) return null;
  const matches = options.glossary ? glossaryMatches(terms) : [];
  if (options.glossary && matches.length === 0) return null;
  const last = terms.length - 1;
  const typed = (term: string, i: number): Query => {
    const asTyped: Query = { queries: [term], combineWith: "AND", prefix: i === last && term.length >= MIN_PREFIX };
    const relatives = options.stems?.relatives(term) ?? [];
    if (relatives.length === 0) return asTyped;
    return { combineWith: "OR", queries: [asTyped, ...relatives.map((r) => exactWords(r.words, r.lang))] };
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
    // Only in the posts' text, and only in posts of the languages that name the concept so: in
    // another language, or inside a proper name, the same letters are a false friend ("val",
    // Dutch for a fall, in the French "Soins à Domicile Val-de-Meuse").
    const alternatives: Query[] = match.alternatives.map((alt) => {
      const inLanguage = (language: StemLanguage): Query => ({ combineWith: "AND", queries: alt.terms, fuzzy: false, prefix: false, textOnly: true, language });
      return alt.languages.length === 1 ? inLanguage(alt.languages[0]!) : { combineWith: "OR", queries: alt.languages.map(inLanguage) };
    });
    nodes.push({ combineWith: "OR", queries: [phrase, ...alternatives] });
    i += match.terms.length;
  }
  return { combineWith, queries: nodes };
}

/** Typo budget by term length: none up to 3 characters, 1 up to 7, 2 beyond (as in MEILI_SETTINGS). */
export function typoBudget(term: string): number {
  return term.length <= 3 ? 0 : term.length <= 7 ? 1 : 2;
}

// One scored document of a search pass, and the index words that pass looked up (to mark
// the ones a hit holds in its snippet).
type Scored = { docs: Int32Array; scores: Float64Array; pass: Uint8Array; expansions: Expansion[][] };
type Expansion = { id: number; language: StemLanguage | undefined };

/**
 * Runs query trees against the index, MiniSearch's way: a word's score is the BM25+ of the
 * word itself plus its prefix and typo forms (weighted down), AND keeps documents matching
 * every branch, OR any, scores add up, and a document's final score is multiplied by the
 * number of distinct query words it matched.
 */
class Searcher {
  readonly #index: PostingsIndex;
  readonly #languages: Languages;
  readonly #acc: Accumulator;
  readonly #scratch: Scratch;
  readonly #bits = new Map<string, number>();
  readonly expansions: Expansion[] = [];

  constructor(index: PostingsIndex, acc: Accumulator, languages: Languages, scratch: Scratch) {
    this.#index = index;
    this.#acc = acc;
    this.#languages = languages;
    this.#scratch = scratch;
    acc.reserve(index.docSpace);
  }

  /** The documents matched (ascending numbers) and their final scores. */
  run(query: Query): { docs: Int32Array; scores: Float64Array } {
    const matches = this.#node(query, { combineWith: query.combineWith });
    const scores = this.#scratch.float64(matches.docs.length);
    for (let i = 0; i < scores.length; i++) scores[i] = matches.scores[i]! * popcount(matches.masks[i]!);
    return { docs: matches.docs, scores };
  }

  #node(query: Query, inherited: LeafOptions): Matches {
    const options: LeafOptions = { ...inherited, ...stripQueries(query) };
    const parts = query.queries.map((child) => (typeof child === "string" ? this.#string(child, options) : this.#node(child, options)));
    return combine(parts, query.combineWith, this.#scratch);
  }

  #string(text: string, options: LeafOptions): Matches {
    const terms = options.verbatim ? [text] : queryTerms(text);
    const parts = terms.map((term, i) =>
      this.#term(
        term,
        options.fuzzy === false ? 0 : typoBudget(term),
        options.prefix ?? (i === terms.length - 1 && term.length >= MIN_PREFIX),
        options.language,
        options.textOnly ? TEXT_BOOSTS : BOOSTS,
      ),
    );
    return combine(parts, options.combineWith ?? "OR", this.#scratch);
  }

  #term(term: string, maxTypos: number, prefix: boolean, language: StemLanguage | undefined, boosts: Float64Array): Matches {
    const index = this.#index;
    const bit = this.#bit(term);
    // Called for every posting of the term: a typed-array read, not a look-up of the post.
    const of = this.#languages.of;
    const code = language === undefined ? 0 : (this.#languages.codes.get(language) ?? -1);
    const allow = language === undefined ? null : (doc: number) => of[doc] === code;
    const use = (id: number, weight: number) => {
      this.expansions.push({ id, language });
      index.score(id, weight, boosts, this.#acc, bit, allow);
    };
    const exact = index.termId(term);
    if (exact !== undefined) use(exact, 1);
    const byPrefix = new Set<string>();
    if (prefix) {
      for (const [word, id] of index.vocabulary.atPrefix(term)) {
        const distance = word.length - term.length;
        if (distance === 0) continue;
        byPrefix.add(word);
        use(id, (PREFIX_WEIGHT * word.length) / (word.length + 0.3 * distance));
      }
    }
    if (maxTypos > 0) {
      for (const [word, id, distance] of index.typoForms(term, maxTypos)) {
        if (distance === 0 || byPrefix.has(word)) continue;
        use(id, (FUZZY_WEIGHT * word.length) / (word.length + distance));
      }
    }
    return this.#acc.drain(this.#scratch);
  }

  // Each distinct query word gets a bit; the number of bits a document collects is the
  // "quality" its score is multiplied by. Past 32 words, the last bit is shared.
  #bit(term: string): number {
    let bit = this.#bits.get(term);
    if (bit === undefined) {
      bit = 2 ** Math.min(this.#bits.size, 31);
      this.#bits.set(term, bit);
    }
    return bit >>> 0;
  }
}

function stripQueries(query: Query): LeafOptions {
  const { queries: _, ...options } = query;
  return options;
}

function combine(parts: Matches[], combineWith: "AND" | "OR", scratch: Scratch): Matches {
  if (parts.length === 0) return NO_MATCHES;
  return parts.reduce((a, b) => (combineWith === "AND" ? intersect(a, b, scratch) : union(a, b, scratch)));
}

function popcount(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m &= m - 1) n++;
  return n;
}

/**
 * Searches the words typed and, when they name glossary concepts, the widened query too. Posts
 * the typed words find keep their score and order; posts only the widened query finds follow.
 */
function searchWithGlossary(
  index: PostingsIndex,
  acc: Accumulator,
  families: StemFamilies,
  languages: Languages,
  scratch: Scratch,
  q: string,
  combineWith: "AND" | "OR",
): Scored {
  const none: Scored = { docs: new Int32Array(0), scores: new Float64Array(0), pass: new Uint8Array(0), expansions: [] };
  const query = buildQuery(q, combineWith, { glossary: false, stems: families });
  if (query === null) return none;
  const first = new Searcher(index, acc, languages, scratch);
  const typed = first.run(query);
  const alone: Scored = { ...typed, pass: scratch.uint8(typed.docs.length).fill(0), expansions: [first.expansions] };
  const widened = buildQuery(q, combineWith, { glossary: true, stems: families });
  if (widened === null) return alone;
  const second = new Searcher(index, acc, languages, scratch);
  const wide = second.run(widened);
  // Both lists are in ascending document order: the widened matches the typed words missed.
  const extra: number[] = [];
  for (let i = 0, j = 0; i < wide.docs.length; i++) {
    while (j < typed.docs.length && typed.docs[j]! < wide.docs[i]!) j++;
    if (j >= typed.docs.length || typed.docs[j] !== wide.docs[i]) extra.push(i);
  }
  if (extra.length === 0) return alone;
  // A score is multiplied by the number of query words matched, so a post saying "fall",
  // "falls" and "val" would outscore the post saying "chute": the widened scores are not
  // comparable with the typed ones. Posts the typed words find come first; the others follow
  // in their own score order, rescaled below the lowest typed score.
  let floor = typed.docs.length > 0 ? Number.POSITIVE_INFINITY : 1;
  for (const score of typed.scores) floor = Math.min(floor, score);
  let top = 0;
  for (const i of extra) top = Math.max(top, wide.scores[i]!);
  const n = typed.docs.length;
  const out: Scored = {
    docs: scratch.int32(n + extra.length),
    scores: scratch.float64(n + extra.length),
    pass: scratch.uint8(n + extra.length).fill(0),
    expansions: [first.expansions, second.expansions],
  };
  out.docs.set(typed.docs);
  out.scores.set(typed.scores);
  extra.forEach((i, k) => {
    out.docs[n + k] = wide.docs[i]!;
    out.scores[n + k] = floor * CROSS_LANGUAGE_WEIGHT * (wide.scores[i]! / top);
    out.pass[n + k] = 1;
  });
  return out;
}

// The words of each indexed field of a document (stop words dropped) and the field's length
// (distinct tokens, stop words included: MiniSearch's measure). Words of stemmed fields join
// the stem families of the post's language.
function analyse(doc: SearchDocument, families: StemFamilies): { terms: string[][]; lengths: number[] } {
  const stem = isStemLanguage(doc.language) ? doc.language : null;
  const terms: string[][] = [];
  const lengths: number[] = [];
  for (const field of SEARCH_FIELDS) {
    const tokens = tokenize(fieldText(doc, field));
    lengths.push(new Set(tokens).size);
    const words = tokens.filter((t) => !STOP.has(t));
    if (stem !== null && STEMMED_FIELDS.has(field)) for (const word of words) families.add(word, stem);
    terms.push(words);
  }
  return { terms, lengths };
}

// Documents are kept as deflated JSON: 20,000 posts of ~745 words are ~120 MB as strings and
// ~35 MB deflated, and a search inflates only the hits of its page.
function pack(doc: SearchDocument): Buffer {
  return blobArena.keep(deflateRawSync(JSON.stringify(doc), { level: 6 }));
}

/**
 * Keeps small buffers packed side by side in large chunks of their own. zlib returns a view of
 * its output chunk, and a copy made with Buffer.from() lands in Node's shared 64 KB pool beside
 * zlib's next (garbage) chunk: either way each ~3 KB document kept a 64 KB block alive (600 MB
 * at 20,000 posts, measured). A chunk is freed once no document in it is referenced (after a
 * save, documents are read from the snapshot file instead).
 */
class BlobArena {
  static readonly CHUNK = 4 * 1024 * 1024;
  #chunk = Buffer.allocUnsafeSlow(0);
  #used = 0;

  /** A copy of `data` in the arena. */
  keep(data: Uint8Array): Buffer {
    if (data.length > BlobArena.CHUNK / 4) {
      const own = Buffer.allocUnsafeSlow(data.length);
      own.set(data);
      return own;
    }
    if (this.#used + data.length > this.#chunk.length) {
      this.#chunk = Buffer.allocUnsafeSlow(BlobArena.CHUNK);
      this.#used = 0;
    }
    const out = this.#chunk.subarray(this.#used, this.#used + data.length);
    out.set(data);
    this.#used += data.length;
    return out;
  }
}

const blobArena = new BlobArena();

// Bytes gathered before each write of a save.
const WRITE_BATCH_BYTES = 1 << 20;

/** Creates the embedded engine; `snapshotPath` enables save()/load(), `hits` names the threads that build hits (default: the process's). */
export function createEmbeddedEngine(options: { snapshotPath?: string; hits?: HitPool } = {}): EmbeddedEngine {
  const snapshotPath = options.snapshotPath;
  const hitPool = options.hits ?? sharedHitPool();
  let state = emptyState();
  const acc = new Accumulator();
  // Working memory of compute(), reused by every search (scratch.ts).
  const scratch = new Scratch();
  // Facet values as small integers, so filtering and counting are typed-array lookups.
  const dictionary = newDictionary();
  // Derived state, rebuilt lazily after writes.
  let view: View | null = null;
  let fingerprintCache: string | null = null;
  // Writes made while a reindex is building, replayed onto the new index before the swap so
  // a post published during a rebuild is not lost (nor a removed one resurrected).
  const journals = new Set<Write[]>();

  function changed(): void {
    view = null;
    fingerprintCache = null;
  }

  function fingerprint(): string {
    fingerprintCache ??= fingerprintOf([...state.entries.values()].map((e) => ({ id: e.id, published_at: e.publishedAt })));
    return fingerprintCache;
  }

  function currentView(): View {
    view ??= buildView([...state.entries.values()].sort(byNewest), dictionary);
    return view;
  }

  // No cache of results: every search is computed (a repeated query costs what a new one does,
  // so the benchmark's figures are the engine's).
  // The query runs here, on the index; the page's hits (inflate, parse, snippet: half of a
  // search's time, profiled) are built from copies of their documents on a hit thread, so
  // two cores serve searches under load (hitpool.ts).
  async function search(query: SearchQuery): Promise<SearchResult> {
    const started = performance.now();
    const { batch, ...rest } = compute(query);
    const hits = await hitPool.build(batch);
    return { ...rest, hits, tookMs: elapsed(started) };
  }

  function compute(query: SearchQuery): Omit<SearchResult, "hits" | "tookMs"> & { batch: HitBatch } {
    // Synchronous from here to the return, whose values are all copies: the previous search's
    // arrays are no longer in use.
    scratch.reset();
    const s = state;
    const v = currentView();
    const filters = compileFilters(query.filters, dictionary, v);
    const queryWords = queryTerms(query.q);
    // Candidates are view slots (slot order is newest-first order).
    let candidates: Int32Array;
    let found: Scored | null = null;
    // For each candidate, its index in `found`.
    let at: Int32Array | null = null;
    let evaluation: Evaluation;

    // The amount range narrows the candidates for every facet alike, like the text does.
    const inRange = (entry: Entry) => inAmountRange({ amount_requested: entry.amount }, query.amount);
    if (queryWords.length === 0) {
      // Browse (or a query of stop words only): everything, newest first.
      candidates = query.amount ? v.all.filter((slot) => inRange(v.ordered[slot]!)) : v.all;
      evaluation = evaluate(candidates, filters, v, scratch);
    } else {
      const run = (combineWith: "AND" | "OR") => {
        const results = searchWithGlossary(s.index, acc, s.families, v.languages, scratch, query.q, combineWith);
        const slots = scratch.int32(results.docs.length);
        const index = scratch.int32(results.docs.length);
        let n = 0;
        // A typed-array read per matched document, not a visit to its entry object: a common
        // word matches most of the corpus (profiled: the entry reads were 3 of 12 s under load).
        const slotOf = v.slotOf;
        for (let i = 0; i < results.docs.length; i++) {
          const doc = results.docs[i]!;
          const slot = (doc < slotOf.length ? slotOf[doc]! : 0) - 1;
          if (slot < 0 || (query.amount && !inRange(v.ordered[slot]!))) continue;
          slots[n] = slot;
          index[n++] = i;
        }
        const c = slots.subarray(0, n);
        return { c, results, index: index.subarray(0, n), e: evaluate(c, filters, v, scratch) };
      };
      let attempt = run("AND");
      // AND first; if nothing survives (text and filters), accept any of the words.
      if (attempt.e.matched.length === 0 && queryWords.length > 1) attempt = run("OR");
      candidates = attempt.c;
      found = attempt.results;
      at = attempt.index;
      evaluation = attempt.e;
    }

    const total = evaluation.matched.length;
    const from = (query.page - 1) * query.perPage;
    // Only the pages up to this one are put in order: best score first (ties: newest first), or
    // newest first; browsing is already in newest-first order.
    const scoreOf = found && at ? (i: number) => found.scores[at[i]!]! : null;
    const order =
      scoreOf === null
        ? evaluation.matched
        : firstInOrder(evaluation.matched, from + query.perPage, candidates, query.sort === "newest" ? null : scoreOf, scratch);
    const page = order.subarray(from, from + query.perPage);
    const nums = Array.from(page, (i) => v.ordered[candidates[i]!]!.num);
    const terms = Array.from(page, (i) => {
      const entry = v.ordered[candidates[i]!]!;
      // The index words the post holds among those its pass looked up (typo, prefix and stem forms included), to mark in its snippet.
      const matched = new Set<string>();
      if (found !== null && at !== null) {
        const k = at[i]!;
        for (const x of found.expansions[found.pass[k]!]!) {
          if (x.language !== undefined && entry.language !== x.language) continue;
          const word = s.index.term(x.id);
          if (!matched.has(word) && s.index.holds(x.id, found.docs[k]!)) matched.add(word);
        }
      }
      return [...matched];
    });
    // Copied now: a save or a compaction after this call may move or replace the blobs.
    const batch = s.copyBlobs(nums, terms);

    const facets = emptyFacets();
    FACETS.forEach((facet, fi) => {
      const counts = evaluation.counts;
      const labels = dictionary.labels[fi]!;
      const list: { value: string; count: number }[] = [];
      for (let g = v.offsets[fi]!, end = v.offsets[fi + 1]!; g < end; g++) {
        if (counts[g]! > 0) list.push({ value: labels[g - v.offsets[fi]!]!, count: counts[g]! });
      }
      facets[facet] = sortFacetCounts(list);
    });

    return {
      batch,
      total,
      page: query.page,
      perPage: query.perPage,
      totalPages: Math.ceil(total / query.perPage),
      facets,
      suggestion: queryWords.length > 0 ? suggest(s, v.languages, query.q, queryLanguage(query.q, query.locale)) : null,
    };
  }

  function apply(write: Write, target: State): void {
    if ("upsert" in write) {
      for (const doc of write.upsert) target.put(doc, dictionary);
    } else {
      for (const id of write.remove) target.delete(id);
    }
    if (target.index.deltaDocs > COMPACT_AFTER) target.compact();
  }

  function write(op: Write): void {
    apply(op, state);
    for (const journal of journals) journal.push(op);
    changed();
  }

  return {
    name: "embedded",

    async ensureIndex() {
      // The index exists from construction; settings are code.
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
      return { ok: true, documents: state.entries.size };
    },

    async reindex(batches) {
      // Build aside, then swap: searches keep using the old index until the new one is whole.
      const journal: Write[] = [];
      journals.add(journal);
      try {
        // Built in one go (PostingsBuilder), the documents streamed through: a batch is
        // analysed, deflated and dropped, never all held at once.
        const families = new StemFamilies();
        const builder = new PostingsBuilder(SEARCH_FIELDS.length);
        const entries = new Map<string, Entry>();
        const byNum: (Entry | undefined)[] = [];
        const blobs: (Blob | undefined)[] = [];
        const replaced: number[] = [];
        let n = 0;
        for await (const batch of batches) {
          assertValidDocuments(batch);
          for (const doc of batch) {
            const { terms, lengths } = analyse(doc, families);
            const num = builder.add(terms, lengths);
            // Last version wins, as in Meilisearch.
            const old = entries.get(doc.id);
            if (old) {
              replaced.push(old.num);
              byNum[old.num] = undefined;
              blobs[old.num] = undefined;
            }
            const entry = toEntry(doc, num, dictionary);
            entries.set(doc.id, entry);
            byNum[num] = entry;
            blobs[num] = pack(doc);
            // Yield now and then, so a large rebuild does not freeze the server still serving searches.
            if (++n % 200 === 0) await yieldToEventLoop();
          }
        }
        const index = builder.build();
        for (const num of replaced) index.remove(num);
        const next = stateOf(index, families, entries, byNum, blobs);
        // Replay and swap synchronously: no write can slip in between.
        for (const op of journal) apply(op, next);
        next.compact();
        const old = state;
        state = next;
        old.close();
        changed();
        currentView(); // now, rather than in the first search after the swap
        return { count: state.entries.size };
      } finally {
        journals.delete(journal);
      }
    },

    async count() {
      return state.entries.size;
    },

    fingerprint,

    *documents() {
      const s = state;
      for (const entry of s.entries.values()) yield s.document(entry.num);
    },

    async save() {
      if (!snapshotPath) throw new Error("embedded search: no snapshotPath configured");
      const s = state;
      s.compact();
      changed();
      const generation = s.generation;
      const { parts, blobsAt } = serialize(s, fingerprint(), dictionary);
      await mkdir(path.dirname(snapshotPath), { recursive: true, mode: 0o700 });
      // Temp file + rename: a crash mid-write leaves the previous snapshot intact.
      const temp = `${snapshotPath}.${process.pid}.${randomUUID()}.tmp`;
      try {
        const handle = await open(temp, "w", 0o600);
        try {
          // Documents already in the previous snapshot file are copied from it a megabyte at a
          // time, not read into memory all at once (57 MB at 20,000 posts: the save at shutdown
          // was the bench's memory peak).
          let pending: Buffer[] = [];
          let pendingBytes = 0;
          const flush = async () => {
            if (pending.length > 0) await handle.writev(pending);
            pending = [];
            pendingBytes = 0;
          };
          for (const part of parts) {
            const bytes = Buffer.isBuffer(part) ? part : readBlob(part);
            pending.push(bytes);
            pendingBytes += bytes.length;
            if (pendingBytes >= WRITE_BATCH_BYTES || pending.length >= 1024) await flush();
          }
          await flush();
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, snapshotPath);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      // The documents are now on disk in the new file: read them from there and free the
      // memory of those written since the last save — unless the numbering moved meanwhile.
      if (state === s && s.generation === generation) s.attach(openSync(snapshotPath, "r"), blobsAt);
    },

    async load() {
      if (!snapshotPath) return false;
      let fd: number;
      try {
        fd = openSync(snapshotPath, "r");
      } catch {
        return false;
      }
      const loaded = deserialize(fd, dictionary);
      if (loaded === null) {
        closeSync(fd);
        return false;
      }
      const old = state;
      state = loaded;
      old.close();
      changed();
      currentView();
      return true;
    },
  };
}

// A document's deflated JSON: in memory, or where it lies in the snapshot file (read on use:
// a search unpacks only the hits of its page).
type Blob = Buffer | { file: SnapshotFile; at: number; length: number };
type SnapshotFile = { fd: number; open: boolean };

function readBlob(blob: Blob): Buffer {
  if (Buffer.isBuffer(blob)) return blob;
  const out = Buffer.allocUnsafe(blob.length);
  readBlobInto(blob, out, 0);
  return out;
}

// Copies a document's blob into `target` at `at`, from memory or the snapshot file.
function readBlobInto(blob: Blob, target: Uint8Array, at: number): void {
  if (Buffer.isBuffer(blob)) {
    target.set(blob, at);
    return;
  }
  if (!blob.file.open) throw new Error("embedded search: the snapshot file was closed");
  if (readSync(blob.file.fd, target, at, blob.length, blob.at) !== blob.length)
    throw new Error("embedded search: the snapshot file is shorter than its index says");
}

/** An index and the documents in it. */
type State = {
  index: PostingsIndex;
  families: StemFamilies;
  entries: Map<string, Entry>;
  /** Entry by document number (holes for removed documents). */
  byNum: (Entry | undefined)[];
  blobs: (Blob | undefined)[];
  /** Bumped by every compaction (document numbers change). */
  generation: number;
  put(doc: SearchDocument, dictionary: FacetDictionary): void;
  delete(id: string): void;
  document(num: number): SearchDocument;
  /** The blobs of documents `nums`, copied side by side, with the words to mark in each. */
  copyBlobs(nums: readonly number[], terms: string[][]): HitBatch;
  compact(): void;
  /** Reads the documents numbered below blobsAt.length - 1 from `fd` from now on (a file just saved). */
  attach(fd: number, blobsAt: Float64Array): void;
  /** Closes the snapshot file it reads documents from. */
  close(): void;
};

function emptyState(): State {
  return stateOf(new PostingsIndex(SEARCH_FIELDS.length), new StemFamilies(), new Map(), [], []);
}

function stateOf(
  index: PostingsIndex,
  families: StemFamilies,
  entries: Map<string, Entry>,
  byNum: (Entry | undefined)[],
  blobs: (Blob | undefined)[],
  file: SnapshotFile | null = null,
): State {
  const state: State = {
    index,
    families,
    entries,
    byNum,
    blobs,
    generation: 0,
    put(doc, dictionary) {
      state.delete(doc.id);
      const { terms, lengths } = analyse(doc, state.families);
      const num = state.index.add(terms, lengths);
      const entry = toEntry(doc, num, dictionary);
      state.entries.set(doc.id, entry);
      state.byNum[num] = entry;
      state.blobs[num] = pack(doc);
    },
    delete(id) {
      const entry = state.entries.get(id);
      if (!entry) return;
      state.index.remove(entry.num);
      state.entries.delete(id);
      state.byNum[entry.num] = undefined;
      state.blobs[entry.num] = undefined;
    },
    document(num) {
      return unpack(readBlob(state.blobs[num]!));
    },
    copyBlobs(nums, terms) {
      const ends = new Int32Array(nums.length);
      let size = 0;
      nums.forEach((num, i) => {
        size += state.blobs[num]!.length;
        ends[i] = size;
      });
      const bytes = new Uint8Array(size);
      nums.forEach((num, i) => {
        readBlobInto(state.blobs[num]!, bytes, i === 0 ? 0 : ends[i - 1]!);
      });
      return { bytes, ends, terms };
    },
    compact() {
      if (state.index.deltaDocs === 0 && state.index.docSpace === state.entries.size) return;
      const renumber = state.index.compact();
      const byNum: (Entry | undefined)[] = [];
      const blobs: (Blob | undefined)[] = [];
      state.generation++;
      renumber.forEach((to, from) => {
        if (to < 0) return;
        const entry = state.byNum[from]!;
        entry.num = to;
        byNum[to] = entry;
        blobs[to] = state.blobs[from];
      });
      state.byNum = byNum;
      state.blobs = blobs;
    },
    attach(fd, blobsAt) {
      const next: SnapshotFile = { fd, open: true };
      for (let num = 0; num + 1 < blobsAt.length; num++) {
        if (state.blobs[num] !== undefined) state.blobs[num] = { file: next, at: blobsAt[num]!, length: blobsAt[num + 1]! - blobsAt[num]! };
      }
      state.close();
      file = next;
    },
    close() {
      if (file?.open) {
        file.open = false;
        closeSync(file.fd);
      }
    },
  };
  return state;
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

// A document's entry: what filtering, facets, sorting and the fingerprint need, with its facet
// values as dictionary ids (values compared by facetKey; the first spelling seen is the one
// displayed, as Meilisearch does). The text stays in the deflated blob.
function toEntry(doc: SearchDocument, num: number, dictionary: FacetDictionary): Entry {
  const ids = FACETS.map((facet, fi) => facetValues(doc, facet).map((value) => dictionaryId(dictionary, fi, value)));
  return {
    id: doc.id,
    num,
    publishedAt: doc.published_at,
    ts: doc.published_ts,
    amount: doc.amount_requested,
    language: doc.language,
    facets: packFacets(ids),
  };
}

// The id of a facet value, added to the dictionary when new.
function dictionaryId(dictionary: FacetDictionary, fi: number, value: string): number {
  const key = facetKey(value);
  let id = dictionary.ids[fi]!.get(key);
  if (id === undefined) {
    const labels = dictionary.labels[fi]!;
    id = labels.length;
    dictionary.ids[fi]!.set(key, id);
    labels.push(value);
  }
  return id;
}

// A document's facet ids in one small array (a JavaScript array per facet and document was
// 460,000 arrays at 20,000 posts): F + 1 offsets, then the ids; facet f's ids are
// packed[packed[f] .. packed[f + 1]).
function packFacets(ids: readonly (readonly number[])[]): Int32Array {
  const F = ids.length;
  let total = 0;
  for (const values of ids) total += values.length;
  const packed = new Int32Array(F + 1 + total);
  let at = F + 1;
  for (let f = 0; f < F; f++) {
    packed[f] = at;
    for (const id of ids[f]!) packed[at++] = id;
  }
  packed[F] = at;
  return packed;
}

function newDictionary(): FacetDictionary {
  return { ids: FACETS.map(() => new Map()), labels: FACETS.map(() => []) };
}

// Packs every document's facet ids into two flat arrays, documents in newest-first order:
// the values of facet f of the document in slot s are global[start[s*F+f] .. start[s*F+f+1]).
// Walking 20,000 scattered little arrays was cache-miss bound (~15 ms); this is ~1 ms.
function buildView(ordered: Entry[], dictionary: FacetDictionary): View {
  const width = FACETS.length;
  let total = 0;
  for (const entry of ordered) total += entry.facets.length - width - 1;
  const start = new Int32Array(ordered.length * width + 1);
  // Every facet's values numbered in one range (facet f's from offsets[f]), so a document's
  // counts are one loop over its values, not one per facet (profiled: the per-facet loops were
  // a sixth of a search's time). The dictionary may grow later (a rebuild aside): the view
  // keeps the numbering it was built with, which covers every value its documents hold.
  const offsets = new Int32Array(width + 1);
  for (let f = 0; f < width; f++) offsets[f + 1] = offsets[f]! + dictionary.labels[f]!.length;
  const global = new Int32Array(total);
  let p = 0;
  let space = 0;
  for (const entry of ordered) space = Math.max(space, entry.num + 1);
  // Each live document's slot + 1 (0: not in the view).
  const slotOf = new Int32Array(space);
  ordered.forEach((entry, slot) => {
    slotOf[entry.num] = slot + 1;
    for (let f = 0; f < width; f++) {
      start[slot * width + f] = p;
      for (let k = entry.facets[f]!, end = entry.facets[f + 1]!; k < end; k++) {
        global[p++] = offsets[f]! + entry.facets[k]!;
      }
    }
  });
  start[ordered.length * width] = p;
  const all = new Int32Array(ordered.length);
  for (let slot = 0; slot < all.length; slot++) all[slot] = slot;
  // Each live document's language as a small code (0: none, e.g. a removed number).
  const languages: Languages = { of: new Uint8Array(space), codes: new Map() };
  for (const entry of ordered) {
    if (!languages.codes.has(entry.language)) languages.codes.set(entry.language, languages.codes.size + 1);
    languages.of[entry.num] = languages.codes.get(entry.language)!;
  }
  return { ordered, start, global, offsets, all, languages, slotOf };
}

function compileFilters(filters: SearchQuery["filters"], dictionary: FacetDictionary, view: View): CompiledFilter[] {
  const compiled: CompiledFilter[] = [];
  FACETS.forEach((facet, fi) => {
    const values = filters[facet];
    if (!values || values.length === 0) return;
    // In the view's numbering across facets; a value newer than the view is held by none of its documents.
    const selected = new Uint8Array(view.offsets[FACETS.length]!);
    for (const value of values) {
      const id = dictionary.ids[fi]!.get(facetKey(value));
      if (id !== undefined && view.offsets[fi]! + id < view.offsets[fi + 1]!) selected[view.offsets[fi]! + id] = 1;
    }
    compiled.push({ facet: fi, selected });
  });
  return compiled;
}

// One pass over the candidates: a candidate failing no filter is a hit and counts for every
// facet; one failing exactly one filter counts only for that filter's facet (disjunctive
// faceting: a facet's counts ignore its own selection); failing two or more, it counts nowhere.
// Returns the indexes (into `candidates`) of the hits, in candidate order.
function evaluate(candidates: Int32Array, filters: readonly CompiledFilter[], view: View, scratch: Scratch): Evaluation {
  // Without filters every candidate is matched; when they are most of the view, the counts are
  // the view's totals less those of the documents left out, which are fewer to count.
  if (filters.length === 0 && candidates.length > view.all.length / 2) return evaluateMost(candidates, view, scratch);
  const counts = scratch.uint32(view.offsets[FACETS.length]!).fill(0);
  const matched = scratch.int32(candidates.length);
  let hits = 0;
  const width = FACETS.length;
  const { start, global } = view;
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
        if (selected[global[k]!] === 1) {
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
      countSlot(counts, view, candidates[i]!, 1);
    } else if (fails === 1) {
      for (let k = start[base + failed]!, end = start[base + failed + 1]!; k < end; k++) counts[global[k]!]!++;
    }
  }
  return { matched: matched.subarray(0, hits), counts };
}

// evaluate() without filters for candidates that are most of the view (a common word, browsing).
function evaluateMost(candidates: Int32Array, view: View, scratch: Scratch): Evaluation {
  view.totals ??= countSlots(view.all, view);
  const counts = scratch.uint32(view.totals.length);
  counts.set(view.totals);
  const inCandidates = scratch.uint8(view.all.length).fill(0);
  for (let i = 0; i < candidates.length; i++) inCandidates[candidates[i]!] = 1;
  for (let slot = 0; slot < inCandidates.length; slot++) {
    if (inCandidates[slot] !== 1) countSlot(counts, view, slot, -1);
  }
  const matched = scratch.int32(candidates.length);
  for (let i = 0; i < matched.length; i++) matched[i] = i;
  return { matched, counts };
}

// Facet value counts over `slots` (the view's totals when they are all of them).
function countSlots(slots: Int32Array, view: View): Uint32Array {
  const counts = new Uint32Array(view.offsets[FACETS.length]!);
  for (let i = 0; i < slots.length; i++) countSlot(counts, view, slots[i]!, 1);
  return counts;
}

// Adds `step` to the count of each facet value of the document in `slot`.
function countSlot(counts: Uint32Array, view: View, slot: number, step: 1 | -1): void {
  const width = FACETS.length;
  const { start, global } = view;
  // A slot's values of every facet lie together: from its first facet's start to the next slot's.
  for (let k = start[slot * width]!, end = start[(slot + 1) * width]!; k < end; k++) counts[global[k]!]! += step;
}

function byNewest(a: Entry, b: Entry): number {
  return b.ts - a.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The first `k` of `matched` (indexes into `candidates`) in result order: by score, highest first
 * and equal scores newest first (so pages are deterministic), or without `scoreOf`, newest first.
 * Only what can be on those pages is sorted: the k-th best value is found with a numeric sort of
 * the plain values, and only the candidates at least that good are compared in full.
 */
function firstInOrder(matched: Int32Array, k: number, candidates: Int32Array, scoreOf: ((i: number) => number) | null, scratch: Scratch): Int32Array {
  const n = matched.length;
  if (n === 0 || k <= 0) return new Int32Array(0);
  // Newest first is ascending slot; best score first is descending score.
  const key = scoreOf === null ? (i: number) => candidates[i]! : (i: number) => -scoreOf(i);
  let chosen = matched;
  if (k < n) {
    const keys = scratch.float64(n);
    for (let j = 0; j < n; j++) keys[j] = key(matched[j]!);
    const cut = kthSmallest(keys, k);
    const kept: number[] = [];
    for (let j = 0; j < n; j++) if (keys[j]! <= cut) kept.push(matched[j]!);
    chosen = Int32Array.from(kept);
  } else {
    chosen = scratch.int32(n);
    chosen.set(matched);
  }
  chosen.sort((a, b) => key(a) - key(b) || candidates[a]! - candidates[b]!);
  return chosen.subarray(0, Math.min(k, chosen.length));
}

// Through a max-heap of the k smallest seen: O(n log k) for a page of k, where sorting every
// key was a tenth of a search under load.
/** The k-th smallest of `keys` (1 ≤ k ≤ length). */
export function kthSmallest(keys: Float64Array, k: number): number {
  const heap = new Float64Array(k);
  let size = 0;
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j]!;
    if (size < k) {
      // Sift up.
      let i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent]! >= key) break;
        heap[i] = heap[parent]!;
        i = parent;
      }
      heap[i] = key;
    } else if (key < heap[0]!) {
      // Replace the largest and sift down.
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= k) break;
        const child = left + 1 < k && heap[left + 1]! > heap[left]! ? left + 1 : left;
        if (heap[child]! <= key) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = key;
    }
  }
  return heap[0]!;
}

// "Did you mean": each query word that is not in the vocabulary (nor, for the last word, a
// prefix of a term) is replaced by the closest vocabulary term by edit distance (up to 1, 2
// or 3 edits by length), ties going to the term in most documents. Such a word means the
// hits, if any, came from typo tolerance alone. Candidates come only from posts written in
// the query's language (language.ts), so "échec" on /fr/ never becomes the English "check";
// the postings already name their documents, so this costs a lookup per posting, not a
// vocabulary per language. With no language (an API call without locale, nothing to tell),
// every post counts. Null when every word is known or no correction is found.
function suggest(state: State, languages: Languages, q: string, lang: Language | null): string | null {
  const { index, families } = state;
  const vocabulary = index.vocabulary;
  const words = q.match(WORD) ?? [];
  const normalized = words.map(normalizeText);
  let last = -1;
  normalized.forEach((t, i) => {
    if (!STOP.has(t)) last = i;
  });
  // A word the glossary knows ("chutes") is a name of a concept, found in other languages' posts
  // through its other names: not a typo, even where no post in its own language uses it.
  const glossaryWords = new Set(glossaryMatches(queryTerms(q)).flatMap((m) => m.terms));
  // The posts' languages as small codes (a typed-array read per posting, not a visit to its entry).
  const of = languages.of;
  const code = lang === null ? 0 : (languages.codes.get(lang) ?? -1);
  let corrected = false;
  const out = words.map((word, i) => {
    const term = normalized[i]!;
    const known = index.termId(term);
    if (term.length < 3 || STOP.has(term) || glossaryWords.has(term) || (known !== undefined && index.anyLive(known))) return word;
    if (families.isInflection(term)) return word;
    if (i === last && !vocabulary.atPrefix(term).keys().next().done) return word;
    const maxDistance = term.length <= 4 ? 1 : term.length <= 7 ? 2 : 3;
    let best: { term: string; distance: number; docs: number; example: number } | null = null;
    // The nearest words win, so the vocabulary is walked one edit at a time and the walk stops at
    // the first distance that finds a word in use: the same answer as one walk at maxDistance,
    // whose cost grows steeply with the distance (a walk at 3 edits was half of a misspelt
    // search's time under load, profiled).
    for (let budget = 1; budget <= maxDistance && best === null; budget++) {
      for (const [candidate, [id, distance]] of vocabulary.fuzzyGet(term, budget)) {
        if (distance < budget) continue; // seen, and not in use, at a smaller budget
        let docs = 0;
        let example = -1;
        for (let f = 0; f < index.fields; f++) {
          let inLanguage = 0;
          index.postings(id, f, (p) => {
            for (let k = p.from; k < p.to; k++) {
              const doc = p.docs[k]!;
              if (!index.isLive(doc) || (doc < of.length ? of[doc]! : 0) === 0 || (lang !== null && of[doc] !== code)) continue;
              inLanguage++;
              example = doc;
            }
          });
          docs = Math.max(docs, inLanguage);
        }
        if (docs === 0) continue;
        if (best === null || distance < best.distance || (distance === best.distance && (docs > best.docs || (docs === best.docs && candidate < best.term)))) {
          best = { term: candidate, distance, docs, example };
        }
      }
    }
    if (best === null) return word;
    corrected = true;
    return spelledAsIn(best.term, best.example >= 0 ? state.document(best.example) : undefined);
  });
  return corrected ? out.join(" ") : null;
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

// The snapshot file: one line of JSON (format, savedAt — first, so index.ts can read how old
// it is from the first bytes — fingerprint, and where each section lies), then the sections:
// the index's arrays as they are in memory, the documents' deflated blobs, and JSON for the
// vocabulary, the entries and the stem families. Reading it back is copying arrays, not
// parsing 200 MB of JSON or re-tokenising 15 million words.
const SNAPSHOT_FORMAT = 5;

type SectionName = "terms" | "offsets" | "docs" | "tfs" | "lengths" | "live" | "blobOffsets" | "blobs" | "entries" | "stems";
type SnapshotHeader = {
  format: typeof SNAPSHOT_FORMAT;
  savedAt: string;
  fingerprint: string;
  documents: number;
  fields: string[];
  sections: Record<SectionName, [offset: number, length: number]>;
};

// The file's parts in order, and where each document's blob will lie in it (blobsAt[num] to
// blobsAt[num + 1]), so the engine can read them from the new file once it is in place.
// The snapshot's bytes in order: buffers, and documents still to be read (from memory or the
// previous snapshot file) as they are written.
function serialize(state: State, fingerprint: string, dictionary: FacetDictionary): { parts: (Buffer | Blob)[]; blobsAt: Float64Array } {
  const p = state.index.toSections();
  const count = p.live.length;
  const blobs = state.blobs.slice(0, count) as Blob[];
  const blobOffsets = new Int32Array(count + 1);
  let size = 0;
  for (let num = 0; num < count; num++) {
    blobOffsets[num] = size;
    size += blobs[num]!.length;
  }
  blobOffsets[count] = size;
  // Facet ids are this process's own: the dictionary's labels go with them.
  const F = FACETS.length;
  const entries = {
    labels: dictionary.labels,
    rows: state.byNum
      .slice(0, count)
      .map((e) => [e!.id, e!.publishedAt, e!.ts, e!.amount, e!.language, [...e!.facets.subarray(F + 1)], [...e!.facets.subarray(0, F)]]),
  };
  const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const sections: [SectionName, (Buffer | Blob)[]][] = [
    ["terms", [Buffer.from(p.terms.join("\n"), "utf8")]],
    ["offsets", [bytes(p.offsets)]],
    ["docs", [bytes(p.docs)]],
    ["tfs", [bytes(p.tfs)]],
    ["lengths", [bytes(p.lengths)]],
    ["live", [bytes(p.live)]],
    ["blobOffsets", [bytes(blobOffsets)]],
    ["blobs", blobs],
    ["entries", [Buffer.from(JSON.stringify(entries), "utf8")]],
    ["stems", [Buffer.from(JSON.stringify(state.families.toJSON()), "utf8")]],
  ];
  const layout = {} as SnapshotHeader["sections"];
  let offset = 0;
  for (const [name, parts] of sections) {
    const length = parts.reduce((n, b) => n + b.length, 0);
    layout[name] = [offset, length];
    offset += aligned(length);
  }
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    savedAt: new Date().toISOString(),
    fingerprint,
    documents: count,
    fields: SEARCH_FIELDS,
    sections: layout,
  };
  const out: (Buffer | Blob)[] = [Buffer.from(`${JSON.stringify(header)}\n`, "utf8")];
  const base = aligned(out[0]!.length);
  out.push(Buffer.alloc(base - out[0]!.length));
  for (const [, parts] of sections) {
    const length = parts.reduce((n, b) => n + b.length, 0);
    out.push(...parts);
    out.push(Buffer.alloc(aligned(length) - length));
  }
  const blobsAt = Float64Array.from(blobOffsets, (offset) => base + layout.blobs[0] + offset);
  return { parts: out, blobsAt };
}

// Sections start on 8-byte boundaries.
function aligned(n: number): number {
  return n + ((8 - (n % 8)) % 8);
}

// The state a snapshot holds, or null when it is not a snapshot of this format or its parts
// do not fit together (a damaged or hand-edited file is rebuilt, never half-loaded). Each
// section is read into an array of its own; the documents stay in the file, read on use.
function deserialize(fd: number, dictionary: FacetDictionary): State | null {
  try {
    const size = fstatSync(fd).size;
    const read = (at: number, length: number): Buffer => {
      const out = Buffer.alloc(length);
      if (readSync(fd, out, 0, length, at) !== length) throw new Error("short read");
      return out;
    };
    const first = read(0, Math.min(size, 64 * 1024));
    const newline = first.indexOf(0x0a);
    if (newline < 0) return null;
    const header = JSON.parse(first.subarray(0, newline).toString("utf8")) as Partial<SnapshotHeader>;
    if (header.format !== SNAPSHOT_FORMAT || JSON.stringify(header.fields) !== JSON.stringify(SEARCH_FIELDS) || typeof header.sections !== "object")
      return null;
    const base = aligned(newline + 1);
    const where = (name: SectionName): [number, number] => {
      const [offset, length] = header.sections![name];
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || base + offset + length > size) {
        throw new Error(`section ${name} out of range`);
      }
      return [base + offset, length];
    };
    const section = (name: SectionName): Buffer => read(...where(name));
    const array = <T>(name: SectionName, Kind: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T => {
      const [at, length] = where(name);
      if (length % Kind.BYTES_PER_ELEMENT !== 0) throw new Error(`section ${name} is not whole`);
      const bytes = new ArrayBuffer(length);
      if (readSync(fd, new Uint8Array(bytes), 0, length, at) !== length) throw new Error("short read");
      return new Kind(bytes);
    };
    const termText = section("terms").toString("utf8");
    const index = PostingsIndex.fromSections({
      fields: SEARCH_FIELDS.length,
      terms: termText === "" ? [] : termText.split("\n"),
      offsets: array("offsets", Int32Array),
      docs: array("docs", Int32Array),
      tfs: array("tfs", Uint16Array),
      lengths: array("lengths", Uint16Array),
      live: array("live", Uint8Array),
    });
    const families = StemFamilies.fromJSON(JSON.parse(section("stems").toString("utf8")));
    if (families === null) return null;
    const saved = JSON.parse(section("entries").toString("utf8")) as { labels?: unknown; rows?: unknown };
    const rows = saved.rows;
    const count = index.docSpace;
    if (!Array.isArray(rows) || rows.length !== count || header.documents !== count) return null;
    const translate = translation(saved.labels, dictionary);
    const blobOffsets = array("blobOffsets", Int32Array);
    const [blobsAt, blobsLength] = where("blobs");
    if (blobOffsets.length !== count + 1 || blobOffsets[count] !== blobsLength) return null;
    const file: SnapshotFile = { fd, open: true };
    const entries = new Map<string, Entry>();
    const byNum: Entry[] = [];
    const blobs: Blob[] = [];
    for (let num = 0; num < count; num++) {
      const entry = entryOfRow(rows[num], num, translate);
      if (entry === null || entries.has(entry.id) || !index.isLive(num)) return null;
      const from = blobOffsets[num]!;
      const to = blobOffsets[num + 1]!;
      if (to < from) return null;
      entries.set(entry.id, entry);
      byNum.push(entry);
      blobs.push({ file, at: blobsAt + from, length: to - from });
    }
    // A snapshot whose entries do not hash to its own fingerprint was damaged or hand-edited.
    if (fingerprintOf([...entries.values()].map((e) => ({ id: e.id, published_at: e.publishedAt }))) !== header.fingerprint) return null;
    return stateOf(index, families, entries, byNum, blobs, file);
  } catch {
    return null;
  }
}

// Saved facet ids → this process's dictionary ids, per facet (the saved labels looked up).
function translation(labels: unknown, dictionary: FacetDictionary): Int32Array[] {
  if (!Array.isArray(labels) || labels.length !== FACETS.length) throw new Error("facet labels do not match the facets");
  return labels.map((values: unknown, fi) => {
    if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) throw new Error("facet labels are not text");
    return Int32Array.from(values as string[], (value) => dictionaryId(dictionary, fi, value));
  });
}

// An entry row written by serialize(): [id, published_at, published_ts, amount, language, facet
// ids, where each facet's ids start], its ids translated to this process's dictionary.
function entryOfRow(row: unknown, num: number, translate: Int32Array[]): Entry | null {
  const F = FACETS.length;
  if (!Array.isArray(row) || row.length !== 7) return null;
  const [id, publishedAt, ts, amount, language, ids, starts] = row as unknown[];
  if (typeof id !== "string" || typeof publishedAt !== "string" || typeof ts !== "number" || (amount !== null && typeof amount !== "number")) return null;
  if (typeof language !== "string" || !Array.isArray(ids) || !Array.isArray(starts) || starts.length !== F) return null;
  const facets = new Int32Array(F + 1 + ids.length);
  for (let f = 0; f < F; f++) facets[f] = starts[f] as number;
  facets[F] = F + 1 + ids.length;
  for (let f = 0; f < F; f++) {
    const from = facets[f]!;
    const to = facets[f + 1]!;
    if (from < F + 1 || to < from || to > facets.length) return null;
    for (let k = from; k < to; k++) {
      const saved = ids[k - F - 1];
      const mine = typeof saved === "number" ? translate[f]![saved] : undefined;
      if (mine === undefined) return null;
      facets[k] = mine;
    }
  }
  return { id, num, publishedAt, ts, amount: amount as number | null, language: language as Language, facets };
}

/** The embedded engine: the shared contract plus snapshot persistence. */
export type EmbeddedEngine = SearchEngine & {
  readonly name: "embedded";
  /** Hash of the indexed (id, published_at) pairs; see {@link fingerprintOf}. */
  fingerprint(): string;
  /** The indexed documents as they were given (unpacked one at a time). */
  documents(): IterableIterator<SearchDocument>;
  /** Writes the snapshot atomically (temp file, then rename); throws without a snapshotPath. */
  save(): Promise<void>;
  /** Replaces the index with the snapshot; false (never a throw) if missing, corrupt or inconsistent. */
  load(): Promise<boolean>;
};

type Entry = {
  id: string;
  num: number;
  publishedAt: string;
  ts: number;
  amount: number | null;
  language: Language;
  /** Facet ids, packed by packFacets(). */
  facets: Int32Array;
};
type Write = { upsert: SearchDocument[] } | { remove: string[] };
type View = {
  ordered: Entry[];
  start: Int32Array;
  /** The documents' facet values, numbered across facets (facet f's value id + offsets[f]). */
  global: Int32Array;
  /** Where each facet's values start in the numbering across facets (and, last, their total). */
  offsets: Int32Array;
  all: Int32Array;
  languages: Languages;
  slotOf: Int32Array;
  /** Facet value counts over the whole view, made on first use. */
  totals?: Uint32Array;
};
/** Documents' languages by number, as codes (for language-restricted query words). */
type Languages = { of: Uint8Array; codes: Map<string, number> };
type FacetDictionary = { ids: Map<string, number>[]; labels: string[][] };
/** A facet's filter: `selected` is indexed by the view's numbering across facets. */
type CompiledFilter = { facet: number; selected: Uint8Array };
/** The candidates matched, and facet value counts numbered across facets (View.offsets). */
type Evaluation = { matched: Int32Array; counts: Uint32Array };
