// Discussions (issue 14 §1, §5): a member's question or topic is a `posts` record of kind
// `discussion` and goes through the post lifecycle (moderation.ts: saveDraft, submitPost, DPO
// sign-off, the moderation queue). This module holds what is particular to it: what it is
// "about" (published case studies or funding records, checked here), the public list with its
// filters, "Discussed in" on the posts it is about, and the author's own list. Every public read
// goes through toPublicPost, so an anonymous discussion never shows its organisation.
import type { RecordModel } from "pocketbase";
import { z } from "zod";
import type { Locale } from "../../../i18n/index.ts";
import { say } from "../../../i18n/domain.ts";
import { AI_TYPES, CARE_SETTINGS, LANGUAGES, ORG_KINDS } from "../../codelists.ts";
import { can } from "../can.ts";
import { ValidationError } from "../errors.ts";
import { TAG_PATTERN } from "../listings.ts";
import { getPocketBase } from "../pocketbase.ts";
import { projection, projectionVersion } from "../projections.ts";
import { HIDING_FIELDS, aboutLinkShown, hiddenOrganizations, toPublicPost, type PublicPost, type PublicPostPage } from "../posts.ts";
import type { InsightThread } from "../insights.ts";
import type { Actor } from "../users.ts";

const PUBLIC_EXPAND = "organization,about";
/** Discussions per page of /discussions. */
export const DISCUSSIONS_PER_PAGE = 20;
// What a discussion may be about: the two kinds of record a reader can learn from.
const ABOUT_KINDS = ["case_study", "funding_application"] as const;

/**
 * The ids of the published case studies or funding records a discussion is about, from the
 * slugs (or stored ids) its author gave. Refused, on the `about` field: one that is not a
 * published case study or funding record; a pseudonymous discussion about a named post of its
 * own organisation (the public would match the two, DESIGN.md §5 invariant 6); and a discussion
 * about a post that hides the writer's organisation, when the writer may see that post's private
 * side (its author, the organisation's editors, admins, DPO; moderators). For anyone else the
 * refusal would say which pseudonymous posts are their own organisation's (a plain member could
 * try every one): the link is stored, never shown in public (posts.ts aboutLinkShown), and its
 * reviewers are told (queues.ts reviewIdentity).
 */
export async function resolveAbout(refs: readonly string[], writer: { organization: string; anonymous: boolean }, actor: Actor | null): Promise<string[]> {
  const pb = await getPocketBase();
  const ids: string[] = [];
  for (const ref of refs) {
    const found = await pb
      .collection("posts")
      .getFirstListItem(
        pb.filter("(slug = {:ref} || id = {:ref}) && status = 'published' && (kind = {:a} || kind = {:b})", { ref, a: ABOUT_KINDS[0], b: ABOUT_KINDS[1] }),
        {
          fields: `id,kind,status,author,${HIDING_FIELDS}`,
        },
      )
      .catch(() => null);
    if (!found) throw new ValidationError("about", say("domain.discussion.about_unknown", { ref }));
    // Refused when the public could not be shown the link, unless the record hides the writer's
    // own organisation from someone who cannot know it (then the refusal would tell them).
    const hidesWriter = hiddenOrganizations(found).includes(writer.organization);
    if (!aboutLinkShown(writer, found) && (!hidesWriter || knowsWhoseItIs(actor, found))) {
      throw new ValidationError("about", say("domain.discussion.about_own_anonymous"));
    }
    if (!ids.includes(found.id)) ids.push(found.id);
  }
  return ids;
}

/**
 * Whether someone already knows whose a (pseudonymous) post is: they may see its private side
 * (its author, its organisation's editors, admins and DPO, moderators). Only they may be told
 * "this is your organisation's" — to anyone else it would be news.
 */
export function knowsWhoseItIs(actor: Actor | null, post: RecordModel): boolean {
  return can(actor, "post.view_private", {
    organization: { id: post.organization, verified: true },
    post: { kind: post.kind, authorId: post.author || null, status: post.status, revisionStatus: null },
  });
}

/** The slugs of stored `about` ids, for the edit form (unpublished ones are dropped: they could no longer be saved). */
export async function aboutSlugs(ids: readonly string[]): Promise<string[]> {
  const records = await publishedAbout(ids);
  return ids.map((id) => records.find((r) => r.id === id)?.slug).filter((s): s is string => Boolean(s));
}

/** The published posts among stored `about` ids, with what their slugs and aboutLinkShown need. */
export async function publishedAbout(ids: readonly string[]): Promise<RecordModel[]> {
  const wanted = ids.filter((id) => /^[a-z0-9]{15}$/.test(id));
  if (wanted.length === 0) return [];
  const pb = await getPocketBase();
  const params = Object.fromEntries(wanted.map((id, i) => [`i${i}`, id]));
  return pb.collection("posts").getFullList({
    filter: pb.filter(`status = 'published' && (${wanted.map((_, i) => `id = {:i${i}}`).join(" || ")})`, params),
    fields: `id,slug,kind,status,title,${HIDING_FIELDS}`,
  });
}

