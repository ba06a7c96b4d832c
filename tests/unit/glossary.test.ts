// The multilingual glossary (issue 12 §5): well-formed data, matching of query stretches, and
// both engines using it — Meilisearch through federated glossary queries, the embedded engine by
// widening queries (its ranking is held by the relevance table in the search contract).
import { describe, expect, it } from "vitest";
import { queryTerms } from "../../src/lib/server/search/analysis.ts";
import { buildQuery } from "../../src/lib/server/search/embedded.ts";
import { GLOSSARY, GLOSSARY_LANGUAGES, glossaryMatches, parseGlossary } from "../../src/lib/server/search/glossary.ts";
import {
  GLOSSARY_FIELDS,
  GLOSSARY_WEIGHT,
  MEILI_SETTINGS,
  OTHER_LANGUAGE_WEIGHT,
  STEM_WEIGHT,
  buildFederatedSearch,
  glossaryQueries,
} from "../../src/lib/server/search/meilisearch.ts";
import { makeQuery } from "../../src/lib/server/search/engine.ts";

const row = (id: string, en: string[], fr: string[], nl: string[]) => ({ id, en, fr, nl });

describe("glossary data", () => {
  it("holds at least 150 concepts, each named in English, French and Dutch", () => {
    expect(GLOSSARY.length).toBeGreaterThanOrEqual(150);
    for (const concept of GLOSSARY) for (const lang of GLOSSARY_LANGUAGES) expect(concept[lang].length, `${concept.id} ${lang}`).toBeGreaterThan(0);
  });

  it("names the Belgian terms readers use", () => {
    const byId = new Map(GLOSSARY.map((c) => [c.id, c]));
    expect(byId.get("dpo")?.fr).toContain("DPD");
    expect(byId.get("dpo")?.nl).toContain("functionaris voor gegevensbescherming");
    expect(byId.get("national_number")?.nl).toEqual(expect.arrayContaining(["rijksregisternummer", "INSZ"]));
    expect(byId.get("national_number")?.fr).toContain("numéro de registre national");
    expect(byId.get("ehr")?.nl).toContain("EPD");
  });

  it.each([
    ["a concept without Dutch", [{ id: "fall", en: ["fall"], fr: ["chute"] }], /nl/],
    ["an empty language", [row("fall", ["fall"], [], ["val"])], /fr/],
    ["a blank variant", [row("fall", ["fall"], ["  "], ["val"])], /fr/],
    ["an id with spaces", [row("fall prevention", ["fall"], ["chute"], ["val"])], /id/],
    ["an unknown field", [{ ...row("fall", ["fall"], ["chute"], ["val"]), de: ["Sturz"] }], /de/],
    ["a duplicate concept", [row("fall", ["fall"], ["chute"], ["val"]), row("fall", ["tumble"], ["culbute"], ["tuimeling"])], /"fall" appears twice/],
    [
      "a variant in two concepts",
      [row("fall", ["fall"], ["chute"], ["val"]), row("autumn", ["autumn", "Fall"], ["automne"], ["herfst"])],
      /"Fall" belongs to both "fall" and "autumn"/,
    ],
    ["a variant of stop words only", [row("the", ["the"], ["le"], ["het"])], /only stop words/],
  ])("refuses %s", (_name, input, message) => {
    expect(() => parseGlossary(input)).toThrow(message);
  });
});

