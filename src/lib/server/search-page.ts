// What the search UI shows for one query and its result: facet groups with every value of a
// code list, chips, counts, sort and toggle links. Shared by /search and the tabs of /failures
// (components/SearchForm.astro, components/SearchResults.astro); a "scope" says where the UI
// lives, which parameters every link keeps (a tab) and which facets the scope fixes itself.
import { codeLabel, formatMoney, formatNumber, isMessageKey, pluralCategory, t as translate, type Locale, type MessageKey } from "../../i18n/index.ts";
import { localeHref } from "../../i18n/routing.ts";
import { AI_TYPES, CARE_SETTINGS, DECISIONS, LANGUAGES, ORG_KINDS, OUTCOMES, REJECTION_REASONS } from "../codelists.ts";
import { FACET_PARAMS, FACETS, FACT_FACET_VALUES, FACT_FACETS, SEARCH_KINDS, formEncoded, searchQueryString } from "./search/engine.ts";
import type { FacetName, FactFacet, SearchQuery, SearchResult } from "./search/engine.ts";

/** Where a search UI lives and what it fixes: /search fixes nothing; a /failures tab fixes its filter set. */
export type SearchScope = {
  /** The page path without language prefix ("/search", "/failures"). */
  path: string;
  /** Parameters every link and the form keep (a tab: `{ kind: "refused" }`). */
  params?: Readonly<Record<string, string>>;
  /** Facets the scope sets itself: not offered, never a chip. */
  fixed?: readonly FacetName[];
  /** Facets whose choice the scope narrows to these values (the projects tab: failure, abandoned). */
  values?: Partial<Record<FacetName, readonly string[]>>;
  /** Whether the amount-requested range is offered (only funding applications have amounts). */
  amount?: boolean;
};

/** The whole search page: every published post and call, nothing fixed. */
export const SEARCH_SCOPE: SearchScope = { path: "/search", amount: true };

// Facet values are codes (translated) except years and funder names (shown as stored). A
// governance fact's codes are labelled under its own field name (`code.dpo_involvement.from_idea`).
const CODE_LISTS: Partial<Record<FacetName, string>> = {
  outcome: "outcome",
  care_settings: "care_setting",
  ai_types: "ai_type",
  org_kind: "org_kind",
  language: "language",
  decision: "decision",
  rejection_reasons: "rejection_reason",
  ...Object.fromEntries(FACT_FACETS.map((fact) => [fact, fact])),
};

const FACTS = new Set<FacetName>(FACT_FACETS);
/** Whether a facet is a governance and data fact (issue 17): the search page groups those in one folding panel. */
export function isFactFacet(facet: FacetName): facet is FactFacet {
  return FACTS.has(facet);
}

// Facets over a code list show every value of the list, those with no matching post greyed
// with 0, so a reader tells "none" from "not offered". Open lists (years, funders, calls)
// show their top values plus any selected one, the rest folded into a <details>.
const ALL_VALUES: Partial<Record<FacetName, readonly string[]>> = {
  kind: SEARCH_KINDS,
  outcome: OUTCOMES,
  care_settings: CARE_SETTINGS,
  ai_types: AI_TYPES,
  org_kind: ORG_KINDS,
  language: LANGUAGES,
  decision: DECISIONS,
  rejection_reasons: REJECTION_REASONS,
  ...FACT_FACET_VALUES,
};
const VISIBLE_VALUES = 8;

// Labels of code-list values, per language and facet: a search page asks for ~150 of them, and
// each was a message key built and looked up anew. Bounded per facet (codes come from data).
const LABELS_PER_FACET = 512;
const labels = new Map<Locale, Map<FacetName, Map<string, string>>>();

/** A facet value's label in the reader's language. */
export function facetValueLabel(locale: Locale, facet: FacetName, value: string): string {
  if (facet !== "kind" && CODE_LISTS[facet] === undefined) return value;
  let byFacet = labels.get(locale);
  if (byFacet === undefined) {
    byFacet = new Map();
    labels.set(locale, byFacet);
  }
  let byValue = byFacet.get(facet);
  if (byValue === undefined) {
    byValue = new Map();
    byFacet.set(facet, byValue);
  }
  let label = byValue.get(value);
  if (label === undefined) {
    label = labelOf(locale, facet, value);
    if (byValue.size < LABELS_PER_FACET) byValue.set(value, label);
  }
  return label;
}