/** What "about" the form shows under its field: published posts by slug, with their titles. */
export async function aboutPreview(slugs: readonly string[]): Promise<{ slug: string; title: string }[]> {
  const wanted = slugs.filter((s) => /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s) && s.length <= 160).slice(0, 10);
  if (wanted.length === 0) return [];
  const pb = await getPocketBase();
  const params = Object.fromEntries(wanted.map((slug, i) => [`s${i}`, slug]));
  const records = await pb.collection("posts").getFullList({
    filter: pb.filter(`status = 'published' && kind != 'discussion' && (${wanted.map((_, i) => `slug = {:s${i}}`).join(" || ")})`, params),
    fields: "slug,title",
  });
  return wanted.flatMap((slug) => records.filter((r) => r.slug === slug).map((r) => ({ slug, title: String(r.title) })));
}

/** Published discussions about a post ("Discussed in …"), newest first; each as the public sees it (an anonymous one by its descriptor). */
export async function listDiscussionsAbout(locale: Locale, postId: string): Promise<PublicPost[]> {
  if (!/^[a-z0-9]{15}$/.test(postId)) return [];
  // Cached, one index of all of them serves every post page; uncached, one query for this post.
  if (projectionVersion() !== null) return (await discussionsByAbout(locale)).get(postId) ?? [];
  const pb = await getPocketBase();
  const records = await pb.collection("posts").getList(1, 50, {
    filter: pb.filter("kind = 'discussion' && status = 'published' && about ~ {:id}", { id: postId }),
    sort: "-published_at",
    expand: PUBLIC_EXPAND,
    // The page lists them; it never says how many there are beyond these.
    skipTotal: true,
  });
  return records.items.filter((r) => linkedInPublic(r, postId)).map((r) => toPublicPost(locale, r));
}

// A discussion is listed under what it is about only where the public may see that link (aboutLinkShown).
function linkedInPublic(discussion: RecordModel, aboutId: string): boolean {
  const about = discussion.expand?.about;
  const target = (Array.isArray(about) ? (about as RecordModel[]) : []).find((a) => a.id === aboutId);
  return !target || aboutLinkShown(discussion, target);
}

// Every published discussion that is about something, by the post it is about, newest first (at
// most 50 per post): read once per version of public content. Per post page, `about ~ id` read the
// `about` of every published discussion (stored after the posts' long text): ~0.1 s at 2,000.
function discussionsByAbout(locale: Locale): Promise<ReadonlyMap<string, PublicPost[]>> {
  return projection(`about-index:${locale}`, async () => {
    const pb = await getPocketBase();
    const records = await pb.collection("posts").getFullList({
      filter: "kind = 'discussion' && status = 'published' && about != ''",
      sort: "-published_at",
      expand: PUBLIC_EXPAND,
      batch: 500,
    });
    const byAbout = new Map<string, PublicPost[]>();
    for (const record of records) {
      const post = toPublicPost(locale, record);
      for (const id of Array.isArray(record.about) ? (record.about as string[]) : []) {
        if (!linkedInPublic(record, id)) continue;
        const list = byAbout.get(id) ?? [];
        if (list.length < 50) list.push(post);
        byAbout.set(id, list);
      }
    }
    return byAbout;
  });
}

const optionalCode = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (v === "" || v == null ? undefined : v), z.enum(values).optional());

/** The filters of /discussions, as URL parameters. */
export const discussionFiltersSchema = z.object({
  tag: z.preprocess((v) => (v === "" || v == null ? undefined : typeof v === "string" ? v.toLowerCase() : v), z.string().regex(TAG_PATTERN).optional()),
  care_setting: optionalCode(CARE_SETTINGS),
  ai_type: optionalCode(AI_TYPES),
  language: optionalCode(LANGUAGES),
  answered: optionalCode(["yes", "no"] as const),
  org_kind: optionalCode(ORG_KINDS),
  page: z.preprocess((v) => (v === "" || v == null ? undefined : v), z.coerce.number().int().min(1).max(10_000).optional()),
});
/** What /discussions filters by. */
export type DiscussionFilters = z.infer<typeof discussionFiltersSchema>;

/** Reads /discussions?…: the filters, or the first parameter that is not valid. */
export function parseDiscussionFilters(params: URLSearchParams): { ok: true; filters: DiscussionFilters } | { ok: false; param: string } {
  const known = Object.keys(discussionFiltersSchema.shape);
  const raw = Object.fromEntries([...params.entries()].filter(([k]) => known.includes(k)));
  const parsed = discussionFiltersSchema.safeParse(raw);
  if (parsed.success) return { ok: true, filters: parsed.data };
  return { ok: false, param: String(parsed.error.issues[0]?.path[0] ?? "filter") };
}

