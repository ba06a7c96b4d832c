// The pure parts of the Meilisearch adapter: filter strings, the disjunctive multi-search,
// search parameters, highlight escaping and the one settings declaration. These run without
// a server; the adapter's I/O is covered by the shared contract when MEILI_URL is set.

import { describe, expect, it } from "vitest";
import { FACETS, HIT_FIELDS, STOP_WORDS, makeQuery, parseSearchParams, searchQueryToParams } from "../../src/lib/server/search/engine.ts";
import type { SearchDocument } from "../../src/lib/server/search/engine.ts";
import { EMBEDDED_BOOSTS } from "../../src/lib/server/search/embedded.ts";
import { stemOf } from "../../src/lib/server/search/analysis.ts";
import {
  HIGHLIGHT_POST,
  HIGHLIGHT_PRE,
  MEILI_SETTINGS,
  OTHER_LANGUAGE_WEIGHT,
  STEMS_FIELD,
  STEM_WEIGHT,
  buildFacetQueries,
  buildFederatedSearch,
  buildFilterExpression,
  preferredLanguage,
  settingsDrift,
  siteKeySpecs,
  stemQueries,
  toMeiliDocument,
  createMeilisearchEngine,
  placeholdersToHtml,
  snippetFromFormatted,
  toMeiliSearchParams,
} from "../../src/lib/server/search/meilisearch.ts";

const mark = (s: string) => `${HIGHLIGHT_PRE}${s}${HIGHLIGHT_POST}`;

describe("buildFilterExpression", () => {
  it("is null without filters (and ignores empty value lists)", () => {
    expect(buildFilterExpression({})).toBeNull();
    expect(buildFilterExpression({ outcome: [] })).toBeNull();
  });

  it("quotes string values", () => {
    expect(buildFilterExpression({ outcome: ["failure"] })).toBe('(outcome = "failure")');
  });

  it("ORs values within a facet", () => {
    expect(buildFilterExpression({ outcome: ["failure", "abandoned"] })).toBe('(outcome = "failure" OR outcome = "abandoned")');
  });

  it("ANDs facets, in FACETS order whatever the object order", () => {
    expect(buildFilterExpression({ language: ["nl"], kind: ["case_study", "discussion"] })).toBe(
      '(kind = "case_study" OR kind = "discussion") AND (language = "nl")',
    );
  });

  it("leaves years as bare numbers", () => {
    expect(buildFilterExpression({ year: ["2023", "2024"] })).toBe("(year = 2023 OR year = 2024)");
  });

  it("quotes a non-numeric year rather than injecting it", () => {
    expect(buildFilterExpression({ year: ["2024 OR 1 = 1"] })).toBe('(year = "2024 OR 1 = 1")');
  });

  it('escapes " and \\ inside values', () => {
    expect(buildFilterExpression({ funder_name: ['Fonds "Santé" \\ Bruxelles'] })).toBe('(funder_name = "Fonds \\"Santé\\" \\\\ Bruxelles")');
    // An attempt to close the quote and add a clause stays inside the string.
    expect(buildFilterExpression({ funder_name: ['x" OR kind = "discussion'] })).toBe('(funder_name = "x\\" OR kind = \\"discussion")');
  });

  it("handles multi-valued document fields like any other facet", () => {
    expect(buildFilterExpression({ care_settings: ["hospital"], rejection_reasons: ["data_governance", "regulatory"] })).toBe(
      '(care_settings = "hospital") AND (rejection_reasons = "data_governance" OR rejection_reasons = "regulatory")',
    );
  });

  it("filters governance facts by their document field, the multi-valued changed_roles included", () => {
    const parsed = parseSearchParams(new URLSearchParams("changed_role=nurses&dpo_involvement=from_idea&dpo_involvement=before_pilot&outcome=failure"));
    expect(parsed.ok && buildFilterExpression(parsed.query.filters)).toBe(
      '(outcome = "failure") AND (dpo_involvement = "from_idea" OR dpo_involvement = "before_pilot") AND (changed_roles = "nurses")',
    );
  });
});

