// The embedded engine's inverted index, kept in a few flat typed arrays instead of one
// JavaScript Map per term and field (MiniSearch's layout: ~1 GB of heap at 20,000 posts of 745
// words, and a 200 MB JSON snapshot to rebuild it from). No library found here offers typo
// and prefix lookups, per-field BM25 and incremental writes over arrays that can be written to
// disk and read back without parsing, so this is our own; the vocabulary itself stays in
// MiniSearch's SearchableMap (a radix tree with fuzzy and prefix lookups).
//
// Layout: a *base* segment — for term t and field f, the documents holding it are
// docs[offsets[t*F+f] .. offsets[t*F+f+1]) in ascending order, with their term counts in tfs —
// plus a small *delta* for documents added since the base was built (ascending numbers too,
// as new documents always get the next number). Removing a document only clears its `live`
// flag; compact() folds the delta in, drops removed documents and renumbers the rest densely.
// Scores follow MiniSearch's BM25+ (k 1.2, b 0.7, d 0.5; a field's length is its number of
// distinct words; averages over live documents) so rankings do not change with the layout.

import SearchableMap from "minisearch/SearchableMap";
import type { Scratch } from "./scratch.ts";
import { ownCopy } from "./words.ts";

const BM25 = { k: 1.2, b: 0.7, d: 0.5 } as const;
const MAX_TF = 0xffff;

/** Postings of one term in one field: document numbers ascending, each with its term count. */
export type FieldPostings = { docs: ArrayLike<number>; tfs: ArrayLike<number>; from: number; to: number };

type DeltaPostings = { docs: number[]; tfs: number[] };

/** A serialisable picture of an index (see toSections/fromSections). */
export type PostingsSections = {
  fields: number;
  terms: string[];
  offsets: Int32Array;
  docs: Int32Array;
  tfs: Uint16Array;
  lengths: Uint16Array;
  live: Uint8Array;
};

/** The inverted index of the embedded engine: terms → (field, document, count), with BM25 scoring. */
export class PostingsIndex {
  readonly fields: number;
  #terms: string[] = [];
  #vocabulary = new SearchableMap<number>();
  // The first characters of the vocabulary's words, for typoForms()' first-character typos (the
  // radix tree holds them too, but only in its undocumented internals).
  #firsts = new Set<string>();
  // Base segment.
  #baseTerms = 0;
  #offsets: Int32Array = new Int32Array(1);
  #docs: Int32Array = new Int32Array(0);
  #tfs: Uint16Array = new Uint16Array(0);
  // Delta: termId → per field, documents in ascending order with their counts.
  #delta = new Map<number, (DeltaPostings | undefined)[]>();
  #deltaDocs = 0;
  // Documents.
  #capacity = 0;
  #next = 0;
  #live = new Uint8Array(0);
  #lengths = new Uint16Array(0);
  #lengthSums: Float64Array;
  #liveCount = 0;

  constructor(fields: number) {
    this.fields = fields;
    this.#lengthSums = new Float64Array(fields);
  }

  /** Number of live documents. */
  get size(): number {
    return this.#liveCount;
  }

  /** One past the highest document number in use (dense arrays of documents are this long). */
  get docSpace(): number {
    return this.#next;
  }

  /** Documents added since the base segment was last built. */
  get deltaDocs(): number {
    return this.#deltaDocs;
  }

  /** The vocabulary, for typo and prefix lookups (values are term ids). */
  get vocabulary(): SearchableMap<number> {
    return this.#vocabulary;
  }

