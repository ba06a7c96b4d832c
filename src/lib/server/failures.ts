// What "failure" means on Casebook (README, /failures) and the two tabs of /failures. Three
// kinds of record count as failures: case studies whose outcome is `failure` (the project ran
// and did not deliver), those whose outcome is `abandoned` (stopped before the end), and
// funding applications whose decision is `rejected`. "Failed or abandoned, or refused" is an
// OR across two facets, which the search engines' filters (OR within a facet, AND across
// facets) cannot express; so each tab is one filter set of the public search API: projects
// (outcome failure or abandoned) and refused applications (kind funding_application, decision
// rejected). Both tabs carry the search page's facets, counts, sort and paging.
import type { Locale } from "../../i18n/index.ts";
import { OUTCOMES, type Outcome } from "../codelists.ts";
import { FACET_PARAMS, makeQuery, parseSearchParams } from "./search/engine.ts";
import type { FacetName, SearchQuery, SearchResult } from "./search/engine.ts";
import { searchPosts } from "./search/index.ts";
import type { SearchScope } from "./search-page.ts";

/** The tabs of /failures, in display order; the first is the page's default. */
export const FAILURE_TABS = ["projects", "refused"] as const;
/** One tab of /failures. */
export type FailureTab = (typeof FAILURE_TABS)[number];
/** The outcomes that make a project a failure. */
export const FAILED_OUTCOMES = ["failure", "abandoned"] as const satisfies readonly Outcome[];

/** The URL parameter that picks the tab (/failures?kind=refused). */
export const FAILURE_TAB_PARAM = "kind";

// Each tab's own filters. A facet listed in `values` stays a choice within the tab (the reader
// narrows "failed or abandoned" to one of them); `fixed` facets are set by the tab or do not
// apply to it, and are not offered.
const TABS: Record<
  FailureTab,
  { filters: Partial<Record<FacetName, readonly string[]>>; fixed: readonly FacetName[]; values?: SearchScope["values"]; amount: boolean }
> = {
  // Decisions and reasons for refusal belong to funding applications only: not offered here.
  projects: { filters: { outcome: FAILED_OUTCOMES }, fixed: ["kind", "decision", "rejection_reasons"], values: { outcome: FAILED_OUTCOMES }, amount: false },
  refused: { filters: { kind: ["funding_application"], decision: ["rejected"] }, fixed: ["kind", "decision", "outcome"], amount: true },
};

/** The search scope of one tab: its path and parameter, the facets it fixes or narrows. */
export function failuresScope(tab: FailureTab): SearchScope {
  const spec = TABS[tab];
  return { path: "/failures", params: { [FAILURE_TAB_PARAM]: tab }, fixed: spec.fixed, ...(spec.values ? { values: spec.values } : {}), amount: spec.amount };
}

/** Reads /failures?kind=…&<search params>: the tab and the reader's own query, or which parameter is not valid. */
export function parseFailuresParams(
  params: URLSearchParams,
): { ok: true; tab: FailureTab; query: SearchQuery } | { ok: false; param: string; message: string } {
  const tabValue = params.get(FAILURE_TAB_PARAM) ?? "projects";
  if (!(FAILURE_TABS as readonly string[]).includes(tabValue)) {
    return { ok: false, param: FAILURE_TAB_PARAM, message: `${FAILURE_TAB_PARAM} must be one of: ${FAILURE_TABS.join(", ")}` };
  }
  const tab = tabValue as FailureTab;
  const rest = new URLSearchParams(params);
  rest.delete(FAILURE_TAB_PARAM);
  const parsed = parseSearchParams(rest);
  if (!parsed.ok) return parsed;
  const spec = TABS[tab];
  for (const facet of spec.fixed) {
    if (parsed.query.filters[facet]?.length) return { ok: false, param: FACET_PARAMS[facet], message: `this list does not filter by ${FACET_PARAMS[facet]}` };
  }
  for (const [facet, allowed] of Object.entries(spec.values ?? {}) as [FacetName, readonly string[]][]) {
    const outside = (parsed.query.filters[facet] ?? []).find((v) => !allowed.includes(v));
    if (outside)
      return { ok: false, param: FACET_PARAMS[facet], message: `${JSON.stringify(outside)} is not in this list (expected one of: ${allowed.join(", ")})` };
  }
  if (!spec.amount && parsed.query.amount) return { ok: false, param: "amount_min", message: "only funding applications have an amount" };
  return { ok: true, tab, query: parsed.query };
}

/** The engine query of a tab: the reader's filters inside the tab's filter set. */
export function failuresSearchQuery(tab: FailureTab, query: SearchQuery): SearchQuery {
  const filters = { ...query.filters };
  for (const [facet, values] of Object.entries(TABS[tab].filters) as [FacetName, readonly string[]][]) {
    // A narrowed facet keeps the reader's choice (already checked to lie inside the tab's set).
    if (!filters[facet]?.length) filters[facet] = [...values];
  }
  return { ...query, filters };
}

/** One tab of /failures: its results, and the counts of every kind of failure and of every outcome (for the tiles). */
export async function searchFailures(locale: Locale, tab: FailureTab, query: SearchQuery): Promise<FailuresSearch> {
  // Counts and list from the same index, so a tile's number is the length of the list it opens.
  const [result, all, refused] = await Promise.all([
    searchPosts({ ...failuresSearchQuery(tab, query), locale: query.locale ?? locale }),
    searchPosts(makeQuery({ perPage: 1, locale })),
    searchPosts(failuresSearchQuery("refused", makeQuery({ perPage: 1, locale }))),
  ]);
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, all.facets.outcome.find((c) => c.value === o)?.count ?? 0])) as Record<Outcome, number>;
  return { result, outcomes, refused: refused.total };
}

/** The data of one /failures tab. */
export type FailuresSearch = { result: SearchResult; outcomes: Record<Outcome, number>; refused: number };
