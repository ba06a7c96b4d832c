// The embedded engine's inverted index (postings.ts) on its own: a removed document must weigh
// exactly nothing — the scores of the others are those of an index that never held it, before
// and after compaction — and arrays read back must fit together.
import { describe, expect, it } from "vitest";
import { Accumulator, PostingsBuilder, PostingsIndex } from "../../src/lib/server/search/postings.ts";

const FIELDS = 2;
const BOOSTS = Float64Array.from([2, 1]);
// A document: its title and body words (field lengths are their distinct counts).
const docOf = (title: string, body: string) => {
  const terms = [title.split(" "), body.split(" ")];
  return { terms, lengths: terms.map((t) => new Set(t).size) };
};
const DOCS = [
  docOf("falls at night", "sensors for falls in the care home"),
  docOf("night rounds", "falls falls falls and more falls"),
  docOf("sepsis alerts", "alerts every night"),
  docOf("falls", "a short one"),
];

function indexOf(docs: typeof DOCS): PostingsIndex {
  const index = new PostingsIndex(FIELDS);
  for (const d of docs) index.add(d.terms, d.lengths);
  return index;
}

// Scores of `term` by document number.
function scores(index: PostingsIndex, term: string): Map<number, number> {
  const acc = new Accumulator();
  acc.reserve(index.docSpace);
  const id = index.termId(term);
  if (id !== undefined) index.score(id, 1, BOOSTS, acc, 1, null);
  const m = acc.drain();
  return new Map([...m.docs].map((doc, i) => [doc, m.scores[i]!]));
}

