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
