// The one contract behind which Casebook's two search engines live: the embedded MiniSearch
// engine (default, zero infrastructure) and the Meilisearch adapter (for larger deployments).
// Everything both engines must agree on lives here: document and query shapes, facet names,
// URL parsing, stop words and the filter semantics helpers, so the UI never knows which
// engine answered. tests/unit/search-contract.ts holds both engines to the same behaviour.

import { z } from "zod";
import {
  AI_TYPES,
  CARE_SETTINGS,
  CASE_FACT_LISTS,
  CASE_FACTS,
  DECISIONS,
  LANGUAGES,
  ORG_KINDS,
  OUTCOMES,
  POST_KINDS,
  REJECTION_REASONS,
  type CaseFact,
} from "../../codelists.ts";

/** Kinds of searchable document: the moderated post kinds plus funding calls. */
export const SEARCH_KINDS = [...POST_KINDS, "funding_call"] as const;

/**
 * The governance and data facts of a case study that are facets (issue 17 §3), in the canvas's
 * order: the single-valued facts of CASE_FACTS, then the multi-valued changed_roles. Each is a
 * document field of the same name; a fact not answered has no facet value.
 */
export const FACT_FACETS = [
  "human_oversight",
  "dpo_involvement",
  "dpia",
  "ethics_review",
  "data_location",
  "data_sharing",
  "data_quality",
  "coding_corrected",
  "medical_device",
  "ai_act_risk",
  "nis2",
  "changed_roles",
] as const satisfies readonly (CaseFact | keyof typeof CASE_FACT_LISTS)[];

/** Each fact facet's code list (the values a filter accepts and the search page lists). */
export const FACT_FACET_VALUES: Record<FactFacet, readonly string[]> = { ...CASE_FACTS, ...CASE_FACT_LISTS };

/** The facet names, in the order the search page displays them. */
export const FACETS = [
  "kind",
  "outcome",
  "care_settings",
  "ai_types",
  "org_kind",
  "language",
  "year",
  "funder_name",
  "call_title",
  "decision",
  "rejection_reasons",
  ...FACT_FACETS,
] as const;

/** The URL parameter that carries each facet's filter values (singular, as users type them). */
export const FACET_PARAMS = {
  kind: "kind",
  outcome: "outcome",
  care_settings: "care_setting",
  ai_types: "ai_type",
  org_kind: "org_kind",
  language: "language",
  year: "year",
  funder_name: "funder",
  call_title: "call",
  decision: "decision",
  rejection_reasons: "reason",
  human_oversight: "human_oversight",
  dpo_involvement: "dpo_involvement",
  dpia: "dpia",
  ethics_review: "ethics_review",
  data_location: "data_location",
  data_sharing: "data_sharing",
  data_quality: "data_quality",
  coding_corrected: "coding_corrected",
  medical_device: "medical_device",
  ai_act_risk: "ai_act_risk",
  nis2: "nis2",
  changed_roles: "changed_role",
} as const satisfies Record<FacetName, string>;

/** Largest page size a client may ask for. */
export const MAX_PER_PAGE = 50;
/** Page size when the URL does not say. */
export const DEFAULT_PER_PAGE = 20;
/** Longest accepted query text; longer input is a client bug or abuse, not a search. */
export const MAX_QUERY_LENGTH = 200;
/** Longest accepted funder filter value. */
export const MAX_FUNDER_LENGTH = 200;
/** Publication years accepted in filters. */
export const YEAR_RANGE = { min: 1990, max: 2100 } as const;

export { STOP_WORDS } from "./words.ts";

const multi = <T extends readonly [string, ...string[]]>(param: string, values: T) =>
  z
    .array(
      z.enum(values, {
        error: (issue) => `${JSON.stringify(issue.input)} is not a valid ${param} (expected one of: ${values.join(", ")})`,
      }),
    )
    .default([]);

// The amount range of funding applications: whole euros, either end optional.
function amountParam(name: string) {
  return z
    .string()
    .regex(/^\d{1,12}$/, { error: `${name} must be a whole amount in euros, digits only` })
    .transform(Number)
    .optional();
}

