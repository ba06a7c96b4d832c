// The behaviour every SearchEngine must show, as one suite run against each implementation
// (search-contract.test.ts): the embedded engine always, Meilisearch when a server is
// configured. Expectations are computed from the fixture corpus directly wherever possible,
// so the suite checks semantics rather than numbers copied from a previous run.

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isStopWord, tokenize } from "../../src/lib/server/search/analysis.ts";
import { FACETS, FACT_FACETS, facetKey, facetValues, makeQuery } from "../../src/lib/server/search/engine.ts";
import type { FacetName, SearchDocument, SearchEngine, SearchQuery, SearchResult } from "../../src/lib/server/search/engine.ts";

/** The fixture corpus (34 fictional posts in EN/FR/NL). */
export const corpus: SearchDocument[] = JSON.parse(readFileSync(new URL("../fixtures/search-corpus.json", import.meta.url), "utf8")) as SearchDocument[];

/** The relevance table: queries and the posts they must surface. */
export const relevanceCases: RelevanceCase[] = JSON.parse(readFileSync(new URL("../fixtures/search-queries.json", import.meta.url), "utf8")) as RelevanceCase[];

/** An English post about falls at night, and nothing else: what the glossary's "chutes" should find. */
export function nightFallsPost(): SearchDocument {
  const en = corpus.find((d) => d.language === "en")!;
  return {
    ...en,
    id: "night-falls",
    title: "Night-time falls in a care home",
    summary: "Sensors for falls at night.",
    body: "Falls at night.",
    lessons: "",
    tags: [],
  };
}

