// The search page's governance and data panel (issue 17 §3), as buildSearchView prepares it:
// the twelve fact facets leave the main list for one folding panel, titled and labelled as the
// post page labels the facts, open while one of them filters, absent when no result has facts.
import { describe, expect, it } from "vitest";
import { CASE_FACT_FIELDS, CASE_FACT_LISTS, CASE_FACTS } from "../../src/lib/codelists.ts";
import { FACT_FACETS, emptyFacets, makeQuery, type SearchQuery, type SearchResult } from "../../src/lib/server/search/engine.ts";
import { codeLabel, t } from "../../src/i18n/index.ts";
import { buildSearchView, facetValueLabel, SEARCH_SCOPE } from "../../src/lib/server/search-page.ts";

function result(facets: Partial<SearchResult["facets"]>, total = 3): SearchResult {
  return { hits: [], total, page: 1, perPage: 20, totalPages: 1, facets: { ...emptyFacets(), ...facets }, suggestion: null, tookMs: 0 };
}
const caseStudies = result({
  kind: [{ value: "case_study", count: 3 }],
  dpo_involvement: [
    { value: "from_idea", count: 2 },
    { value: "after_go_live", count: 1 },
  ],
  changed_roles: [{ value: "nurses", count: 2 }],
});
const view = (query: Partial<SearchQuery>, res = caseStudies, locale: "en" | "fr" | "nl" = "en") =>
  buildSearchView(locale, SEARCH_SCOPE, makeQuery(query), res);

describe("the governance and data panel of the search page", () => {
  it("holds the twelve fact facets in canvas order, and the main list none of them", () => {
    const v = view({});
    expect(v.factPanel?.groups.map((g) => g.facet)).toEqual([...FACT_FACETS]);
    expect(FACT_FACETS).toHaveLength(CASE_FACT_FIELDS.length + Object.keys(CASE_FACT_LISTS).length);
    for (const group of v.facetGroups) expect(FACT_FACETS as readonly string[]).not.toContain(group.facet);
    expect(v.facetGroups.map((g) => g.facet)).toContain("outcome");
  });

  it("is titled and labelled in the reader's language, every value of each list shown with its count", () => {
    const en = view({});
    expect(en.factPanel?.title).toBe("Governance and data");
    const dpo = en.factPanel!.groups.find((g) => g.facet === "dpo_involvement")!;
    expect(dpo.title).toBe("When the DPO was involved");
    expect(dpo.visible.map((e) => e.value).sort()).toEqual([...CASE_FACTS.dpo_involvement].sort());
    expect(dpo.visible[0]).toMatchObject({ value: "from_idea", label: "From the idea", count: 2, checked: false });
    expect(dpo.visible.find((e) => e.value === "unknown")).toMatchObject({ label: "Not known", count: 0 });
    expect(new URL(dpo.visible[0]!.href, "http://x").searchParams.get("dpo_involvement")).toBe("from_idea");
    const roles = en.factPanel!.groups.find((g) => g.facet === "changed_roles")!;
    expect(roles.visible.find((e) => e.value === "nurses")).toMatchObject({ label: "Nurses", count: 2 });
    expect(new URL(roles.visible.find((e) => e.value === "nurses")!.href, "http://x").searchParams.getAll("changed_role")).toEqual(["nurses"]);

    const fr = view({}, caseStudies, "fr");
    expect(fr.factPanel?.title).toBe("Gouvernance et données");
    expect(fr.factPanel!.groups.find((g) => g.facet === "dpo_involvement")!.visible[0]!.label).toBe("Dès l’idée");
    expect(fr.factPanel!.groups.find((g) => g.facet === "dpo_involvement")!.visible[0]!.href).toMatch(/^\/fr\/search\?/);
  });

  it("is folded until one of its facts filters; that filter is a chip named after the fact, removable", () => {
    expect(view({}).factPanel?.open).toBe(false);
    const chosen = view({ filters: { dpo_involvement: ["from_idea"] } });
    expect(chosen.factPanel?.open).toBe(true);
    expect(chosen.chips.map((c) => c.label)).toEqual(["When the DPO was involved: From the idea"]);
    expect(new URL(chosen.chips[0]!.href, "http://x").searchParams.has("dpo_involvement")).toBe(false);
    expect(chosen.activeFilters).toBe(1);
    expect(view({ filters: { outcome: ["failure"] } }).factPanel?.open).toBe(false);
  });

  it("is left out when no result has a fact (funding applications), unless a fact filters", () => {
    const funding = result({ kind: [{ value: "funding_application", count: 3 }] });
    expect(view({ filters: { kind: ["funding_application"] } }, funding).factPanel).toBeNull();
    const nothing = view({ filters: { kind: ["funding_application"], nis2: ["yes"] } }, result({}, 0));
    expect(nothing.factPanel?.open).toBe(true);
    expect(nothing.factPanel!.groups.find((g) => g.facet === "nis2")!.visible.find((e) => e.value === "yes")).toMatchObject({ checked: true, count: 0 });
  });
});

describe("facet value labels", () => {
  it("are the code list's translation in each language, the same when asked again, and data values as written", () => {
    const ask = () =>
      (["en", "fr", "nl"] as const).map((locale) => [
        facetValueLabel(locale, "outcome", "failure"),
        facetValueLabel(locale, "kind", "funding_call"),
        facetValueLabel(locale, "dpo_involvement", "from_idea"),
        facetValueLabel(locale, "outcome", "not-a-code"),
        facetValueLabel(locale, "funder_name", "Fonds <Santé>"),
      ]);
    const first = ask();
    expect(first.map((labels) => labels[0])).toEqual([
      codeLabel("en", "outcome", "failure"),
      codeLabel("fr", "outcome", "failure"),
      codeLabel("nl", "outcome", "failure"),
    ]);
    expect(new Set(first.map((labels) => labels[0])).size).toBe(3);
    expect(first.map((labels) => labels[1])).toEqual(["en", "fr", "nl"].map((locale) => t(locale as "en", "searchpage.kind.funding_call")));
    for (const labels of first) expect(labels.slice(3)).toEqual(["not-a-code", "Fonds <Santé>"]);
    expect(ask()).toEqual(first);
  });
});