/**
 * The PocketBase filter of /discussions. The organisation kind never unmasks an anonymous
 * discussion: a named one matches on its organisation's kind; an anonymous one only when its
 * stored public descriptor names that kind ("a hospital in Flanders" — the same rule as the
 * search index's org_kind facet), so a coarsened descriptor ("a care provider…") is left out
 * rather than narrowed again by the filter.
 */
export function discussionFilter(pb: { filter: (raw: string, params?: Record<string, unknown>) => string }, filters: DiscussionFilters): string {
  const parts = ["kind = 'discussion' && status = 'published'"];
  const params: Record<string, unknown> = {};
  if (filters.tag) {
    parts.push("tags ~ {:tag}");
    params.tag = `"${filters.tag}"`;
  }
  if (filters.care_setting) {
    parts.push("care_settings ~ {:care}");
    params.care = `"${filters.care_setting}"`;
  }
  if (filters.ai_type) {
    parts.push("ai_types ~ {:ai}");
    params.ai = `"${filters.ai_type}"`;
  }
  if (filters.language) {
    parts.push("language = {:language}");
    params.language = filters.language;
  }
  if (filters.answered === "yes") parts.push("accepted_reply != ''");
  if (filters.answered === "no") parts.push("accepted_reply = ''");
  if (filters.org_kind) {
    parts.push("((anonymous = false && organization.kind = {:kind}) || (anonymous = true && (public_descriptor = {:kind} || public_descriptor ~ {:prefix})))");
    params.kind = filters.org_kind;
    // An explicit % makes PocketBase's ~ a prefix match ("hospital@r:flanders"), not a substring one.
    params.prefix = `${filters.org_kind}@%`;
  }
  return pb.filter(parts.join(" && "), params);
}

/** One page of /discussions: pinned first, then newest first. */
export function listDiscussions(locale: Locale, filters: DiscussionFilters): Promise<PublicPostPage> {
  const key = JSON.stringify(Object.entries(filters).sort(([a], [b]) => a.localeCompare(b)));
  return projection(`discussions:${locale}:${key}`, () => loadDiscussions(locale, filters));
}

async function loadDiscussions(locale: Locale, filters: DiscussionFilters): Promise<PublicPostPage> {
  const pb = await getPocketBase();
  const result = await pb.collection("posts").getList(filters.page ?? 1, DISCUSSIONS_PER_PAGE, {
    filter: discussionFilter(pb, filters),
    sort: "-pinned,-published_at,-created",
    expand: PUBLIC_EXPAND,
  });
  return { items: result.items.map((r) => toPublicPost(locale, r)), page: result.page, totalItems: result.totalItems, totalPages: result.totalPages };
}

/** The discussions a member started, every status, newest first (their dashboard). */
export async function listMyDiscussions(actor: Actor): Promise<MyDiscussion[]> {
  const pb = await getPocketBase();
  const records = await pb.collection("posts").getList(1, 100, {
    filter: pb.filter("kind = 'discussion' && author = {:me}", { me: actor.id }),
    sort: "-updated",
    fields: "id,slug,title,status,pending_revision,revision_status,accepted_reply,anonymous,organization,updated",
  });
  return records.items.map((r: RecordModel) => ({
    id: r.id,
    slug: r.slug,
    title: r.title,
    status: r.status,
    answered: Boolean(r.accepted_reply),
    anonymous: Boolean(r.anonymous),
    updated: r.updated,
  }));
}

/** A discussion on its author's dashboard. */
export type MyDiscussion = { id: string; slug: string; title: string; status: string; answered: boolean; anonymous: boolean; updated: string };

/** Every published discussion and round-table summary with its count of published replies, for the insights' "topics discussed". */
export function loadTopicThreads(): Promise<InsightThread[]> {
  return projection("insights:threads", loadTopicThreadsUncached);
}

async function loadTopicThreadsUncached(): Promise<InsightThread[]> {
  const pb = await getPocketBase();
  const [threads, replies] = await Promise.all([
    pb.collection("posts").getFullList({
      filter: "status = 'published' && (kind = 'discussion' || kind = 'round_table_summary')",
      fields: "id,kind,tags,published_at",
      batch: 1000,
    }),
    // Only the thread of each reply is read: the insights show counts, never a reply's words.
    pb.collection("replies").getFullList({ filter: "status = 'published'", fields: "post", batch: 1000 }),
  ]);
  const counts = new Map<string, number>();
  for (const reply of replies) counts.set(reply.post, (counts.get(reply.post) ?? 0) + 1);
  return threads.map((r) => ({
    id: r.id,
    kind: r.kind === "discussion" ? "discussion" : "round_table_summary",
    tags: Array.isArray(r.tags) ? r.tags.filter((x: unknown): x is string => typeof x === "string") : [],
    replies: counts.get(r.id) ?? 0,
    year: typeof r.published_at === "string" && r.published_at.length >= 4 ? Number(r.published_at.slice(0, 4)) : null,
  }));
}
