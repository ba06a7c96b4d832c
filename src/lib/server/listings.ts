// Public listings: published posts by outcome, care setting, AI technique, tag or
// organisation, and the failures page. Every item goes through toPublicPost, so anonymous
// posts never show their organisation (DESIGN.md §5 invariant 1).
import { z } from "zod";
import type { Locale } from "../../i18n/index.ts";
import { AI_TYPES, CARE_SETTINGS, DECISIONS, OUTCOMES, type Outcome } from "../codelists.ts";
import { ValidationError } from "./errors.ts";
import { getPocketBase } from "./pocketbase.ts";
import { projection } from "./projections.ts";
import { toPublicPost, type PublicPostPage } from "./posts.ts";
import { say } from "../../i18n/domain.ts";

const PUBLIC_EXPAND = "organization,call,funder";
const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

/** What a tag in a listing URL may look like (also: which tags the post page links). */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9-]{0,40}$/;

// The JSON-array facets are matched as a quoted substring of the stored JSON text, so the
// value must be a known code (or a plain tag): no quotes, wildcards or partial words.
const FACET_VALUES = {
  outcome: z.enum(OUTCOMES),
  care_setting: z.enum(CARE_SETTINGS),
  ai_type: z.enum(AI_TYPES),
  tag: z.string().regex(TAG_PATTERN),
  decision: z.enum(DECISIONS),
  organization: z.string().regex(/^[a-z0-9]{15}$/),
} as const;

/** ?page=N: a positive integer; anything else means the first page. */
export const pageParamSchema = z.coerce.number().int().min(1).max(10_000).catch(1);

/** Parses a listing URL: the facet value from the path and ?page=N; null when the value is not valid. */
export function parseListingRequest(facet: ListingFacet, value: string | undefined, url: URL): { value: string; page: number } | null {
  const parsed = FACET_VALUES[facet].safeParse(value);
  if (!parsed.success) return null;
  return { value: parsed.data, page: pageParamSchema.parse(url.searchParams.get("page") ?? undefined) };
}

/** True when a tag can be listed (and so linked to). */
export function isListableTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/** Published posts with one facet value, newest first. Throws ValidationError for a value that is not valid. */
export async function listPublishedPostsBy(locale: Locale, query: ListingQuery): Promise<PublicPostPage> {
  const parsed = FACET_VALUES[query.facet]?.safeParse(query.value);
  if (!parsed?.success) throw new ValidationError(query.facet, say("domain.listing.invalid", { facet: query.facet, value: JSON.stringify(query.value) }));
  const key = JSON.stringify([query.facet, parsed.data, query.page ?? 1, query.perPage ?? null]);
  return projection(`listing:${locale}:${key}`, () => loadListing(locale, query, parsed.data));
}

async function loadListing(locale: Locale, query: ListingQuery, value: string): Promise<PublicPostPage> {
  const pb = await getPocketBase();
  const quoted = `"${value}"`;
  const filters: Record<ListingFacet, string> = {
    outcome: pb.filter("status = 'published' && outcome = {:v}", { v: value }),
    care_setting: pb.filter("status = 'published' && care_settings ~ {:v}", { v: quoted }),
    ai_type: pb.filter("status = 'published' && ai_types ~ {:v}", { v: quoted }),
    tag: pb.filter("status = 'published' && tags ~ {:v}", { v: quoted }),
    decision: pb.filter("status = 'published' && kind = 'funding_application' && decision = {:v}", { v: value }),
    // An organisation's own list never shows its anonymous posts: that would name it.
    organization: pb.filter("status = 'published' && organization = {:v} && anonymous = false", { v: value }),
  };
  return fetchPage(locale, filters[query.facet], query);
}

/** Published failures, abandoned projects and refused funding applications, newest first (the failures feed; what counts: failures.ts). */
export async function listPublishedFailures(locale: Locale, options: { page?: number; perPage?: number } = {}): Promise<PublicPostPage> {
  const pb = await getPocketBase();
  const filter = pb.filter("status = 'published' && (outcome = {:failure} || outcome = {:abandoned} || (kind = {:application} && decision = {:rejected}))", {
    failure: "failure",
    abandoned: "abandoned",
    application: "funding_application",
    rejected: "rejected",
  });
  return fetchPage(locale, filter, options);
}

/** How many published posts have each outcome. */
export async function countPublishedByOutcome(): Promise<Record<Outcome, number>> {
  const pb = await getPocketBase();
  const counts = await Promise.all(
    OUTCOMES.map(async (outcome) => {
      const result = await pb.collection("posts").getList(1, 1, { filter: pb.filter("status = 'published' && outcome = {:o}", { o: outcome }), fields: "id" });
      return [outcome, result.totalItems] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<Outcome, number>;
}

/** Everything the failures page shows: counts per outcome, refused applications and one page of the list. */
export async function getFailuresPage(locale: Locale, options: { page?: number; perPage?: number } = {}): Promise<FailuresPage> {
  const pb = await getPocketBase();
  const [counts, refused, posts] = await Promise.all([
    countPublishedByOutcome(),
    pb.collection("posts").getList(1, 1, {
      filter: pb.filter("status = 'published' && kind = {:k} && decision = {:d}", { k: "funding_application", d: "rejected" }),
      fields: "id",
    }),
    listPublishedFailures(locale, options),
  ]);
  return { counts, refusedApplications: refused.totalItems, posts };
}

async function fetchPage(locale: Locale, filter: string, options: { page?: number; perPage?: number }): Promise<PublicPostPage> {
  const page = Math.max(1, Math.trunc(options.page ?? 1));
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Math.trunc(options.perPage ?? DEFAULT_PER_PAGE)));
  const pb = await getPocketBase();
  const result = await pb.collection("posts").getList(page, perPage, { filter, sort: "-published_at,-created", expand: PUBLIC_EXPAND });
  return {
    items: result.items.map((record) => toPublicPost(locale, record)),
    page: result.page,
    totalItems: result.totalItems,
    totalPages: result.totalPages,
  };
}

/** A list a visitor can browse by. */
export type ListingFacet = keyof typeof FACET_VALUES;

/** Which list, and which page of it. */
export type ListingQuery = { facet: ListingFacet; value: string; page?: number; perPage?: number };

/** The failures page's data. */
export type FailuresPage = { counts: Record<Outcome, number>; refusedApplications: number; posts: PublicPostPage };