describe("glossary matches in a query", () => {
  const ids = (q: string) => glossaryMatches(queryTerms(q)).map((m) => m.concept.id);

  it("finds concepts in any language, accents and elision folded", () => {
    expect(ids("chute")).toEqual(["fall"]);
    expect(ids("val")).toEqual(["fall"]);
    expect(ids("septicémie aux urgences")).toEqual(["sepsis", "emergency"]);
    expect(ids("l'hôpital")).toEqual(["hospital"]);
    expect(ids("xylophone")).toEqual([]);
  });

  it("prefers the longest stretch: a multi-word name is one concept, not its words", () => {
    expect(ids("data protection officer")).toEqual(["dpo"]);
    expect(ids("fall detection at night")).toEqual(["fall_detection"]);
    expect(ids("dossier patient informatisé")).toEqual(["ehr"]);
  });

  it("offers every other name of the concept, in every language, but not the one typed", () => {
    const [match] = glossaryMatches(queryTerms("DPO"));
    const alternatives = match!.alternatives.map((a) => a.terms.join(" "));
    expect(alternatives).toEqual(expect.arrayContaining(["data protection officer", "dpd", "fg", "functionaris gegevensbescherming"]));
    expect(alternatives).not.toContain("dpo");
  });

  it("says which languages name the concept so: an alternative is for their posts only", () => {
    const [chute] = glossaryMatches(queryTerms("chute"));
    const languagesOf = (text: string) => chute!.alternatives.find((a) => a.terms.join(" ") === text)?.languages;
    expect(languagesOf("val")).toEqual(["nl"]);
    expect(languagesOf("fall")).toEqual(["en"]);
    // Every alternative is named by at least one language, and none is listed twice.
    for (const alternative of chute!.alternatives) {
      expect(alternative.languages.length).toBeGreaterThan(0);
      expect(new Set(alternative.languages).size).toBe(alternative.languages.length);
    }
  });
});

describe("both engines use the glossary", () => {
  it("Meilisearch gets the glossary as queries of their own, every other name of the concept in place of the one typed, and no index synonyms", () => {
    // Synonyms would rank a post naming the concept in another language like one using the word typed.
    expect(MEILI_SETTINGS.synonyms).toEqual({});
    const texts = (q: string) => glossaryQueries(q).map((g) => g.q);
    expect(texts("chute")).toEqual(expect.arrayContaining(["fall", "val"]));
    expect(texts("fall")).toEqual(expect.arrayContaining(["chute", "val"]));
    expect(texts("fall")).not.toContain("fall");
    // The rest of the query stays as typed around the replaced concept.
    expect(texts("DPO pilot")).toEqual(expect.arrayContaining(["data protection officer pilot", "dpd pilot", "fg pilot"]));
    expect(texts("xylophone lactate")).toEqual([]);
    // Each for the posts of the languages that name the concept so.
    expect(glossaryQueries("chute").find((g) => g.q === "val")?.languages).toEqual(["nl"]);
    // The federated search sends them at the glossary weight, below the words typed.
    const params = buildFederatedSearch(makeQuery({ q: "chute" }), { facets: ["outcome"], withHits: false });
    expect(params.queries[0]).toMatchObject({ q: "chute", federationOptions: { weight: 1 } });
    const fall = params.queries.filter((q) => q.q === "fall");
    expect(fall.map((q) => q.federationOptions?.weight)).toEqual([GLOSSARY_WEIGHT]);
    // In the posts' text only, not in the names of organisations, funders or calls, and in English posts only.
    expect(fall[0]?.attributesToSearchOn).toEqual([...GLOSSARY_FIELDS]);
    expect(fall[0]?.filter).toBe('language IN ["en"]');
    // A preferred language: its posts at the glossary weight, the others' below it.
    const preferring = buildFederatedSearch(makeQuery({ q: "chute" }), { facets: ["outcome"], withHits: false, prefer: "nl" });
    expect(preferring.queries.filter((q) => q.q === "val").map((q) => [q.filter, q.federationOptions?.weight])).toEqual([
      ['language IN ["nl"]', GLOSSARY_WEIGHT],
    ]);
    expect(preferring.queries.filter((q) => q.q === "fall").map((q) => [q.filter, q.federationOptions?.weight])).toEqual([
      ['language IN ["en"]', GLOSSARY_WEIGHT * OTHER_LANGUAGE_WEIGHT],
    ]);
    expect(GLOSSARY_FIELDS).not.toContain("organization_name");
    expect(GLOSSARY_WEIGHT).toBeLessThan(STEM_WEIGHT);
  });

  it("the embedded engine widens a query only when it names a concept, and never with typo tolerance on the alternatives", () => {
    expect(buildQuery("xylophone lactate", "AND", { glossary: true })).toBeNull();
    expect(buildQuery("xylophone lactate", "AND", { glossary: false })).not.toBeNull();
    const widened = JSON.stringify(buildQuery("chute de nuit", "AND", { glossary: true }));
    expect(widened).toContain('"fall"');
    expect(widened).toContain('"val"');
    expect(widened).toContain('"fuzzy":false');
  });
});