describe("toMeiliSearchParams", () => {
  it("asks for hits, paging, every facet and placeholder-tagged crops", () => {
    const params = toMeiliSearchParams(makeQuery({ q: "sepsis", filters: { outcome: ["failure"] }, page: 3, perPage: 10 }));
    expect(params).toMatchObject({
      q: "sepsis",
      filter: '(outcome = "failure")',
      page: 3,
      hitsPerPage: 10,
      facets: [...FACETS],
      matchingStrategy: "all",
      attributesToCrop: ["summary", "body"],
      attributesToHighlight: ["summary", "body"],
      highlightPreTag: HIGHLIGHT_PRE,
      highlightPostTag: HIGHLIGHT_POST,
    });
    expect(params.attributesToRetrieve).toEqual([...HIT_FIELDS]);
    expect(params.attributesToRetrieve).not.toContain("body");
    expect(params.sort).toBeUndefined();
  });

  it("sorts by date for sort=newest and for browsing without text", () => {
    expect(toMeiliSearchParams(makeQuery({ q: "sepsis", sort: "newest" })).sort).toEqual(["published_ts:desc"]);
    expect(toMeiliSearchParams(makeQuery({ q: "" })).sort).toEqual(["published_ts:desc"]);
  });

  it("omits the filter when there is none and passes a fallback strategy through", () => {
    const params = toMeiliSearchParams(makeQuery({ q: "a b" }), "last");
    expect("filter" in params).toBe(false);
    expect(params.matchingStrategy).toBe("last");
  });
});

describe("buildFacetQueries", () => {
  it("is just the main query when nothing is filtered", () => {
    const queries = buildFacetQueries(makeQuery({ q: "triage" }), "posts");
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatchObject({ indexUid: "posts", q: "triage", facets: [...FACETS] });
  });

  it("adds one hitless query per filtered facet, each without its own filter", () => {
    const query = makeQuery({
      q: "triage",
      filters: { outcome: ["failure", "abandoned"], language: ["fr"], year: ["2024"] },
    });
    const [main, ...facetQueries] = buildFacetQueries(query, "idx");
    expect(main).toMatchObject({
      indexUid: "idx",
      filter: '(outcome = "failure" OR outcome = "abandoned") AND (language = "fr") AND (year = 2024)',
    });
    expect(facetQueries).toEqual([
      {
        indexUid: "idx",
        q: "triage",
        facets: ["outcome"],
        limit: 0,
        matchingStrategy: "all",
        filter: '(language = "fr") AND (year = 2024)',
      },
      {
        indexUid: "idx",
        q: "triage",
        facets: ["language"],
        limit: 0,
        matchingStrategy: "all",
        filter: '(outcome = "failure" OR outcome = "abandoned") AND (year = 2024)',
      },
      {
        indexUid: "idx",
        q: "triage",
        facets: ["year"],
        limit: 0,
        matchingStrategy: "all",
        filter: '(outcome = "failure" OR outcome = "abandoned") AND (language = "fr")',
      },
    ]);
  });

  it("leaves the filter out of a facet query when its facet was the only one filtered", () => {
    const [, only] = buildFacetQueries(makeQuery({ filters: { kind: ["discussion"] } }), "posts", "last");
    expect(only).toEqual({ indexUid: "posts", q: "", facets: ["kind"], limit: 0, matchingStrategy: "last" });
  });
});

describe("highlight escaping", () => {
  it("escapes the text before turning placeholders into <mark>", () => {
    expect(placeholdersToHtml(`a penetration ${mark("tester")} pasted <script>alert(1)</script>`)).toBe(
      "a penetration <mark>tester</mark> pasted &lt;script&gt;alert(1)&lt;/script&gt;",
    );
  });

  it("does not let a literal <mark> in the text through", () => {
    expect(placeholdersToHtml("<mark>fake</mark>")).toBe("&lt;mark&gt;fake&lt;/mark&gt;");
  });

  it("keeps marks balanced whatever placeholders a document smuggles in", () => {
    expect(placeholdersToHtml(`${HIGHLIGHT_PRE}${HIGHLIGHT_PRE}a${HIGHLIGHT_POST}${HIGHLIGHT_POST}b`)).toBe("<mark>a</mark>b");
    expect(placeholdersToHtml(`x${HIGHLIGHT_PRE}y`)).toBe("x<mark>y</mark>");
    expect(placeholdersToHtml(`${HIGHLIGHT_POST}z`)).toBe("z");
  });

  it("picks the cropped field with more highlights, the summary on ties", () => {
    expect(snippetFromFormatted({ summary: "plain summary", body: `…the ${mark("lactate")} rose…` })).toBe("…the <mark>lactate</mark> rose…");
    expect(snippetFromFormatted({ summary: `one ${mark("a")}`, body: `two ${mark("a")}` })).toBe("one <mark>a</mark>");
    expect(snippetFromFormatted({ summary: "", body: "only body" })).toBe("only body");
    expect(snippetFromFormatted(undefined)).toBe("");
  });
});