function labelOf(locale: Locale, facet: FacetName, value: string): string {
  if (facet === "kind") {
    const key = value === "funding_call" ? "searchpage.kind.funding_call" : `post.kind.${value}`;
    return isMessageKey(key) ? translate(locale, key) : value;
  }
  const list = CODE_LISTS[facet];
  return list ? codeLabel(locale, list, value) : value;
}

// The scope's own parameters (a tab's), encoded, first in every link of the scope.
function ownParams(scope: SearchScope): string[] {
  return scope.params ? Object.entries(scope.params).map(([key, value]) => `${formEncoded(key)}=${formEncoded(value)}`) : [];
}

/** The link to this scope with a query (page-language prefix, the scope's own parameters first). */
export function scopeHref(locale: Locale, scope: SearchScope, query: SearchQuery | null): string {
  const own = ownParams(scope);
  const text = [...own, ...(query ? [searchQueryString(query)] : [])].filter((part) => part !== "").join("&");
  // localeHref looks at the path only: prefixing it alone gives the same link.
  const path = localeHref(locale, scope.path);
  return text ? `${path}?${text}` : path;
}

/**
 * Links to this scope with the query's values of one facet replaced, back on page 1: the same
 * text as scopeHref with that query. A search page has ~150 of them (every facet value); each
 * built from a copied query was a fifth of the page's rendering and ~0.4 MB of garbage a view
 * (issue 15, profiled), so the parts that do not change are written once.
 */
export function facetLinks(locale: Locale, scope: SearchScope, query: SearchQuery): (facet: FacetName, values: readonly string[]) => string {
  const path = localeHref(locale, scope.path);
  const pairs = (name: string, values: readonly string[]) => values.map((value) => `${name}=${formEncoded(value)}`).join("&");
  const own = ownParams(scope);
  const head = own
    .concat(query.q ? `q=${formEncoded(query.q)}` : "")
    .filter((part) => part !== "")
    .join("&");
  const facets = FACETS.map((facet) => pairs(FACET_PARAMS[facet], query.filters[facet] ?? []));
  // What follows the facets, as on page 1.
  const tail = searchQueryString({ ...query, q: "", filters: {}, page: 1 });
  const joined = (parts: readonly string[]) => parts.filter((part) => part !== "").join("&");
  // What comes before and after each facet's part, joined once per facet rather than per link.
  const before = FACETS.map((_, i) => joined([head, ...facets.slice(0, i)]));
  const after = FACETS.map((_, i) => joined([...facets.slice(i + 1), tail]));
  return (facet, values) => {
    const at = FACETS.indexOf(facet);
    // Appended piece by piece: arrays per link were most of this function's garbage.
    let text = before[at]!;
    for (const value of values) text = text === "" ? `${FACET_PARAMS[facet]}=${formEncoded(value)}` : `${text}&${FACET_PARAMS[facet]}=${formEncoded(value)}`;
    const rest = after[at]!;
    if (rest !== "") text = text === "" ? rest : `${text}&${rest}`;
    return text ? `${path}?${text}` : path;
  };
}