const rawQuerySchema = z.object({
  q: z
    .string()
    .max(MAX_QUERY_LENGTH, { error: `q must be at most ${MAX_QUERY_LENGTH} characters` })
    .default(""),
  sort: z.enum(["relevance", "newest"], { error: "sort must be relevance or newest" }).default("relevance"),
  page: z
    .string()
    .regex(/^[1-9]\d{0,5}$/, { error: "page must be a whole number from 1 to 999999" })
    .transform(Number)
    .default(1),
  per_page: z
    .string()
    .regex(/^\d{1,2}$/, { error: `per_page must be a whole number from 1 to ${MAX_PER_PAGE}` })
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_PER_PAGE, {
      error: `per_page must be a whole number from 1 to ${MAX_PER_PAGE}`,
    })
    .default(DEFAULT_PER_PAGE),
  kind: multi("kind", SEARCH_KINDS),
  outcome: multi("outcome", OUTCOMES),
  care_setting: multi("care_setting", CARE_SETTINGS),
  ai_type: multi("ai_type", AI_TYPES),
  org_kind: multi("org_kind", ORG_KINDS),
  language: multi("language", LANGUAGES),
  year: z
    .array(
      z.string().refine((v) => /^\d{4}$/.test(v) && Number(v) >= YEAR_RANGE.min && Number(v) <= YEAR_RANGE.max, {
        error: `year must be a year from ${YEAR_RANGE.min} to ${YEAR_RANGE.max}`,
      }),
    )
    .default([]),
  funder: z
    .array(
      z.string().max(MAX_FUNDER_LENGTH, {
        error: `funder must be at most ${MAX_FUNDER_LENGTH} characters`,
      }),
    )
    .default([]),
  call: z.array(z.string().max(MAX_FUNDER_LENGTH, { error: `call must be at most ${MAX_FUNDER_LENGTH} characters` })).default([]),
  decision: multi("decision", DECISIONS),
  reason: multi("reason", REJECTION_REASONS),
  human_oversight: multi("human_oversight", CASE_FACTS.human_oversight),
  dpo_involvement: multi("dpo_involvement", CASE_FACTS.dpo_involvement),
  dpia: multi("dpia", CASE_FACTS.dpia),
  ethics_review: multi("ethics_review", CASE_FACTS.ethics_review),
  data_location: multi("data_location", CASE_FACTS.data_location),
  data_sharing: multi("data_sharing", CASE_FACTS.data_sharing),
  data_quality: multi("data_quality", CASE_FACTS.data_quality),
  coding_corrected: multi("coding_corrected", CASE_FACTS.coding_corrected),
  medical_device: multi("medical_device", CASE_FACTS.medical_device),
  ai_act_risk: multi("ai_act_risk", CASE_FACTS.ai_act_risk),
  nis2: multi("nis2", CASE_FACTS.nis2),
  changed_role: multi("changed_role", CASE_FACT_LISTS.changed_roles),
  amount_min: amountParam("amount_min"),
  amount_max: amountParam("amount_max"),
  // The interface language the query was typed in (the search page passes its own); not a
  // filter: it only picks the vocabulary of suggestions and the query's analysis language.
  locale: z.enum(LANGUAGES, { error: `locale must be one of: ${LANGUAGES.join(", ")}` }).optional(),
});

const SINGLE_PARAMS = new Set(["q", "sort", "page", "per_page", "amount_min", "amount_max", "locale"]);
const MULTI_PARAMS = new Set<string>(Object.values(FACET_PARAMS));

// URLSearchParams → plain record: repeated params become arrays, blank values are dropped
// (a form's "any" option submits `outcome=`), unknown params (utm_*, lang…) are ignored.
function paramsToRecord(params: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [key, rawValue] of params) {
    const value = rawValue.trim();
    if (value === "") continue;
    if (SINGLE_PARAMS.has(key)) {
      // First occurrence wins, like URLSearchParams.get.
      if (!(key in record)) record[key] = value;
    } else if (MULTI_PARAMS.has(key)) {
      const list = (record[key] as string[] | undefined) ?? [];
      if (!list.includes(value)) list.push(value);
      record[key] = list;
    }
  }
  return record;
}

