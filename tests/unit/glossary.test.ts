// The multilingual glossary (issue 12 §5): well-formed data, matching of query stretches, and
// both engines using it — Meilisearch through its synonyms setting, the embedded engine by
// widening queries (its ranking is held by the relevance table in the search contract).
import { describe, expect, it } from "vitest";
import { queryTerms } from "../../src/lib/server/search/analysis.ts";
import { buildQuery } from "../../src/lib/server/search/embedded.ts";
import { GLOSSARY, GLOSSARY_LANGUAGES, glossaryMatches, meiliSynonyms, parseGlossary } from "../../src/lib/server/search/glossary.ts";
import { MEILI_SETTINGS } from "../../src/lib/server/search/meilisearch.ts";

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
    const alternatives = match!.alternatives.map((a) => a.join(" "));
    expect(alternatives).toEqual(expect.arrayContaining(["data protection officer", "dpd", "fg", "functionaris gegevensbescherming"]));
    expect(alternatives).not.toContain("dpo");
  });
});

describe("both engines use the glossary", () => {
  it("Meilisearch's synonyms relate every name of a concept to every other, both ways", () => {
    const synonyms = meiliSynonyms();
    expect(MEILI_SETTINGS.synonyms).toEqual(synonyms);
    expect(synonyms.chute).toEqual(expect.arrayContaining(["fall", "val"]));
    expect(synonyms.fall).toEqual(expect.arrayContaining(["chute", "val"]));
    expect(synonyms.dpo).toEqual(expect.arrayContaining(["data protection officer", "dpd", "fg"]));
    for (const [word, others] of Object.entries(synonyms)) {
      expect(others).not.toContain(word);
      for (const other of others) expect(synonyms[other], `${other} → ${word}`).toContain(word);
    }
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