/** Runs the shared contract against engines made by `makeEngine` (one per mutating test). */
export function runSearchContract(
  name: string,
  makeEngine: () => Promise<SearchEngine>,
  options: { dispose?: (engine: SearchEngine) => Promise<void>; timeout?: number; variant?: string } = {},
): void {
  describe(`search contract: ${name}${options.variant ? `, ${options.variant}` : ""}`, { timeout: options.timeout ?? 5_000 }, () => {
    const made: SearchEngine[] = [];
    let engine: SearchEngine;

    async function fresh(): Promise<SearchEngine> {
      const e = await makeEngine();
      made.push(e);
      await e.ensureIndex();
      return e;
    }

    const search = (partial: Partial<SearchQuery>): Promise<SearchResult> => engine.search(makeQuery(partial));

    beforeAll(async () => {
      engine = await fresh();
      await engine.reindex(chunk(corpus, 10));
    }, options.timeout ?? 10_000);

    afterAll(async () => {
      for (const e of made) await options.dispose?.(e);
    }, options.timeout ?? 10_000);

    it("narrows funding applications to an amount range, for hits and facet counts alike", async () => {
      const amounts = corpus
        .map((d) => d.amount_requested)
        .filter((a): a is number => a !== null)
        .sort((a, b) => a - b);
      expect(amounts.length).toBeGreaterThanOrEqual(3);
      const min = amounts[1]!;
      const max = amounts[amounts.length - 2]!;
      const expected = corpus.filter((d) => d.amount_requested !== null && d.amount_requested >= min && d.amount_requested <= max);
      const result = await search({ amount: { min, max }, perPage: 50 });
      expect(result.hits.map((h) => h.id).sort()).toEqual(expected.map((d) => d.id).sort());
      const decisions = new Map<string, number>();
      for (const d of expected) if (d.decision) decisions.set(d.decision, (decisions.get(d.decision) ?? 0) + 1);
      expect(Object.fromEntries(result.facets.decision.map((f) => [f.value, f.count]))).toEqual(Object.fromEntries(decisions));
      const openEnded = await search({ amount: { min: max + 1, max: null }, perPage: 50 });
      expect(openEnded.hits.map((h) => h.id).sort()).toEqual(
        corpus
          .filter((d) => d.amount_requested !== null && d.amount_requested > max)
          .map((d) => d.id)
          .sort(),
      );
    });

    it("indexes the whole corpus and reports it healthy", async () => {
      expect(await engine.count()).toBe(corpus.length);
      const health = await engine.health();
      expect(health.ok).toBe(true);
      expect(health.documents).toBe(corpus.length);
      expect(engine.name).toBe(name);
    });

    it("upsert adds and replaces by id; remove deletes and ignores unknown ids", async () => {
      const e = await fresh();
      const [a, b, c] = corpus as [SearchDocument, SearchDocument, SearchDocument];
      await e.upsert([a, b, c]);
      expect(await e.count()).toBe(3);

      // Searched before the change too, so a results cache would have to be invalidated.
      expect((await e.search(makeQuery({ q: "quokkas" }))).total).toBe(0);
      await e.upsert([{ ...a, title: "Quokkas in the waiting room" }]);
      expect(await e.count()).toBe(3);
      const renamed = await e.search(makeQuery({ q: "quokkas" }));
      expect(renamed.hits.map((h) => h.id)).toEqual([a.id]);
      expect(renamed.hits[0]?.title).toBe("Quokkas in the waiting room");

      await e.remove([b.id, "no-such-id"]);
      expect(await e.count()).toBe(2);
      const all = await e.search(makeQuery());
      expect(all.hits.map((h) => h.id).sort()).toEqual([a.id, c.id].sort());
    });

    it("looks for a concept's other names in the posts' text, and only in posts of the languages that name it so", async () => {
      // "chutes" also finds "val" (Dutch for a fall): in a Dutch post's text, not in the name
      // of an organisation that happens to be "Soins à Domicile Val-de-Meuse", nor in a French
      // post that names it in its text.
      const e = await fresh();
      const fr = corpus.find((d) => d.language === "fr")!;
      const nl = corpus.find((d) => d.language === "nl")!;
      await e.upsert([
        nightFallsPost(),
        {
          ...fr,
          id: "rounds-planning",
          organization_name: "Soins à Domicile Val-de-Meuse",
          title: "Planifier les tournées",
          summary: "Des tournées plus courtes.",
          body: "Les tournées du soir chez Soins à Domicile Val-de-Meuse.",
          lessons: "",
          tags: [],
        },
        {
          ...nl,
          id: "nacht-val",
          organization_name: "Thuiszorg Noord",
          title: "Een val in de nacht",
          summary: "Sensoren in de kamer.",
          body: "Na een val in de nacht kwam de melding te laat.",
          lessons: "",
          tags: [],
        },
      ]);
      const found = await e.search(makeQuery({ q: "chutes", locale: "fr" }));
      expect(found.hits.map((h) => h.id).sort()).toEqual(["nacht-val", "night-falls"]);
      // The name itself still finds its posts.
      expect((await e.search(makeQuery({ q: "Val-de-Meuse" }))).hits.map((h) => h.id)).toEqual(["rounds-planning"]);
    });

    it("rejects document ids that are not [A-Za-z0-9_-]", async () => {
      const e = await fresh();
      await expect(e.upsert([{ ...corpus[0]!, id: "not allowed!" }])).rejects.toThrow(/invalid search document id/);
    });

    it("reindex replaces everything: old documents gone, new ones in", async () => {
      const e = await fresh();
      await e.upsert(corpus.slice(0, 5));
      const next = corpus.slice(10, 20);
      async function* batches() {
        yield next.slice(0, 4);
        yield next.slice(4);
      }
      expect(await e.reindex(batches())).toEqual({ count: next.length });
      expect(await e.count()).toBe(next.length);
      const all = await e.search(makeQuery({ perPage: 50 }));
      expect(all.hits.map((h) => h.id).sort()).toEqual(next.map((d) => d.id).sort());
      // A word from a replaced document no longer matches it.
      const gone = await e.search(makeQuery({ q: corpus[0]!.title }));
      expect(gone.hits.map((h) => h.id)).not.toContain(corpus[0]!.id);
    });

    it("keeps writes made while a reindex is running", async () => {
      const e = await fresh();
      const [first, second, third, late] = corpus.slice(20, 24) as [SearchDocument, SearchDocument, SearchDocument, SearchDocument];
      async function* batches() {
        yield [first, second];
        // Meanwhile a post is published, one is unpublished and one is edited.
        await e.upsert([late, { ...third, title: "Edited during the rebuild" }]);
        await e.remove([first.id]);
        yield [third]; // an older copy than the edit
      }
      const { count } = await e.reindex(batches());
      const all = await e.search(makeQuery({ perPage: 50 }));
      expect(all.hits.map((h) => h.id).sort()).toEqual([second.id, third.id, late.id].sort());
      expect(count).toBe(3);
      expect(all.hits.find((h) => h.id === third.id)?.title).toBe("Edited during the rebuild");
    });

    describe("filters", () => {
      const cases: [string, SearchQuery["filters"]][] = [
        ["OR within a facet", { outcome: ["failure", "abandoned"] }],
        ["AND across facets", { outcome: ["failure", "abandoned"], language: ["fr", "nl"] }],
        ["array facets", { care_settings: ["care_home", "home_care"], ai_types: ["computer_vision"] }],
        ["years as numbers", { year: ["2022", "2025"] }],
        ["funder names", { funder_name: ["Zorginnovatiefonds Vlaanderen"], decision: ["rejected"] }],
        ["governance facts", { dpo_involvement: ["from_idea", "before_pilot"], data_location: ["at_source", "vendor_cloud_eu"] }],
        ["a multi-valued fact with a single-valued one", { changed_roles: ["nurses", "pharmacists"], human_oversight: ["every_output"] }],
        ["a fact's “not known” answer", { ai_act_risk: ["unknown"] }],
        ["no match", { language: ["nl"], kind: ["funding_call"] }],
      ];
      it.each(cases)("%s", async (_label, filters) => {
        const result = await search({ filters, perPage: 50 });
        const expected = corpus.filter((d) => passes(d, filters)).map((d) => d.id);
        expect(result.hits.map((h) => h.id).sort()).toEqual(expected.sort());
        expect(result.total).toBe(expected.length);
      });
    });

    describe("disjunctive facet counts", () => {
      const cases: SearchQuery["filters"][] = [
        {},
        { outcome: ["failure"] },
        { outcome: ["failure", "abandoned"], language: ["fr", "nl"] },
        { kind: ["funding_application"], decision: ["rejected"], rejection_reasons: ["data_governance"] },
        { care_settings: ["hospital"], year: ["2024"], ai_types: ["llm", "speech"] },
        { dpo_involvement: ["from_idea", "after_go_live"], changed_roles: ["physicians"], outcome: ["success", "failure"] },
        { data_location: ["at_source"], medical_device: ["class_iia", "class_iib"], nis2: ["yes"] },
      ];
      it.each(cases)("equal a direct count over the corpus for %j", async (filters) => {
        const result = await search({ filters });
        for (const facet of FACETS) {
          expect(result.facets[facet], facet).toEqual(directCounts(facet, filters));
        }
      });

      it("add up to the total for a text query (each post has one kind and one language)", async () => {
        const result = await search({ q: "triage" });
        expect(result.total).toBeGreaterThan(0);
        const sum = (facet: FacetName) => result.facets[facet].reduce((n, f) => n + f.count, 0);
        expect(sum("kind")).toBe(result.total);
        expect(sum("language")).toBe(result.total);
      });
    });

    describe("governance and data facts (issue 17)", () => {
      // Written out by hand from the fixture, so a fact wrongly indexed by both the engine and
      // facetValues() would still be caught.
      it("a reader filtering on “DPO involved from the idea” finds exactly those case studies", async () => {
        const result = await search({ filters: { dpo_involvement: ["from_idea"] }, perPage: 50 });
        expect(result.hits.map((h) => h.id).sort()).toEqual(
          [
            "en-homecare-scheduling",
            "en-mental-health-nlp",
            "en-sepsis-ews-success",
            "fr-eval-radiologie",
            "fr-lettres-sortie-llm",
            "nl-sepsis-ziekenhuis",
          ].sort(),
        );
        // The facet's own counts ignore its selection; another fact counts within it.
        expect(result.facets.dpo_involvement.find((f) => f.value === "after_go_live")?.count).toBe(5);
        expect(result.facets.data_location).toEqual([
          { value: "at_source", count: 4 },
          { value: "central_platform", count: 2 },
        ]);
        expect(result.facets.changed_roles.find((f) => f.value === "physicians")?.count).toBe(5);
      });

      it("anonymous case studies keep their facts and are found by them, still without an organisation", async () => {
        const result = await search({ filters: { dpo_involvement: ["after_go_live", "not_involved"] }, perPage: 50 });
        const anonymous = result.hits.filter((h) => h.organization_name === null).map((h) => h.id);
        expect(anonymous.sort()).toEqual(
          ["en-chatbot-failure", "en-fall-camera", "en-sepsis-vendor-failure", "fr-chatbot-abandon", "fr-sante-mentale-abandon"].sort(),
        );
      });

      it("count only answered facts: “not known” is a value, an unanswered question and other kinds are none", async () => {
        const result = await search({ perPage: 1 });
        const caseStudies = corpus.filter((d) => d.kind === "case_study");
        for (const facet of FACT_FACETS) {
          const values = result.facets[facet].map((f) => f.value);
          expect(values, facet).not.toContain("");
          expect(values, facet).not.toContain("null");
        }
        // One case study answered nothing and two more left the data quality empty.
        expect(result.facets.data_quality.reduce((n, f) => n + f.count, 0)).toBe(caseStudies.length - 3);
        expect(result.facets.data_quality.find((f) => f.value === "unknown")?.count).toBe(3);
        const funding = await search({ filters: { kind: ["funding_application", "funding_call", "discussion"] }, perPage: 1 });
        for (const facet of FACT_FACETS) expect(funding.facets[facet], facet).toEqual([]);
      });
    });

    describe("sorting and paging", () => {
      it("sort=newest orders by publication date, with and without text", async () => {
        for (const q of ["", "triage"]) {
          const result = await search({ q, sort: "newest", perPage: 50 });
          const times = result.hits.map((h) => Date.parse(h.published_at));
          expect(times).toEqual([...times].sort((x, y) => y - x));
        }
      });

      it("browsing without text is newest first even with sort=relevance", async () => {
        const result = await search({ perPage: 50 });
        const expected = [...corpus].sort((x, y) => y.published_ts - x.published_ts).map((d) => d.id);
        expect(result.hits.map((h) => h.id)).toEqual(expected);
      });

      it("pages cover every result exactly once", async () => {
        const perPage = 7;
        const first = await search({ perPage });
        expect(first.total).toBe(corpus.length);
        expect(first.totalPages).toBe(Math.ceil(corpus.length / perPage));
        const seen: string[] = [];
        for (let page = 1; page <= first.totalPages; page++) {
          const result = await search({ perPage, page });
          expect(result.page).toBe(page);
          expect(result.perPage).toBe(perPage);
          expect(result.hits.length).toBe(page < first.totalPages ? perPage : corpus.length - perPage * (page - 1));
          seen.push(...result.hits.map((h) => h.id));
        }
        expect(new Set(seen).size).toBe(corpus.length);
        const beyond = await search({ perPage, page: first.totalPages + 1 });
        expect(beyond.hits).toEqual([]);
        expect(beyond.total).toBe(corpus.length);
      });
    });

    describe("snippets", () => {
      it("HTML-escape the text and contain no tag but <mark>", async () => {
        const result = await search({ q: "tester" });
        const hit = result.hits.find((h) => h.id === "en-llm-discharge-letters");
        expect(hit, "the post with <script> in its body").toBeDefined();
        const snippet = hit!.snippet;
        expect(snippet).toMatch(/<mark>tester<\/mark>/i);
        expect(snippet.replace(/<\/?mark>/g, "")).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
        expect(snippet).not.toContain("<script");
        expect(tagsOf(snippet).every((t) => t === "mark")).toBe(true);
      });

      it("mark the matched words", async () => {
        const result = await search({ q: "lactate" });
        expect(result.hits[0]?.snippet).toMatch(/<mark>lactate<\/mark>/i);
      });

      it("never highlight stop words, in any of the three languages", async () => {
        for (const q of ["lettres de sortie", "l'hôpital", "the sepsis alert", "het ziekenhuis"]) {
          const result = await search({ q });
          expect(result.hits.length, q).toBeGreaterThan(0);
          for (const hit of result.hits) {
            for (const marked of markedWords(hit.snippet)) expect(isStopWord(marked), `${q}: <mark>${marked}</mark> in ${hit.id}`).toBe(false);
          }
        }
      });

      it("are safe HTML for every post when browsing", async () => {
        const result = await search({ perPage: 50 });
        for (const hit of result.hits) {
          expect(tagsOf(hit.snippet), hit.id).toEqual([]);
          expect(hit.snippet, hit.id).not.toMatch(/<(?!\/?mark>)/);
        }
      });
    });

    describe("anonymous posts", () => {
      it("an organisation name finds only that organisation's named posts", async () => {
        const result = await search({ q: "Zeezicht", perPage: 50 });
        const expected = corpus.filter((d) => d.organization_name === "AZ Zeezicht").map((d) => d.id);
        expect(result.hits.map((h) => h.id).sort()).toEqual(expected.sort());
        for (const hit of result.hits) expect(hit.organization_name).toBe("AZ Zeezicht");
      });

      it("show their public descriptor and no organisation", async () => {
        const anonymous = corpus.filter((d) => d.organization_name === null);
        expect(anonymous.length).toBeGreaterThan(0);
        const result = await search({ perPage: 50 });
        for (const doc of anonymous) {
          const hit = result.hits.find((h) => h.id === doc.id);
          expect(hit?.organization_name).toBeNull();
          expect(hit?.public_descriptor).toBe(doc.public_descriptor);
        }
      });
    });

    describe("relevance table", () => {
      // A case an engine cannot meet says why in the fixture (`differs`); it is skipped for that
      // engine with the reason printed, and still runs for the others.
      for (const c of relevanceCases) {
        const reason = c.differs?.[name];
        if (reason) {
          console.warn(`Relevance case skipped for ${name}: “${c.name}”: ${reason}`);
          it.skip(`${c.name} (differs on ${name}: ${reason})`, () => undefined);
        }
      }
      it.each(relevanceCases.filter((c) => !c.differs?.[name]).map((c) => [c.name, c] as const))("%s", async (_name, c) => {
        const result = await search({ q: c.q, filters: c.filters ?? {} });
        const ids = result.hits.map((h) => h.id);
        if (c.expectTop) expect(ids.slice(0, c.expectTop.length).sort()).toEqual([...c.expectTop].sort());
        if (c.first) expect(ids[0]).toBe(c.first);
        for (const id of c.absent ?? []) expect(ids).not.toContain(id);
        for (const id of c.includes ?? []) expect(ids).toContain(id);
        for (const id of c.then ?? []) {
          expect(ids).toContain(id);
          if (c.first) expect(ids.indexOf(id)).toBeGreaterThan(0);
        }
      });
    });
  });
}