describe("MEILI_SETTINGS", () => {
  it("makes every facet filterable", () => {
    for (const facet of FACETS) expect(MEILI_SETTINGS.filterableAttributes).toContain(facet);
    // The governance facts of issue 17, by name, so dropping them from FACETS fails here too.
    for (const fact of ["dpo_involvement", "data_location", "human_oversight", "changed_roles"]) expect(MEILI_SETTINGS.filterableAttributes).toContain(fact);
  });

  it("searches every text field, ranked like the embedded boosts", () => {
    const byBoost = Object.entries(EMBEDDED_BOOSTS)
      .sort((a, b) => b[1] - a[1])
      .map(([field]) => field);
    // The stemmed copy of the text comes after every field as written.
    expect(MEILI_SETTINGS.searchableAttributes).toEqual([...byBoost, STEMS_FIELD]);
    const textFields: (keyof SearchDocument)[] = [
      "title",
      "summary",
      "body",
      "lessons",
      "tags",
      "organization_name",
      "public_descriptor",
      "funder_name",
      "call_title",
    ];
    expect([...MEILI_SETTINGS.searchableAttributes].filter((f) => f !== STEMS_FIELD).sort()).toEqual([...textFields].sort());
  });

  it("never makes internal fields searchable", () => {
    for (const field of ["organization_slug", "url", "slug", "id", "published_at"]) {
      expect(MEILI_SETTINGS.searchableAttributes).not.toContain(field);
    }
  });

  it("sorts by publication time, shares stop words and typo budget with the embedded engine", () => {
    expect(MEILI_SETTINGS.sortableAttributes).toEqual(["published_ts"]);
    expect(MEILI_SETTINGS.stopWords).toEqual([...STOP_WORDS]);
    expect(MEILI_SETTINGS.typoTolerance.minWordSizeForTypos).toEqual({ oneTypo: 4, twoTypos: 8 });
  });

  it("declares the three content languages for the text fields", () => {
    expect(MEILI_SETTINGS.localizedAttributes).toEqual([
      { attributePatterns: expect.arrayContaining(["title", "summary", "body", "lessons"]), locales: ["eng", "fra", "nld"] },
    ]);
  });

  it("keeps totals exact and the most frequent facet values", () => {
    expect(MEILI_SETTINGS.pagination.maxTotalHits).toBeGreaterThanOrEqual(20_000);
    expect(MEILI_SETTINGS.faceting.sortFacetValuesBy).toEqual({ "*": "count" });
  });
});

describe("createMeilisearchEngine without a server", () => {
  it("reports an unreachable server through health() instead of throwing", async () => {
    // Port 9 (discard) on localhost: refused at once, no Meilisearch involved.
    const engine = createMeilisearchEngine({ url: "http://127.0.0.1:9", requestTimeoutMs: 2_000 });
    expect(engine.name).toBe("meilisearch");
    expect(engine.indexUid).toBe("posts");
    const health = await engine.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/unreachable/);
  });

  it("validates document ids before sending anything", async () => {
    const engine = createMeilisearchEngine({ url: "http://127.0.0.1:9" });
    await expect(engine.upsert([{ id: "bad id" } as SearchDocument])).rejects.toThrow(/invalid search document id/);
  });
});

