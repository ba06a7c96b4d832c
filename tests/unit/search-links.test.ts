// The search UI's links (every facet value, chip, sort and page link) are written by hand rather
// than through URLSearchParams (issue 15: they were a sixth of the search page's rendering). They
// must be the very same text URLSearchParams would write, for any query a visitor can type.
import { describe, expect, it } from "vitest";
import { localeHref } from "../../src/i18n/routing.ts";
import { FACETS, formEncoded, makeQuery, type SearchQuery, searchQueryString, searchQueryToParams } from "../../src/lib/server/search/engine.ts";
import { facetLinks, SEARCH_SCOPE, type SearchScope, scopeHref } from "../../src/lib/server/search-page.ts";

// Deterministic generator (mulberry32), so a failure names a case that can be run again.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Characters a visitor can send: what URLSearchParams writes as is, what it escapes, spaces,
// accents, a character outside the BMP and a lone surrogate (written as U+FFFD).
const ALPHABET = [
  "a",
  "Z",
  "0",
  "*",
  "-",
  ".",
  "_",
  "!",
  "'",
  "(",
  ")",
  "~",
  " ",
  "+",
  "&",
  "=",
  "%",
  "#",
  "?",
  "/",
  "é",
  "ë",
  "ß",
  "€",
  "😀",
  "\ud800",
  '"',
  "<",
];

function text(next: () => number, max: number): string {
  let out = "";
  const length = Math.floor(next() * max);
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

function query(next: () => number): SearchQuery {
  const filters: SearchQuery["filters"] = {};
  for (const facet of FACETS) if (next() < 0.2) filters[facet] = Array.from({ length: 1 + Math.floor(next() * 3) }, () => text(next, 8) || "x");
  return makeQuery({
    q: next() < 0.8 ? text(next, 20) : "",
    filters,
    ...(next() < 0.3 ? { amount: { min: next() < 0.5 ? Math.floor(next() * 1e6) : null, max: next() < 0.5 ? Math.floor(next() * 1e7) : null } } : {}),
    sort: next() < 0.3 ? "newest" : "relevance",
    page: next() < 0.3 ? 1 + Math.floor(next() * 50) : 1,
    perPage: next() < 0.2 ? 5 + Math.floor(next() * 40) : 20,
    ...(next() < 0.3 ? { locale: (["en", "fr", "nl"] as const)[Math.floor(next() * 3)] } : {}),
  });
}

// What scopeHref wrote before, through URLSearchParams: the reference.
function referenceHref(locale: "en" | "fr" | "nl", scope: SearchScope, q: SearchQuery | null): string {
  const params = new URLSearchParams(scope.params ?? {});
  if (q) for (const [key, value] of searchQueryToParams(q)) params.append(key, value);
  const written = params.toString();
  return localeHref(locale, written ? `${scope.path}?${written}` : scope.path);
}

describe("search links written by hand", () => {
  it("encode a value exactly as URLSearchParams does", () => {
    expect(formEncoded("a b!'()~*-._")).toBe("a+b%21%27%28%29%7E*-._");
    expect(formEncoded("sepsis & co=1%")).toBe("sepsis+%26+co%3D1%25");
    expect(formEncoded("soins à domicile")).toBe("soins+%C3%A0+domicile");
    expect(formEncoded("lone \ud800")).toBe("lone+%EF%BF%BD");
  });

  it("are the text URLSearchParams writes, for 3,000 generated queries", () => {
    const next = random(20261206);
    for (let i = 0; i < 3000; i++) {
      const q = query(next);
      expect(searchQueryString(q), JSON.stringify(q)).toBe(searchQueryToParams(q).toString());
    }
  });

  it("give the same links as before for /search and for a /failures tab, in every language", () => {
    const next = random(7);
    const tab: SearchScope = { path: "/failures", params: { tab: "refused" }, fixed: ["kind"] };
    for (let i = 0; i < 500; i++) {
      const q = i % 10 === 0 ? null : query(next);
      for (const locale of ["en", "fr", "nl"] as const) {
        expect(scopeHref(locale, SEARCH_SCOPE, q)).toBe(referenceHref(locale, SEARCH_SCOPE, q));
        expect(scopeHref(locale, tab, q)).toBe(referenceHref(locale, tab, q));
      }
    }
    expect(scopeHref("fr", SEARCH_SCOPE, makeQuery({ q: "triage", filters: { outcome: ["failure"] } }))).toBe("/fr/search?q=triage&outcome=failure");
    expect(scopeHref("en", SEARCH_SCOPE, makeQuery({ q: "a b", filters: { year: ["2025"] }, page: 3 }))).toBe("/en/search?q=a+b&year=2025&page=3");
    expect(scopeHref("nl", tab, null)).toBe("/nl/failures?tab=refused");
  });

  it("toggle one facet's values as the whole query rewritten would, back on page 1", () => {
    const next = random(42);
    const tab: SearchScope = { path: "/failures", params: { tab: "projects" } };
    for (let i = 0; i < 1000; i++) {
      const q = query(next);
      const scope = i % 2 === 0 ? SEARCH_SCOPE : tab;
      const links = facetLinks("nl", scope, q);
      const facet = FACETS[Math.floor(next() * FACETS.length)]!;
      const values = next() < 0.3 ? [] : [...(q.filters[facet] ?? []), text(next, 6) || "y"];
      const filters = { ...q.filters, [facet]: values };
      if (values.length === 0) delete filters[facet];
      expect(links(facet, values), JSON.stringify({ q, facet, values })).toBe(scopeHref("nl", scope, { ...q, filters, page: 1 }));
    }
    const links = facetLinks("en", SEARCH_SCOPE, makeQuery({ q: "triage", filters: { outcome: ["failure"], year: ["2024"] }, sort: "newest", page: 4 }));
    expect(links("outcome", ["failure", "abandoned"])).toBe("/en/search?q=triage&outcome=failure&outcome=abandoned&year=2024&sort=newest");
    expect(links("year", [])).toBe("/en/search?q=triage&outcome=failure&sort=newest");
  });
});