describe("PostingsIndex", () => {
  it("scores the others as if a removed document had never been there, before and after compaction", () => {
    const withRemoval = indexOf(DOCS);
    withRemoval.remove(1);
    const without = indexOf([DOCS[0]!, DOCS[2]!, DOCS[3]!]);
    for (const term of ["falls", "night", "alerts"]) {
      const a = scores(withRemoval, term);
      const b = scores(without, term);
      // Numbers 0, 2, 3 there are 0, 1, 2 here.
      expect([...a.entries()]).toEqual([...b.entries()].map(([doc, score]) => [doc === 0 ? 0 : doc + 1, score]));
    }
    const renumber = withRemoval.compact();
    expect([...renumber]).toEqual([0, -1, 1, 2]);
    for (const term of ["falls", "night", "alerts"]) expect(scores(withRemoval, term)).toEqual(scores(without, term));
    expect(withRemoval.size).toBe(3);
  });

  it("finds a term only in live documents, and reads back what it wrote", () => {
    const index = indexOf(DOCS);
    const sepsis = index.termId("sepsis")!;
    expect(index.holds(sepsis, 2)).toBe(true);
    expect(index.anyLive(sepsis)).toBe(true);
    index.remove(2);
    expect(index.anyLive(sepsis)).toBe(false);
    index.compact();
    // Terms no live document holds leave the vocabulary.
    expect(index.termId("sepsis")).toBeUndefined();
    const copy = PostingsIndex.fromSections(index.toSections());
    for (const term of ["falls", "night"]) expect(scores(copy, term)).toEqual(scores(index, term));
  });

  it("refuses arrays that do not fit together", () => {
    const index = indexOf(DOCS);
    index.compact();
    const sections = index.toSections();
    const badDoc = { ...sections, docs: sections.docs.map((d, i) => (i === 0 ? 99 : d)) };
    expect(() => PostingsIndex.fromSections(badDoc)).toThrow(/out of range/);
    const badOffsets = { ...sections, offsets: sections.offsets.map((o, i) => (i === 1 ? sections.docs.length + 5 : o)) };
    expect(() => PostingsIndex.fromSections(badOffsets)).toThrow(/out of order/);
  });

  // Typos counted as Meilisearch counts them: one on the first character counts as two.
  it.each([
    ["sensors", 1, { sensor: 1, sensoys: 1, sensors: 0 }],
    ["monitoring", 2, { monitoring: 0, monitorign: 2, monitorin: 1, nonitoring: 2, onitoring: 2, amonitoring: 2, omnitoring: 2 }],
  ])("finds the words within the typos %s allows, a first-character typo counting two", (term, budget, expected) => {
    // Besides the expected words: first-character typos that need a second edit, or one typo where only one is allowed.
    const others = ["censors", "ensors", "csensors", "esnsors", "nomitoring", "onitorign", "amonitorin"];
    const index = indexOf([docOf([...Object.keys(expected), ...others].join(" "), "x")]);
    const found = Object.fromEntries([...index.typoForms(term, budget)].map(([word, id, typos]) => [word, [typos, id === index.termId(word)]]));
    expect(found).toEqual(Object.fromEntries(Object.entries(expected).map(([word, typos]) => [word, [typos, true]])));
  });

  it("finds with typoForms what the rule gives when every word of a vocabulary is compared by hand", () => {
    // A deterministic vocabulary of near-spellings of a few words, each word checked against the
    // rule directly: same first character, Levenshtein within the budget; another first
    // character, one edit (or the first two swapped) and then it counts as two.
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const letters = "abcdeimnorst";
    const edit = (w: string) => {
      const i = Math.floor(random() * (w.length + 1));
      const c = letters[Math.floor(random() * letters.length)]!;
      const op = Math.floor(random() * 3);
      return op === 0 ? w.slice(0, i) + c + w.slice(i + 1) : op === 1 ? w.slice(0, i) + c + w.slice(i) : w.slice(0, i) + w.slice(i + 1);
    };
    const vocabulary = new Set<string>();
    for (const base of ["sensors", "monitoring", "triage", "dementia"]) {
      for (let k = 0; k < 300; k++) {
        let w = base;
        for (let e = Math.floor(random() * 4); e > 0; e--) w = edit(w);
        if (w.length > 0) vocabulary.add(w);
      }
    }
    const index = indexOf([docOf([...vocabulary].join(" "), "x")]);
    const levenshtein = (a: string, b: string) => {
      let row = Array.from({ length: b.length + 1 }, (_, j) => j);
      for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
        row = next;
      }
      return row[b.length]!;
    };
    const typos = (term: string, word: string) => {
      if (word[0] === term[0]) return levenshtein(term, word);
      const swapped = term.length > 1 && word === term[1]! + term[0]! + term.slice(2);
      return levenshtein(term, word) === 1 || swapped ? 2 : Number.POSITIVE_INFINITY;
    };
    let compared = 0;
    for (const term of ["sensors", "monitoring", "triage", "dementia", "esnsors", "nonitoring"]) {
      for (const budget of [1, 2]) {
        const found = new Map([...index.typoForms(term, budget)].map(([word, , n]) => [word, n]));
        const expected = new Map([...vocabulary].map((word) => [word, typos(term, word)] as const).filter(([, n]) => n <= budget));
        expect(found).toEqual(expected);
        compared += expected.size;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe("PostingsBuilder", () => {
  it("builds, across its chunks and past documents without words, the index that adding one by one and compacting gives", () => {
    // 1,101 documents of 1,000 distinct body words: past the builder's 1,048,576-entry chunk.
    const docs = Array.from({ length: 1101 }, (_, d) => {
      if (d === 500 || d === 1100) return { terms: [[], []], lengths: [0, 0] };
      const body = Array.from({ length: 1000 }, (_, k) => `w${(d * 7 + k) % 5000}`);
      const title = [`t${d % 13}`, "falls"];
      return { terms: [title, body], lengths: [title.length, body.length] };
    });
    const builder = new PostingsBuilder(FIELDS);
    const incremental = new PostingsIndex(FIELDS);
    for (const d of docs) expect(builder.add(d.terms, d.lengths)).toBe(incremental.add(d.terms, d.lengths));
    incremental.compact();
    const built = builder.build().toSections();
    const expected = incremental.toSections();
    expect(built.docs.length).toBeGreaterThan(PostingsBuilder.CHUNK);
    expect(built.terms).toEqual(expected.terms);
    for (const key of ["offsets", "docs", "tfs", "lengths", "live"] as const)
      expect(
        Buffer.from(built[key].buffer, built[key].byteOffset, built[key].byteLength).equals(
          Buffer.from(expected[key].buffer, expected[key].byteOffset, expected[key].byteLength),
        ),
        key,
      ).toBe(true);
    expect(() => builder.build()).toThrow(/already/);
  });
});