describe("amount range", () => {
  it("adds the range to the main and every facet query", () => {
    expect(buildFilterExpression({ decision: ["rejected"] }, { min: 50000, max: 200000 })).toBe(
      'amount_requested >= 50000 AND amount_requested <= 200000 AND (decision = "rejected")',
    );
    expect(buildFilterExpression({}, { min: null, max: 10 })).toBe("amount_requested <= 10");
    const queries = buildFacetQueries(makeQuery({ filters: { decision: ["rejected"] }, amount: { min: 1, max: null } }));
    for (const q of queries) expect(q.filter).toContain("amount_requested >= 1");
  });

  it("parses amount_min and amount_max, naming a bad one", () => {
    const ok = parseSearchParams(new URLSearchParams("amount_min=50000&amount_max=200000"));
    expect(ok).toMatchObject({ ok: true, query: { amount: { min: 50000, max: 200000 } } });
    expect(parseSearchParams(new URLSearchParams("amount_min=-5"))).toMatchObject({ ok: false, param: "amount_min" });
    expect(parseSearchParams(new URLSearchParams("amount_min=10&amount_max=5"))).toMatchObject({ ok: false, param: "amount_max" });
    expect(searchQueryToParams(ok.ok ? ok.query : makeQuery()).toString()).toBe("amount_min=50000&amount_max=200000");
  });
});

describe("stemming for an engine without it", () => {
  const doc = (over: Partial<SearchDocument>): SearchDocument => ({ ...(corpusDoc as SearchDocument), ...over });
  const corpusDoc = {
    id: "x",
    kind: "case_study",
    slug: "x",
    url: "/posts/x",
    title: "Stopping the pilot",
    summary: "",
    body: "Nurses detected falls earlier",
    lessons: "",
    tags: ["triage"],
    language: "en",
    call_title: null,
  } as unknown as SearchDocument;

  it("sends each document with its words stemmed in its own language only", () => {
    expect(toMeiliDocument(doc({})).stems.split(" ")).toEqual(expect.arrayContaining(["stop", "pilot", "nurs", "detect", "fall", "earlier", "triag"]));
    const french = toMeiliDocument(doc({ language: "fr", title: "Chutes détectées", body: "", tags: [] })).stems.split(" ");
    expect(french).toEqual([stemOf("chutes", "fr"), stemOf("detectees", "fr")]);
    expect(french).not.toContain("chutes");
    expect(french).not.toContain(stemOf("chutes", "en")); // stemmed as French, not as English
    // Stop words stay out, the document's own fields are untouched.
    expect(toMeiliDocument(doc({})).stems.split(" ")).not.toContain("the");
    expect(toMeiliDocument(doc({})).title).toBe("Stopping the pilot");
  });

  it("stems a query in each language, and has nothing to stem without words", () => {
    expect(stemQueries("Stopping AI")).toEqual([
      { lang: "en", q: "stop ai" },
      { lang: "fr", q: expect.any(String) },
      { lang: "nl", q: expect.any(String) },
    ]);
    expect(stemQueries("chutes")).toContainEqual({ lang: "fr", q: "chut" });
    expect(stemQueries("  the  ")).toEqual([]);
  });

  it("federates the query as written with its stem queries, each confined to its language's posts", () => {
    const params = buildFederatedSearch(makeQuery({ q: "stopping", filters: { outcome: ["failure"] }, page: 2, perPage: 5 }), {
      indexUid: "posts",
      facets: FACETS,
      withHits: true,
    });
    expect(params.federation).toEqual({ offset: 5, limit: 5, facetsByIndex: { posts: [...FACETS] } });
    const [written, ...stems] = params.queries;
    expect(written).toMatchObject({ q: "stopping", filter: '(outcome = "failure")', federationOptions: { weight: 1 } });
    expect(written?.attributesToSearchOn).toBeUndefined();
    expect(stems.map((q) => q.filter)).toEqual([
      '((outcome = "failure")) AND language = "en"',
      '((outcome = "failure")) AND language = "fr"',
      '((outcome = "failure")) AND language = "nl"',
    ]);
    for (const q of stems) {
      expect(q.attributesToSearchOn).toEqual([STEMS_FIELD]);
      expect(q.federationOptions).toEqual({ weight: STEM_WEIGHT });
      expect(q.attributesToHighlight).toEqual(["summary", "body"]);
    }
    expect(STEM_WEIGHT).toBeLessThan(1);
  });

  it("counts a filtered facet without its own filter and without hits", () => {
    const params = buildFederatedSearch(makeQuery({ q: "falls", filters: { outcome: ["failure"], language: ["en"] } }), {
      facets: ["outcome"],
      exceptFacet: "outcome",
      withHits: false,
    });
    expect(params.federation).toEqual({ offset: 0, limit: 0, facetsByIndex: { posts: ["outcome"] } });
    expect(params.queries[0]?.filter).toBe('(language = "en")');
    expect(params.queries[1]?.filter).toBe('((language = "en")) AND language = "en"');
    expect(params.queries[0]?.attributesToRetrieve).toEqual(["id"]);
  });
});

