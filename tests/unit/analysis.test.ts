// Search text analysis shared by the engines (issue 12 §5): accent folding, stop words and
// per-language stems, and the embedded engine finding other forms of a word through them.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { StemFamilies, queryTerms, stemOf, tokenize } from "../../src/lib/server/search/analysis.ts";
import { createEmbeddedEngine } from "../../src/lib/server/search/embedded.ts";
import { makeQuery, type SearchDocument } from "../../src/lib/server/search/engine.ts";
import { corpus } from "./search-contract.ts";

describe("stems", () => {
  it.each([
    ["en", "stopping", "stopped"],
    ["en", "hospitals", "hospital"],
    ["fr", "infirmières", "infirmiere"],
    ["fr", "détecter", "détection"],
    ["fr", "hôpitaux", "hôpital"],
    ["nl", "patiënten", "patiënt"],
    ["nl", "verpleegkundigen", "verpleegkundige"],
  ] as const)("%s: %s and %s share a stem, accents or not", (lang, a, b) => {
    const [ta] = tokenize(a);
    const [tb] = tokenize(b);
    expect(stemOf(ta!, lang)).toBe(stemOf(tb!, lang));
  });

  it("keeps languages apart and leaves short words, numbers and stop words alone", () => {
    expect(stemOf("chutes", "fr")).toBe("chut");
    expect(stemOf("chutes", "fr")).not.toBe(stemOf("chutes", "en"));
    expect(stemOf("ai", "en")).toBeNull();
    expect(stemOf("2024", "en")).toBeNull();
    expect(stemOf("dans", "fr")).toBeNull();
    expect(queryTerms("L'hôpital et les soins")).toEqual(["hopital", "soins"]);
  });
});

describe("stem families", () => {
  it("widen a word to the other forms the index holds, in the language of the posts using them", () => {
    const families = new StemFamilies();
    for (const word of ["chute", "chutes", "chuter", "nuit"]) families.add(word, "fr");
    families.add("chuted", "en");
    families.add("chute", "fr"); // a word seen twice is one member
    // "chutes" is a French form of "chute" and an English form of "chute(d)": each language's
    // group is looked up only in that language's posts.
    expect(families.relatives("chutes")).toEqual([
      { lang: "en", words: ["chuted"] },
      { lang: "fr", words: ["chute", "chuter"] },
    ]);
    expect(families.relatives("chuta")).toEqual([{ lang: "fr", words: ["chute", "chutes", "chuter"] }]);
    expect(families.relatives("nuits")).toEqual([{ lang: "fr", words: ["nuit"] }]);
    expect(families.relatives("inconnu")).toEqual([]);
    // Stop words and short words never join a family.
    families.add("dans", "fr");
    expect(families.relatives("dans")).toEqual([]);
  });

  it("tell an inflection of a known word from a typo", () => {
    const families = new StemFamilies();
    for (const word of ["echec", "sepsis"]) families.add(word, word === "echec" ? "fr" : "en");
    expect(families.isInflection("echecs")).toBe(true);
    // "sepsys" stems to "sepsi" like "sepsis", but the stem is not a prefix of what was typed
    // plus an ending: a typo, left to the suggestion.
    expect(families.isInflection("sepsys")).toBe(false);
    expect(families.isInflection("inconnu")).toBe(false);
  });

  it("survive a round trip through JSON and refuse anything else", () => {
    const families = new StemFamilies();
    families.add("infirmieres", "fr");
    families.add("nurses", "en");
    const copy = StemFamilies.fromJSON(JSON.parse(JSON.stringify(families)));
    expect(copy?.relatives("infirmiere")).toEqual([{ lang: "fr", words: ["infirmieres"] }]);
    expect(copy?.relatives("nurse")).toEqual([{ lang: "en", words: ["nurses"] }]);
    expect(StemFamilies.fromJSON(null)).toBeNull();
    expect(StemFamilies.fromJSON({ en: [1], fr: [], nl: [] })).toBeNull();
    expect(StemFamilies.fromJSON({ en: [], fr: [] })).toBeNull();
  });
});

describe("the embedded engine with stems", () => {
  const doc = (id: string, language: SearchDocument["language"], title: string): SearchDocument => ({
    ...corpus[0]!,
    id,
    language,
    title,
    summary: "",
    body: "",
    lessons: "",
    tags: [],
  });

  it("finds a word by another form of it in the post's language", async () => {
    const engine = createEmbeddedEngine();
    await engine.reindex([[doc("fr-a", "fr", "Nous avons arrêté le projet"), doc("en-a", "en", "We stopped the rollout")]]);
    const fr = await engine.search(makeQuery({ q: "arrêter" }));
    expect(fr.hits.map((h) => h.id)).toEqual(["fr-a"]);
    const en = await engine.search(makeQuery({ q: "stopping" }));
    expect(en.hits.map((h) => h.id)).toEqual(["en-a"]);
    // Neither a typo budget nor a prefix reaches these forms: only the stem does.
    expect(en.hits[0]!.title).toBe("We stopped the rollout");
  });

  it("highlights the form written when a post was found by its stem", async () => {
    const engine = createEmbeddedEngine();
    await engine.reindex([[{ ...doc("en-c", "en", "Night pilot"), body: "After three months we stopped the cameras." }]]);
    const result = await engine.search(makeQuery({ q: "stopping" }));
    expect(result.hits[0]?.snippet).toContain("<mark>stopped</mark>");
  });

  it("does not stem in a language the post is not in: a French stem finds no English post", async () => {
    const engine = createEmbeddedEngine();
    // "chuta" is a French form of "chutes" (stem "chut"), not an English one (English stems
    // "chutes" to "chute" and "chuta" to "chuta"), and two edits away (beyond the typo budget).
    // The same word in an English post stays unfound.
    await engine.reindex([[doc("fr-c", "fr", "Il chuta la nuit"), doc("en-c", "en", "Chuta a word borrowed")]]);
    const result = await engine.search(makeQuery({ q: "chutes" }));
    expect(result.hits.map((h) => h.id)).toEqual(["fr-c"]);
  });

  it("still finds other forms after a snapshot round trip", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "casebook-stems-"));
    try {
      const file = path.join(dir, "index.json");
      const original = createEmbeddedEngine({ snapshotPath: file });
      await original.reindex([[doc("fr-a", "fr", "Nous avons arrêté le projet")]]);
      await original.save();
      const restored = createEmbeddedEngine({ snapshotPath: file });
      expect(await restored.load()).toBe(true);
      expect((await restored.search(makeQuery({ q: "arrêter" }))).hits.map((h) => h.id)).toEqual(["fr-a"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