/** Everything the search UI renders for a query and its result, as links and labels. */
export function buildSearchView(locale: Locale, scope: SearchScope, query: SearchQuery, result: SearchResult | null) {
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
  const fixed = new Set(scope.fixed ?? []);
  const offered = FACETS.filter((facet) => !fixed.has(facet));
  const valueLabel = (facet: FacetName, value: string) => facetValueLabel(locale, facet, value);
  // A fact is titled as on the post page and the writing form (facts.label.*).
  const facetTitle = (facet: FacetName) => t((isFactFacet(facet) ? `facts.label.${facet}` : `searchpage.facet.${facet}`) as MessageKey);
  // Every link is the current search with one change, back on page 1 unless it is paging.
  const hrefFor = (next: SearchQuery) => scopeHref(locale, scope, next);
  const withFilter = (q: SearchQuery, facet: FacetName, values: string[]): SearchQuery => {
    const filters = { ...q.filters };
    if (values.length > 0) filters[facet] = values;
    else delete filters[facet];
    return { ...q, filters, page: 1 };
  };

  const chips = offered.flatMap((facet) =>
    (query.filters[facet] ?? []).map((value) => ({
      facet,
      value,
      label: t("searchpage.chip", { facet: facetTitle(facet), value: valueLabel(facet, value) }),
      short: valueLabel(facet, value),
      href: hrefFor(
        withFilter(
          query,
          facet,
          (query.filters[facet] ?? []).filter((v) => v !== value),
        ),
      ),
    })),
  );
  const clearAll = hrefFor({ ...query, filters: {}, page: 1 });

  // Each value is a link to this search with that value toggled (no JavaScript, no Apply button).
  const withValues = facetLinks(locale, scope, query);
  const toggleHref = (facet: FacetName, value: string, selected: boolean): string => {
    const current = query.filters[facet] ?? [];
    return withValues(facet, selected ? current.filter((v) => v !== value) : [...current, value]);
  };
  const allGroups = result
    ? offered
        .map((facet) => {
          const selected = new Set(query.filters[facet] ?? []);
          const allowed = scope.values?.[facet];
          let counts = [...result.facets[facet]];
          if (allowed) counts = counts.filter((c) => allowed.includes(c.value));
          // Years read best in time order, newest first; other facets stay in count order.
          if (facet === "year") counts.sort((a, b) => Number(b.value) - Number(a.value));
          for (const value of [...(allowed ?? ALL_VALUES[facet] ?? []), ...selected])
            if (!counts.some((c) => c.value === value)) counts.push({ value, count: 0 });
          const entries = counts.map((c) => ({
            ...c,
            label: valueLabel(facet, c.value),
            checked: selected.has(c.value),
            href: toggleHref(facet, c.value, selected.has(c.value)),
          }));
          const complete = allowed !== undefined || ALL_VALUES[facet] !== undefined;
          const visible = entries.filter((e, i) => complete || i < VISIBLE_VALUES || e.checked);
          const folded = entries.filter((e, i) => !complete && i >= VISIBLE_VALUES && !e.checked);
          return { facet, title: facetTitle(facet), visible, folded, selectedCount: selected.size };
        })
        .filter((g) => g.visible.length > 0)
    : [];
  // Twelve fact boxes would swamp the other filters: they fold into one panel, open while one of
  // them is chosen. Only case studies have facts, so a result set without any (funding
  // applications, say) shows no panel rather than twelve lists of zeros.
  const factGroups = allGroups.filter((g) => isFactFacet(g.facet));
  const factsOpen = factGroups.some((g) => g.selectedCount > 0);
  const factPanel =
    factsOpen || factGroups.some((g) => g.visible.some((e) => e.count > 0))
      ? { title: t("facts.panel.governance"), groups: factGroups, open: factsOpen }
      : null;
  const facetGroups = allGroups.filter((g) => !isFactFacet(g.facet));
  const activeFilters = offered.reduce((n, f) => n + (query.filters[f]?.length ?? 0), 0) + (query.amount ? 1 : 0);

  // "No results" first; then the language's own rule picks singular or plural (French "many" reads as other).
  const countText = result
    ? result.total === 0
      ? t("searchpage.count.none")
      : pluralCategory(locale, result.total) === "one"
        ? t("searchpage.count.one")
        : t("searchpage.count.other", { count: formatNumber(locale, result.total) })
    : "";
  // The amount range is a filter too, removable like a facet value.
  const euro = (n: number) => formatMoney(locale, n);
  const amountChip = query.amount
    ? {
        label: t("searchpage.amount.chip", {
          min: query.amount.min === null ? "…" : euro(query.amount.min),
          max: query.amount.max === null ? "…" : euro(query.amount.max),
        }),
        href: hrefFor({ ...query, amount: undefined, page: 1 }),
      }
    : null;
  const suggestionHref = result?.suggestion ? hrefFor({ ...query, q: result.suggestion, page: 1 }) : null;
  const sortHref = (sort: SearchQuery["sort"]) => hrefFor({ ...query, sort, page: 1 });
  return {
    offered,
    chips,
    clearAll,
    facetGroups,
    factPanel,
    activeFilters,
    countText,
    amountChip,
    hasFilters: chips.length > 0 || amountChip !== null,
    suggestionHref,
    sortHref,
    firstPageHref: hrefFor({ ...query, page: 1 }),
    browseHref: scopeHref(locale, scope, null),
    valueLabel,
    facetTitle,
  };
}

/** A hit's status badge: its outcome, else its funding decision. */
export function hitStatus(locale: Locale, hit: SearchResult["hits"][number]): { css: string; label: string } | null {
  if (hit.outcome) return { css: hit.outcome, label: codeLabel(locale, "outcome", hit.outcome) };
  if (hit.decision) return { css: hit.decision, label: codeLabel(locale, "decision", hit.decision) };
  return null;
}