/** Zod schema turning URL search params into a validated {@link SearchQuery}. */
export const searchQuerySchema = z
  .instanceof(URLSearchParams)
  .transform(paramsToRecord)
  .pipe(rawQuerySchema)
  .transform((raw): SearchQuery => {
    const filters: Partial<Record<FacetName, string[]>> = {};
    for (const facet of FACETS) {
      const values = raw[FACET_PARAMS[facet]];
      // Normalise years ("2023") so both engines compare the same strings.
      if (values.length > 0) filters[facet] = facet === "year" ? values.map((v) => String(Number(v))) : [...values];
    }
    return {
      q: raw.q.replace(/\s+/g, " ").trim(),
      filters,
      ...(raw.amount_min !== undefined || raw.amount_max !== undefined ? { amount: { min: raw.amount_min ?? null, max: raw.amount_max ?? null } } : {}),
      sort: raw.sort,
      page: raw.page,
      perPage: raw.per_page,
      ...(raw.locale ? { locale: raw.locale } : {}),
    };
  })
  .refine((q) => !q.amount || q.amount.min === null || q.amount.max === null || q.amount.min <= q.amount.max, {
    error: "amount_max must not be below amount_min",
    path: ["amount_max"],
  });

/** Parses URL search params, naming the offending parameter when they are invalid. */
export function parseSearchParams(params: URLSearchParams): ParseSearchParamsResult {
  const parsed = searchQuerySchema.safeParse(params);
  if (parsed.success) return { ok: true, query: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    param: issue && issue.path.length > 0 ? String(issue.path[0]) : "query",
    message: issue?.message ?? "invalid search parameters",
  };
}

/** Serialises a query back to URL params (the inverse of {@link parseSearchParams}), omitting defaults. */
export function searchQueryToParams(query: SearchQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  for (const facet of FACETS) {
    for (const value of query.filters[facet] ?? []) params.append(FACET_PARAMS[facet], value);
  }
  if (query.amount?.min != null) params.set("amount_min", String(query.amount.min));
  if (query.amount?.max != null) params.set("amount_max", String(query.amount.max));
  if (query.sort !== "relevance") params.set("sort", query.sort);
  if (query.page !== 1) params.set("page", String(query.page));
  if (query.perPage !== DEFAULT_PER_PAGE) params.set("per_page", String(query.perPage));
  if (query.locale) params.set("locale", query.locale);
  return params;
}

/**
 * The same text as `searchQueryToParams(query).toString()`, written without building a
 * URLSearchParams: a search page links to its own search with one change ~100 times (every
 * facet value), and building each link that way was a sixth of the page's rendering (issue 15).
 */
export function searchQueryString(query: SearchQuery): string {
  const parts: string[] = [];
  if (query.q) parts.push(`q=${formEncoded(query.q)}`);
  for (const facet of FACETS) {
    const values = query.filters[facet];
    if (values) for (const value of values) parts.push(`${FACET_PARAMS[facet]}=${formEncoded(value)}`);
  }
  if (query.amount?.min != null) parts.push(`amount_min=${formEncoded(String(query.amount.min))}`);
  if (query.amount?.max != null) parts.push(`amount_max=${formEncoded(String(query.amount.max))}`);
  if (query.sort !== "relevance") parts.push(`sort=${formEncoded(query.sort)}`);
  if (query.page !== 1) parts.push(`page=${query.page}`);
  if (query.perPage !== DEFAULT_PER_PAGE) parts.push(`per_page=${query.perPage}`);
  if (query.locale) parts.push(`locale=${query.locale}`);
  return parts.join("&");
}

// Facet values repeat on every page (code lists, years, funders): encoded once each. Long texts
// (queries, most of them seen once) are not kept, so the map stays small whatever visitors type.
const ENCODED_LIMIT = 4096;
const ENCODED_LONGEST = 64;
const encoded = new Map<string, string>();