describe("the site's scoped keys", () => {
  it("lets the search key only search the public index, the write key only write its documents", () => {
    const [search, write] = siteKeySpecs("posts");
    expect(search).toMatchObject({ role: "search", actions: ["search"], indexes: ["posts"], expiresAt: null });
    expect(write?.role).toBe("write");
    expect(write?.actions.sort()).toEqual(["documents.add", "documents.delete", "stats.get", "tasks.get"]);
    expect(write?.indexes).toEqual(["posts", "posts_reindex_*"]);
    // Neither may manage an index, read keys, or search with the other's rights.
    for (const key of [search, write]) {
      for (const action of ["*", "settings.update", "indexes.create", "indexes.delete", "indexes.swap", "keys.get", "keys.create", "dumps.create"]) {
        expect(key?.actions).not.toContain(action);
      }
    }
    expect(write?.actions).not.toContain("search");
  });

  it("derives stable, distinct UUID uids from the index name, so every process finds the same keys", () => {
    const uids = [...siteKeySpecs("posts"), ...siteKeySpecs("other")].map((k) => k.uid);
    expect(new Set(uids).size).toBe(4);
    for (const uid of uids) expect(uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(siteKeySpecs("posts").map((k) => k.uid)).toEqual(uids.slice(0, 2));
  });
});

describe("language preference", () => {
  it("weighs other languages' posts down when the words are clearly in one language, and not otherwise", () => {
    expect(preferredLanguage("septicémie")).toBe("fr");
    expect(preferredLanguage("sepsis")).toBeNull();
    const params = buildFederatedSearch(makeQuery({ q: "septicémie" }), { facets: ["outcome"], withHits: false, prefer: "fr" });
    const typed = params.queries.filter((q) => q.q === "septicémie");
    expect(typed.map((q) => [q.filter, q.federationOptions?.weight])).toEqual([
      ['language = "fr"', 1],
      ['language != "fr"', OTHER_LANGUAGE_WEIGHT],
    ]);
    expect(OTHER_LANGUAGE_WEIGHT).toBeLessThan(1);
    // Without a preference, one query over every language.
    const plain = buildFederatedSearch(makeQuery({ q: "sepsis" }), { facets: ["outcome"], withHits: false });
    expect(plain.queries.filter((q) => q.q === "sepsis" && !q.attributesToSearchOn)).toHaveLength(1);
  });
});

describe("settingsDrift", () => {
  it("finds nothing in the declaration itself and names each setting that differs", () => {
    expect(settingsDrift(MEILI_SETTINGS)).toEqual([]);
    // Meilisearch answers with more fields than declared, and sets in its own order.
    const answered = { ...MEILI_SETTINGS, filterableAttributes: [...MEILI_SETTINGS.filterableAttributes].reverse(), distinctAttribute: null };
    expect(settingsDrift(answered)).toEqual([]);
    expect(settingsDrift({ ...MEILI_SETTINGS, typoTolerance: { enabled: false } })).toEqual(["typoTolerance"]);
    expect(settingsDrift({ ...MEILI_SETTINGS, searchableAttributes: ["organization_slug"], synonyms: { a: ["b"] } })).toEqual([
      "searchableAttributes",
      "synonyms",
    ]);
  });
});