/** Splits documents into batches, as callers feed reindex(). */
export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// Reference semantics, written independently of the engines: OR within, AND across.
function passes(doc: SearchDocument, filters: SearchQuery["filters"], except?: FacetName): boolean {
  return FACETS.every((facet) => {
    const wanted = filters[facet];
    if (facet === except || !wanted || wanted.length === 0) return true;
    const keys = new Set(wanted.map(facetKey));
    return facetValues(doc, facet).some((v) => keys.has(facetKey(v)));
  });
}

function directCounts(facet: FacetName, filters: SearchQuery["filters"]): { value: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const doc of corpus) {
    if (!passes(doc, filters, facet)) continue;
    for (const value of facetValues(doc, facet)) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
}

// The normalised words inside <mark> elements of a snippet.
function markedWords(html: string): string[] {
  return [...html.matchAll(/<mark>(.*?)<\/mark>/g)].flatMap((m) => tokenize(m[1]!.replace(/&[a-z0-9#]+;/g, " ")));
}

function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
}

/** One row of tests/fixtures/search-queries.json. */
export type RelevanceCase = {
  name: string;
  q: string;
  filters?: SearchQuery["filters"];
  /** These ids fill the top N places, in any order (N = length). */
  expectTop?: string[];
  /** This id is the first hit. */
  first?: string;
  /** These ids are on the first page, anywhere. */
  includes?: string[];
  /** These ids are not on the first page. */
  absent?: string[];
  /** These ids are on the first page, after `first` (cross-language matches ranked after same-language ones). */
  then?: string[];
  /** Engines that rank this case differently, each with the reason (reported in the closing note). */
  differs?: Record<string, string>;
};