  /**
   * Index words within `maxTypos` typos of `term` (Levenshtein), with their term ids and typo
   * counts, counted as Meilisearch counts them: a typo on the first character counts as two
   * (its engine, milli, looks up one-typo words under the word's first character only).
   * So with one typo allowed the first character must match, and with two a word that differs
   * there matches only when the rest is exact. Besides matching what the Meilisearch engine
   * finds, this is most of the speed of the lookup: a walk of the radix tree with the first
   * character free visits every branch of the root (a fifth of a plain search's time, profiled);
   * fixed, it walks one. The exact word itself (0 typos) is included.
   */
  *typoForms(term: string, maxTypos: number): Generator<[word: string, id: number, typos: number]> {
    if (maxTypos <= 0 || term.length === 0) return;
    const first = String.fromCodePoint(term.codePointAt(0)!);
    const rest = term.slice(first.length);
    // Same first character: the typos are in the rest, the words under that first character.
    for (const [tail, [id, typos]] of this.#vocabulary.atPrefix(first).fuzzyGet(rest, maxTypos)) yield [first + tail, id, typos];
    if (maxTypos < 2) return;
    // The first character replaced, dropped, swapped with the second, or another one typed before
    // it: two typos, the rest exact (Meilisearch's engine takes these as words one edit away whose
    // first character differs). Only words with another first character: the others were found above.
    const dropped = rest.length > 0 && !rest.startsWith(first) ? this.#vocabulary.get(rest) : undefined;
    if (dropped !== undefined) yield [rest, dropped, 2];
    const second = rest.length > 0 ? String.fromCodePoint(rest.codePointAt(0)!) : first;
    const swappedWord = second + first + rest.slice(second.length);
    const swapped = second !== first ? this.#vocabulary.get(swappedWord) : undefined;
    if (swapped !== undefined) yield [swappedWord, swapped, 2];
    for (const c of this.#firsts) {
      if (c === first) continue;
      const replaced = this.#vocabulary.get(c + rest);
      if (replaced !== undefined) yield [c + rest, replaced, 2];
      const added = this.#vocabulary.get(c + term);
      if (added !== undefined) yield [c + term, added, 2];
    }
  }

  /** True when `doc` is a live document number. */
  isLive(doc: number): boolean {
    return this.#live[doc] === 1;
  }

  /**
   * Adds a document under the next number and returns it. `fieldTerms[f]` lists the field's
   * words in text order (repeats count); `fieldLengths[f]` is its number of distinct tokens.
   */
  add(fieldTerms: readonly (readonly string[])[], fieldLengths: readonly number[]): number {
    const doc = this.#next++;
    this.#grow(this.#next);
    this.#live[doc] = 1;
    this.#liveCount++;
    this.#deltaDocs++;
    const F = this.fields;
    for (let f = 0; f < F; f++) {
      const length = Math.min(fieldLengths[f] ?? 0, MAX_TF);
      this.#lengths[doc * F + f] = length;
      this.#lengthSums[f]! += length;
      const counts = new Map<string, number>();
      for (const term of fieldTerms[f] ?? []) counts.set(term, (counts.get(term) ?? 0) + 1);
      for (const [term, tf] of counts) {
        const id = this.#termId(term);
        let perField = this.#delta.get(id);
        if (!perField) {
          perField = [];
          this.#delta.set(id, perField);
        }
        let list = perField[f];
        if (!list) {
          list = { docs: [], tfs: [] };
          perField[f] = list;
        }
        list.docs.push(doc);
        list.tfs.push(Math.min(tf, MAX_TF));
      }
    }
    return doc;
  }

  /** Marks a document removed; its postings stay until compact(). */
  remove(doc: number): void {
    if (this.#live[doc] !== 1) return;
    this.#live[doc] = 0;
    this.#liveCount--;
    const F = this.fields;
    for (let f = 0; f < F; f++) this.#lengthSums[f]! -= this.#lengths[doc * F + f]!;
  }

  /** The id of a term, or undefined when no document ever held it. */
  termId(term: string): number | undefined {
    return this.#vocabulary.get(term);
  }

  /** The term of an id. */
  term(id: number): string {
    return this.#terms[id]!;
  }

  /** Calls `visit` with each part (base, then delta) of the postings of term `id` in field `f`. */
  postings(id: number, f: number, visit: (p: FieldPostings) => void): void {
    if (id < this.#baseTerms) {
      const at = id * this.fields + f;
      const from = this.#offsets[at]!;
      const to = this.#offsets[at + 1]!;
      if (to > from) visit({ docs: this.#docs, tfs: this.#tfs, from, to });
    }
    const delta = this.#delta.get(id)?.[f];
    if (delta && delta.docs.length > 0) visit({ docs: delta.docs, tfs: delta.tfs, from: 0, to: delta.docs.length });
  }

  // liveCount, holds and score read the base segment and the delta directly rather than through
  // postings(): a search calls them for every form of every query word in every field, and a
  // closure and a view object per call were most of a search's garbage (issue 15, profiled:
  // ~270 KB of a plain search's ~370 KB).

  /** Number of live documents holding term `id` in field `f`. */
  liveCount(id: number, f: number): number {
    // Nothing removed since the last compaction (the usual case): every posting counts, no walk.
    const allLive = this.#liveCount === this.#next;
    let n = 0;
    if (id < this.#baseTerms) {
      const at = id * this.fields + f;
      n += this.#liveIn(this.#docs, this.#offsets[at]!, this.#offsets[at + 1]!, allLive);
    }
    const delta = this.#delta.get(id)?.[f];
    if (delta) n += this.#liveIn(delta.docs, 0, delta.docs.length, allLive);
    return n;
  }

  #liveIn(docs: ArrayLike<number>, from: number, to: number, allLive: boolean): number {
    if (allLive) return to - from;
    const live = this.#live;
    let n = 0;
    for (let i = from; i < to; i++) n += live[docs[i]!]!;
    return n;
  }

  /** True when a live document holds term `id` in any field. */
  anyLive(id: number): boolean {
    for (let f = 0; f < this.fields; f++) if (this.liveCount(id, f) > 0) return true;
    return false;
  }

  /** True when live document `doc` holds term `id` in some field. */
  holds(id: number, doc: number): boolean {
    const delta = this.#delta.get(id);
    for (let f = 0; f < this.fields; f++) {
      if (id < this.#baseTerms) {
        const at = id * this.fields + f;
        if (contains(this.#docs, this.#offsets[at]!, this.#offsets[at + 1]!, doc)) return true;
      }
      const list = delta?.[f];
      if (list && contains(list.docs, 0, list.docs.length, doc)) return true;
    }
    return false;
  }

  /**
   * Adds term `id`'s BM25+ score in each field (times the field's boost and `weight`) to the
   * accumulator for every live document it holds; `allow`, when given, limits the documents.
   */
  score(id: number, weight: number, boosts: Float64Array, acc: Accumulator, bit: number, allow: ((doc: number) => boolean) | null): void {
    const F = this.fields;
    const N = this.#liveCount;
    if (N === 0) return;
    const delta = this.#delta.get(id);
    for (let f = 0; f < F; f++) {
      const boost = boosts[f]!;
      if (boost === 0) continue;
      const df = this.liveCount(id, f);
      if (df === 0) continue;
      const idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
      const avg = this.#lengthSums[f]! / N;
      const factor = weight * boost * idf;
      if (id < this.#baseTerms) {
        const at = id * F + f;
        this.#scoreIn(this.#docs, this.#tfs, this.#offsets[at]!, this.#offsets[at + 1]!, f, factor, avg, acc, bit, allow);
      }
      const list = delta?.[f];
      if (list) this.#scoreIn(list.docs, list.tfs, 0, list.docs.length, f, factor, avg, acc, bit, allow);
    }
  }

  #scoreIn(
    docs: ArrayLike<number>,
    tfs: ArrayLike<number>,
    from: number,
    to: number,
    f: number,
    factor: number,
    avg: number,
    acc: Accumulator,
    bit: number,
    allow: ((doc: number) => boolean) | null,
  ): void {
    const F = this.fields;
    const live = this.#live;
    const lengths = this.#lengths;
    for (let i = from; i < to; i++) {
      const doc = docs[i]!;
      if (live[doc] !== 1 || (allow !== null && !allow(doc))) continue;
      const tf = tfs[i]!;
      const norm = avg > 0 ? 1 - BM25.b + (BM25.b * lengths[doc * F + f]!) / avg : 1;
      acc.add(doc, factor * (BM25.d + (tf * (BM25.k + 1)) / (tf + BM25.k * norm)), bit);
    }
  }

  /**
   * Folds the delta into a new base segment without removed documents, numbering the live
   * documents densely in their old order. Returns old number → new number (-1: removed).
   * Terms no live document holds leave the vocabulary.
   */
  compact(): Int32Array {
    const F = this.fields;
    const renumber = new Int32Array(this.#next).fill(-1);
    let n = 0;
    for (let doc = 0; doc < this.#next; doc++) if (this.#live[doc] === 1) renumber[doc] = n++;
    // Count live postings per (term, field), then fill.
    const termCount = this.#terms.length;
    const counts = new Int32Array(termCount * F + 1);
    for (let id = 0; id < termCount; id++) {
      for (let f = 0; f < F; f++) {
        let c = 0;
        this.postings(id, f, (p) => {
          for (let i = p.from; i < p.to; i++) if (renumber[p.docs[i]!]! >= 0) c++;
        });
        counts[id * F + f] = c;
      }
    }
    // Keep only terms with a live posting; ids are reassigned in the old order.
    const keep = new Int32Array(termCount).fill(-1);
    const terms: string[] = [];
    for (let id = 0; id < termCount; id++) {
      let total = 0;
      for (let f = 0; f < F; f++) total += counts[id * F + f]!;
      if (total > 0) {
        keep[id] = terms.length;
        terms.push(this.#terms[id]!);
      }
    }
    const offsets = new Int32Array(terms.length * F + 1);
    let total = 0;
    for (let id = 0; id < termCount; id++) {
      const nid = keep[id]!;
      if (nid < 0) continue;
      for (let f = 0; f < F; f++) {
        offsets[nid * F + f] = total;
        total += counts[id * F + f]!;
      }
    }
    offsets[terms.length * F] = total;
    const docs = new Int32Array(total);
    const tfs = new Uint16Array(total);
    let at = 0;
    for (let id = 0; id < termCount; id++) {
      if (keep[id]! < 0) continue;
      for (let f = 0; f < F; f++) {
        this.postings(id, f, (p) => {
          for (let i = p.from; i < p.to; i++) {
            const nd = renumber[p.docs[i]!]!;
            if (nd < 0) continue;
            docs[at] = nd;
            tfs[at++] = p.tfs[i]!;
          }
        });
      }
    }
    const lengths = new Uint16Array(n * F);
    for (let doc = 0; doc < this.#next; doc++) {
      const nd = renumber[doc]!;
      if (nd >= 0) lengths.set(this.#lengths.subarray(doc * F, doc * F + F), nd * F);
    }
    this.#install({ fields: F, terms, offsets, docs, tfs, lengths, live: new Uint8Array(n).fill(1) });
    return renumber;
  }

  /** The base segment as arrays, for writing to disk; call compact() first to include the delta. */
  toSections(): PostingsSections {
    if (this.#deltaDocs > 0 || this.#delta.size > 0) throw new Error("postings: compact() before toSections()");
    return {
      fields: this.fields,
      terms: this.#terms,
      offsets: this.#offsets,
      docs: this.#docs,
      tfs: this.#tfs,
      lengths: this.#lengths.subarray(0, this.#next * this.fields),
      live: this.#live.subarray(0, this.#next),
    };
  }

  /** An index over arrays read back from disk; throws when they do not fit together. */
  static fromSections(s: PostingsSections): PostingsIndex {
    const F = s.fields;
    const docCount = s.live.length;
    if (s.offsets.length !== s.terms.length * F + 1 || s.offsets[s.offsets.length - 1] !== s.docs.length || s.docs.length !== s.tfs.length) {
      throw new Error("postings: sections do not match");
    }
    if (s.lengths.length !== docCount * F) throw new Error("postings: field lengths do not match the documents");
    for (let i = 1; i < s.offsets.length; i++) if (s.offsets[i]! < s.offsets[i - 1]!) throw new Error("postings: offsets out of order");
    for (const doc of s.docs) if (doc < 0 || doc >= docCount) throw new Error("postings: document number out of range");
    const index = new PostingsIndex(F);
    index.#install(s);
    return index;
  }

  #install(s: PostingsSections): void {
    const F = this.fields;
    this.#terms = s.terms;
    this.#vocabulary = new SearchableMap<number>();
    this.#firsts = new Set();
    for (let id = 0; id < s.terms.length; id++) this.#remember(s.terms[id]!, id);
    this.#baseTerms = s.terms.length;
    this.#offsets = s.offsets;
    this.#docs = s.docs;
    this.#tfs = s.tfs;
    this.#delta = new Map();
    this.#deltaDocs = 0;
    const count = s.live.length;
    this.#capacity = count;
    this.#next = count;
    this.#live = new Uint8Array(s.live);
    this.#lengths = new Uint16Array(s.lengths);
    this.#lengthSums = new Float64Array(F);
    this.#liveCount = 0;
    for (let doc = 0; doc < count; doc++) {
      if (this.#live[doc] !== 1) continue;
      this.#liveCount++;
      for (let f = 0; f < F; f++) this.#lengthSums[f]! += this.#lengths[doc * F + f]!;
    }
  }

  #termId(term: string): number {
    let id = this.#vocabulary.get(term);
    if (id === undefined) {
      id = this.#terms.length;
      const own = ownCopy(term);
      this.#terms.push(own);
      this.#remember(own, id);
    }
    return id;
  }

  #remember(term: string, id: number): void {
    this.#vocabulary.set(term, id);
    const first = term.codePointAt(0);
    if (first !== undefined) this.#firsts.add(String.fromCodePoint(first));
  }

  #grow(size: number): void {
    if (size <= this.#capacity) return;
    const capacity = Math.max(size, Math.ceil(this.#capacity * 1.5), 64);
    const live = new Uint8Array(capacity);
    live.set(this.#live);
    const lengths = new Uint16Array(capacity * this.fields);
    lengths.set(this.#lengths);
    this.#live = live;
    this.#lengths = lengths;
    this.#capacity = capacity;
  }
}

// Binary search for `doc` in an ascending postings range.
// Binary search of ascending document numbers docs[from..to).
function contains(docs: ArrayLike<number>, from: number, to: number, doc: number): boolean {
  let lo = from;
  let hi = to - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = docs[mid]!;
    if (v === doc) return true;
    if (v < doc) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Scores per document for one query leaf, in dense arrays reused between leaves (no Map per
 * hit): add() accumulates, drain() returns the touched documents ascending and resets.
 */
export class Accumulator {
  #scores = new Float64Array(0);
  #masks = new Uint32Array(0);
  #seen = new Uint8Array(0);
  #touched = new Int32Array(0);
  #count = 0;

  /** Makes room for document numbers below `size`. */
  reserve(size: number): void {
    if (size <= this.#scores.length) return;
    this.#scores = new Float64Array(size);
    this.#masks = new Uint32Array(size);
    this.#seen = new Uint8Array(size);
    this.#touched = new Int32Array(size);
    this.#count = 0;
  }

  /** Adds `score` to `doc` and marks query word `bit` as matched by it. */
  add(doc: number, score: number, bit: number): void {
    if (this.#seen[doc] === 0) {
      this.#seen[doc] = 1;
      this.#scores[doc] = 0;
      this.#masks[doc] = 0;
      this.#touched[this.#count++] = doc;
    }
    this.#scores[doc]! += score;
    this.#masks[doc]! |= bit;
  }

  /** The touched documents in ascending order with their scores and word masks (in `scratch`'s memory when given); resets. */
  drain(scratch?: Scratch): Matches {
    const { docs, scores, masks } = allocate(this.#count, scratch);
    if (this.#count * 16 > this.#seen.length) {
      // Many documents (a common word, its typo and prefix forms): one pass over the marks gives
      // them in order, cheaper than sorting them (profiled: the sort was most of drain's time).
      const seen = this.#seen;
      for (let doc = 0, k = 0; k < docs.length; doc++) if (seen[doc] === 1) docs[k++] = doc;
    } else {
      docs.set(this.#touched.subarray(0, this.#count));
      docs.sort();
    }
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      scores[i] = this.#scores[doc]!;
      masks[i] = this.#masks[doc]!;
      this.#seen[doc] = 0;
    }
    this.#count = 0;
    return { docs, scores, masks };
  }
}

/** Documents matched by a (sub)query: ascending numbers, summed scores, masks of query words matched. */
export type Matches = { docs: Int32Array; scores: Float64Array; masks: Uint32Array };

/** Matches in `a` and `b` (scores summed, words merged): MiniSearch's AND. */
export function intersect(a: Matches, b: Matches, scratch?: Scratch): Matches {
  const { docs, scores, masks } = allocate(Math.min(a.docs.length, b.docs.length), scratch);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.docs.length && j < b.docs.length) {
    const x = a.docs[i]!;
    const y = b.docs[j]!;
    if (x < y) i++;
    else if (y < x) j++;
    else {
      docs[k] = x;
      scores[k] = a.scores[i]! + b.scores[j]!;
      masks[k++] = a.masks[i++]! | b.masks[j++]!;
    }
  }
  return first({ docs, scores, masks }, k);
}

/** Matches in `a` or `b` (scores summed where both): MiniSearch's OR. */
export function union(a: Matches, b: Matches, scratch?: Scratch): Matches {
  const { docs, scores, masks } = allocate(a.docs.length + b.docs.length, scratch);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.docs.length || j < b.docs.length) {
    const x = i < a.docs.length ? a.docs[i]! : Number.MAX_SAFE_INTEGER;
    const y = j < b.docs.length ? b.docs[j]! : Number.MAX_SAFE_INTEGER;
    if (x < y) {
      docs[k] = x;
      scores[k] = a.scores[i]!;
      masks[k++] = a.masks[i++]!;
    } else if (y < x) {
      docs[k] = y;
      scores[k] = b.scores[j]!;
      masks[k++] = b.masks[j++]!;
    } else {
      docs[k] = x;
      scores[k] = a.scores[i]! + b.scores[j]!;
      masks[k++] = a.masks[i++]! | b.masks[j++]!;
    }
  }
  return first({ docs, scores, masks }, k);
}

// Room for up to n matches (contents not cleared).
function allocate(n: number, scratch?: Scratch): Matches {
  if (scratch) return { docs: scratch.int32(n), scores: scratch.float64(n), masks: scratch.uint32(n) };
  return { docs: new Int32Array(n), scores: new Float64Array(n), masks: new Uint32Array(n) };
}

// The first k matches of m.
function first(m: Matches, k: number): Matches {
  return { docs: m.docs.subarray(0, k), scores: m.scores.subarray(0, k), masks: m.masks.subarray(0, k) };
}

/** No matches. */
export const NO_MATCHES: Matches = allocate(0);

/**
 * Builds a base segment in one go (a reindex): postings are appended to fixed-size chunks of
 * typed arrays and grouped by term and field at the end, instead of one JavaScript list per term
 * and field (~200 MB of heap for 20,000 posts). Chunks, not one array that doubles, so the
 * build never holds a half-empty array nor copies one (~150 MB less at its peak).
 */
export class PostingsBuilder {
  static readonly CHUNK = 1 << 20;
  readonly fields: number;
  readonly #ids = new Map<string, number>();
  readonly #terms: string[] = [];
  // Entries in the order added: (term, field) key and count; the document is implicit, since
  // documents are added one after the other (#ends[d]: entries added up to document d's last).
  // 6 bytes an entry instead of 10 with the document in each: ~14 M entries at 20,000 posts.
  readonly #chunks: ({ keys: Int32Array; tfs: Uint16Array } | null)[] = [];
  #n = 0;
  #ends = new Int32Array(1 << 10);
  #lengths = new Uint16Array(1 << 10);
  #next = 0;
  #built = false;

  constructor(fields: number) {
    this.fields = fields;
  }

  /** Adds the next document (as PostingsIndex.add) and returns its number. */
  add(fieldTerms: readonly (readonly string[])[], fieldLengths: readonly number[]): number {
    if (this.#built) throw new Error("postings: build() was called; start a new builder");
    const F = this.fields;
    const doc = this.#next++;
    if (this.#next * F > this.#lengths.length) {
      const lengths = new Uint16Array(this.#lengths.length * 2);
      lengths.set(this.#lengths);
      this.#lengths = lengths;
    }
    for (let f = 0; f < F; f++) {
      this.#lengths[doc * F + f] = Math.min(fieldLengths[f] ?? 0, MAX_TF);
      const counts = new Map<string, number>();
      for (const term of fieldTerms[f] ?? []) counts.set(term, (counts.get(term) ?? 0) + 1);
      for (const [term, tf] of counts) {
        let id = this.#ids.get(term);
        if (id === undefined) {
          id = this.#terms.length;
          const own = ownCopy(term);
          this.#terms.push(own);
          this.#ids.set(own, id);
        }
        this.#push(id * F + f, Math.min(tf, MAX_TF));
      }
    }
    if (doc >= this.#ends.length) {
      const ends = new Int32Array(this.#ends.length * 2);
      ends.set(this.#ends);
      this.#ends = ends;
    }
    this.#ends[doc] = this.#n;
    return doc;
  }

  /** The index of everything added (all documents live); once per builder, whose entries it frees as it goes. */
  build(): PostingsIndex {
    if (this.#built) throw new Error("postings: build() was called already");
    this.#built = true;
    const F = this.fields;
    const slots = this.#terms.length * F;
    const offsets = new Int32Array(slots + 1);
    this.#each((key) => {
      offsets[key + 1]!++;
    });
    for (let k = 0; k < slots; k++) offsets[k + 1]! += offsets[k]!;
    const fill = offsets.slice(0, slots);
    const docs = new Int32Array(this.#n);
    const tfs = new Uint16Array(this.#n);
    // Documents were added in ascending order, so each (term, field) list comes out ascending.
    this.#each((key, doc, tf) => {
      const at = fill[key]!++;
      docs[at] = doc;
      tfs[at] = tf;
    }, true);
    const count = this.#next;
    return PostingsIndex.fromSections({
      fields: F,
      terms: this.#terms,
      offsets,
      docs,
      tfs,
      lengths: this.#lengths.slice(0, count * F),
      live: new Uint8Array(count).fill(1),
    });
  }

  // Every entry in the order added; `release` drops each chunk once read (the last pass).
  #each(visit: (key: number, doc: number, tf: number) => void, release = false): void {
    const ends = this.#ends;
    let doc = 0;
    let i = 0;
    for (let c = 0; c < this.#chunks.length; c++) {
      const chunk = this.#chunks[c]!;
      const n = Math.min(this.#n - c * PostingsBuilder.CHUNK, PostingsBuilder.CHUNK);
      for (let j = 0; j < n; j++, i++) {
        while (ends[doc]! <= i) doc++;
        visit(chunk.keys[j]!, doc, chunk.tfs[j]!);
      }
      if (release) this.#chunks[c] = null;
    }
  }

  #push(key: number, tf: number): void {
    const i = this.#n % PostingsBuilder.CHUNK;
    if (i === 0) this.#chunks.push({ keys: new Int32Array(PostingsBuilder.CHUNK), tfs: new Uint16Array(PostingsBuilder.CHUNK) });
    const chunk = this.#chunks[this.#chunks.length - 1]!;
    chunk.keys[i] = key;
    chunk.tfs[i] = tf;
    this.#n++;
  }
}
