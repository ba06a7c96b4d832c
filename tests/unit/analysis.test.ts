// Search text analysis shared by the engines (issue 12 §5): accent folding, stop words and
// per-language stems, and the embedded engine finding other forms of a word through them.
import { describe, expect, it } from "vitest";
import { isStemToken, queryStemTokens, queryTerms, stemToken, tokenize, tokenizeWithStems } from "../../src/lib/server/search/analysis.ts";
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
    expect(stemToken(ta!, lang)).toBe(stemToken(tb!, lang));
  });

  it("keeps languages apart and leaves short words, numbers and stop words alone", () => {
    expect(stemToken("chutes", "fr")).toBe("~fr~chut");
    expect(stemToken("chutes", "fr")).not.toBe(stemToken("chutes", "en"));
    expect(stemToken("ai", "en")).toBeNull();
    expect(stemToken("2024", "en")).toBeNull();
    expect(stemToken("dans", "fr")).toBeNull();
  });

  it("indexes a document's words and their stems in its language; a query gets the stems of all three", () => {
    expect(tokenizeWithStems("Les chutes la nuit", "fr")).toEqual(["les", "chutes", "la", "nuit", "~fr~chut", "~fr~nuit"]);
    const stems = queryStemTokens("chutes");
    expect(stems).toContain("~fr~chut");
    expect(stems.map((s) => s.slice(0, 4)).sort()).toEqual(["~en~", "~fr~", "~nl~"]);
    expect(isStemToken("~fr~chut")).toBe(true);
    expect(isStemToken("chut")).toBe(false);
    expect(queryTerms("L'hôpital et les soins")).toEqual(["hopital", "soins"]);
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
    await engine.reindex([[doc("en-b", "en", "Conservation of records")]]);
    // French "conservation" and English "conservation" share nothing a French-only stem could add:
    // the English post is found by the word itself, never by the French stem token.
    const result = await engine.search(makeQuery({ q: "conservations" }));
    expect(result.hits.map((h) => h.id)).toEqual(["en-b"]);
    expect(stemToken("conservations", "fr")).not.toBe(stemToken("conservation", "en"));
  });
});