/** A name or value as URLSearchParams writes it (application/x-www-form-urlencoded: only letters, digits and *-._ as they are, a space as +). */
export function formEncoded(text: string): string {
  let found = encoded.get(text);
  if (found === undefined) {
    try {
      // encodeURIComponent also leaves !'()~ alone.
      found = encodeURIComponent(text).replace(/[!'()~]|%20/g, (c) => (c === "%20" ? "+" : `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
    } catch {
      // A lone surrogate (encodeURIComponent refuses it; URLSearchParams writes U+FFFD).
      found = new URLSearchParams([["", text]]).toString().slice(1);
    }
    if (text.length > ENCODED_LONGEST) return found;
    if (encoded.size >= ENCODED_LIMIT) encoded.clear();
    encoded.set(text, found);
  }
  return found;
}

/** A query with defaults filled in, for callers (and tests) that build queries in code. */
export function makeQuery(partial: Partial<SearchQuery> = {}): SearchQuery {
  return {
    q: partial.q ?? "",
    filters: partial.filters ?? {},
    ...(partial.amount ? { amount: partial.amount } : {}),
    sort: partial.sort ?? "relevance",
    page: partial.page ?? 1,
    perPage: partial.perPage ?? DEFAULT_PER_PAGE,
    ...(partial.locale ? { locale: partial.locale } : {}),
  };
}

/** The filter-relevant values of a document for one facet (empty when it has none). */
export function facetValues(doc: SearchDocument, facet: FacetName): string[] {
  switch (facet) {
    case "kind":
      return [doc.kind];
    case "language":
      return [doc.language];
    case "year":
      return [String(doc.year)];
    case "care_settings":
      return doc.care_settings;
    case "ai_types":
      return doc.ai_types;
    case "rejection_reasons":
      return doc.rejection_reasons;
    // A document indexed before the facts existed (an old Meilisearch document) has none.
    case "changed_roles":
      return doc.changed_roles ?? [];
    case "outcome":
    case "org_kind":
    case "funder_name":
    case "call_title":
    case "decision":
    case "human_oversight":
    case "dpo_involvement":
    case "dpia":
    case "ethics_review":
    case "data_location":
    case "data_sharing":
    case "data_quality":
    case "coding_corrected":
    case "medical_device":
    case "ai_act_risk":
    case "nis2": {
      const value = doc[facet];
      return value === null || value === undefined ? [] : [value];
    }
  }
}

// Meilisearch trims and lowercases string facet values; doing the same keeps the free-text
// funder filter identical in both engines.
/** How facet values compare in filters: trimmed and lowercased. */
export function facetKey(value: string): string {
  return value.trim().toLowerCase();
}

/** Facet value lists sorted the way both engines return them: count desc, then value. */
export function sortFacetCounts(counts: { value: string; count: number }[]): { value: string; count: number }[] {
  return counts.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** An empty facet record (every facet present, no values). */
export function emptyFacets(): Record<FacetName, { value: string; count: number }[]> {
  return Object.fromEntries(FACETS.map((f) => [f, []])) as unknown as Record<FacetName, { value: string; count: number }[]>;
}

export { HIT_FIELDS, escapeHtml, toHit } from "./snippets.ts";

// Meilisearch's rule for document ids; enforced by both engines so a document accepted by
// the embedded engine in development is never refused by Meilisearch in production.
const DOCUMENT_ID = /^[A-Za-z0-9_-]{1,511}$/;

/** Throws unless every document has an id both engines accept. */
export function assertValidDocuments(docs: readonly SearchDocument[]): void {
  for (const doc of docs) {
    if (typeof doc?.id !== "string" || !DOCUMENT_ID.test(doc.id)) {
      throw new Error(`invalid search document id ${JSON.stringify(doc?.id)}: use 1-511 of A-Z a-z 0-9 - _`);
    }
  }
}

/** A search engine holding published posts; both implementations satisfy the same contract. */
export interface SearchEngine {
  readonly name: "embedded" | "meilisearch";
  /** Creates the index if needed and applies its settings; idempotent. */
  ensureIndex(): Promise<void>;
  /** Adds or replaces documents by id. */
  upsert(docs: SearchDocument[]): Promise<void>;
  /** Removes documents by id; unknown ids are ignored. */
  remove(ids: string[]): Promise<void>;
  search(query: SearchQuery): Promise<SearchResult>;
  health(): Promise<SearchHealth>;
  /** Replaces the whole index; searches see either the old or the new set, never a mix. */
  reindex(docs: AsyncIterable<SearchDocument[]> | SearchDocument[][]): Promise<{ count: number }>;
  count(): Promise<number>;
}

/** One published item as both engines index it (built from PocketBase records elsewhere). */
export type SearchDocument = {
  id: string;
  kind: SearchKind;
  slug: string;
  url: string;
  title: string;
  summary: string;
  /** Plain text, markup already stripped. */
  body: string;
  lessons: string;
  tags: string[];
  language: Language;
  outcome: string | null;
  care_settings: string[];
  ai_types: string[];
  lifecycle_stage: string | null;
  org_kind: string | null;
  /** Null for anonymous posts: the name must never reach the index. */
  organization_name: string | null;
  organization_slug: string | null;
  public_descriptor: string | null;
  /** An anonymous post's descriptor code (anonymity.ts), so a page renders it in its own language; public_descriptor is its English rendering. */
  descriptor_code: string | null;
  funder_name: string | null;
  call_title: string | null;
  decision: string | null;
  rejection_reasons: string[];
  amount_requested: number | null;
  /** A funding decision's date (YYYY-MM-DD), null for everything else: decision cards show it instead of the publication date. */
  decided_on: string | null;
  year: number;
  /** ISO timestamp. */
  published_at: string;
  /** Milliseconds since the epoch, for sorting. */
  published_ts: number;
} & {
  /** A case study's governance and data fact (a code of its list, "unknown" included); null when not answered and for other kinds. */
  [F in CaseFact]: string | null;
} & {
  /** The roles whose work changed (a case study's only multi-valued fact); empty when not answered. */
  changed_roles: string[];
};

/** A validated search request. */
export type SearchQuery = {
  q: string;
  filters: Partial<Record<FacetName, string[]>>;
  /** Amount requested (funding applications), inclusive; documents without an amount are excluded when set. */
  amount?: { min: number | null; max: number | null };
  sort: "relevance" | "newest";
  page: number;
  perPage: number;
  /** Interface language of the page that asked (optional): see queryLanguage() in analysis.ts. */
  locale?: Language;
};

/** True when a document's requested amount is inside the query's range (or there is no range). */
export function inAmountRange(doc: Pick<SearchDocument, "amount_requested">, amount: SearchQuery["amount"]): boolean {
  if (!amount) return true;
  const value = doc.amount_requested;
  if (value === null) return false;
  return (amount.min === null || value >= amount.min) && (amount.max === null || value <= amount.max);
}

/** A facet name (also the document field it counts). */
export type FacetName = (typeof FACETS)[number];

/** A governance and data fact that is a facet. */
export type FactFacet = (typeof FACT_FACETS)[number];

/** A kind of searchable document. */
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** A content and interface language. */
export type Language = "en" | "fr" | "nl";

/** One result row, ready for rendering; `snippet` is safe HTML containing only <mark>. */
export type SearchHit = {
  id: string;
  kind: SearchKind;
  slug: string;
  url: string;
  title: string;
  summary: string;
  /** HTML: the text HTML-escaped first, then matches wrapped in <mark>. */
  snippet: string;
  language: Language;
  outcome: string | null;
  organization_name: string | null;
  public_descriptor: string | null;
  /** See SearchDocument.descriptor_code. */
  descriptor_code: string | null;
  funder_name: string | null;
  decision: string | null;
  /** A funding decision's date (YYYY-MM-DD), else null. */
  decided_on: string | null;
  published_at: string;
  year: number;
};

/** A page of results with disjunctive facet counts. */
export type SearchResult = {
  hits: SearchHit[];
  total: number;
  page: number;
  perPage: number;
  totalPages: number;
  facets: Record<FacetName, { value: string; count: number }[]>;
  /** "Did you mean" text; always null from Meilisearch. */
  suggestion: string | null;
  tookMs: number;
};

/** What health() reports. */
export type SearchHealth = { ok: boolean; detail?: string; documents?: number };

/** The outcome of {@link parseSearchParams}. */
export type ParseSearchParamsResult = { ok: true; query: SearchQuery } | { ok: false; param: string; message: string };
