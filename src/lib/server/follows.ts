// Follows (issue 13 §3): members follow tags, care settings, AI techniques, organisations,
// funders' decisions and calls, and save searches; each follow has a cadence (immediate,
// daily or weekly digest, or off = no mail). By default a member follows their organisations
// (offered once each: a removed default is not added back). Each member may also have a
// private feed of what they follow, at a secret URL whose token only a SHA-256 of is stored.
//
// Targets are stored as codes (tags, care settings, AI techniques), record ids
// (organisations, funders, calls: slugs may change) or a canonical query string (saved
// searches). Only public targets can be followed, and an organisation only through its own
// page: nothing about an anonymous post leads to following its organisation.
import { createHash, randomBytes } from "node:crypto";
import type { RecordModel } from "pocketbase";
import { codeLabel, t, type Locale } from "../../i18n/index.ts";
import { AI_TYPES, CARE_SETTINGS } from "../codelists.ts";
import { assertCan } from "./can.ts";
import { ValidationError } from "./errors.ts";
import type { FeedContent } from "./feeds.ts";
import { TAG_PATTERN } from "./listings.ts";
import { getPocketBase, isNotFound } from "./pocketbase.ts";
import { toPublicPost, type PublicPost } from "./posts.ts";
import { parseSearchParams, searchQueryToParams } from "./search/engine.ts";
import type { Actor } from "./users.ts";

/** What can be followed now (round tables come with their feature); a discussion is followed for its replies (issue 14 §2). */
export const FOLLOW_KINDS = ["tag", "care_setting", "ai_type", "organization", "funder", "call", "discussion", "saved_search"] as const;
/** How often a member hears of what they follow; `off` = no mail (the private feed still lists it). */
export const CADENCES = ["immediate", "daily", "weekly", "off"] as const;
/** The cadence of a new follow, and of the defaults. */
export const DEFAULT_CADENCE: Cadence = "daily";
/** Follows per member (a saved search costs a search per digest and feed read). */
export const MAX_FOLLOWS = 200;
/** Entries in the private feed. */
const PRIVATE_FEED_SIZE = 50;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const PUBLIC_EXPAND = "organization,call,funder,applicant_organization,counterpart";
// Saved searches keep what selects posts, not how a page of them is shown.
const SEARCH_PRESENTATION = ["page", "per_page", "sort", "locale", "_action"];

/** A follow as its owner sees it. */
export type Follow = { id: string; kind: FollowKind; target: string; cadence: Cadence; label: string; href: string | null; public: boolean };
export type FollowKind = (typeof FOLLOW_KINDS)[number];
export type Cadence = (typeof CADENCES)[number];
/** A followable thing as pages name it: a code or tag, an organisation's, funder's or call's slug, or a search query string. */
export type FollowRef = { kind: FollowKind; value: string };

type Resolved = { target: string; label: string; href: string | null };

/** Turns a page's reference into the stored target, checking that it is public; throws ValidationError otherwise. */
async function resolveRef(locale: Locale, ref: FollowRef): Promise<Resolved> {
  const gone = () => new ValidationError("target", t(locale, "follow.error.target"));
  const value = ref.value;
  switch (ref.kind) {
    case "tag":
      if (!TAG_PATTERN.test(value)) throw gone();
      return { target: value, label: value, href: `/tags/${value}` };
    case "care_setting":
      if (!(CARE_SETTINGS as readonly string[]).includes(value)) throw gone();
      return { target: value, label: codeLabel(locale, "care_setting", value), href: `/care-settings/${value}` };
    case "ai_type":
      if (!(AI_TYPES as readonly string[]).includes(value)) throw gone();
      return { target: value, label: codeLabel(locale, "ai_type", value), href: `/ai-types/${value}` };
    case "organization":
    case "funder": {
      if (!SLUG.test(value) || value.length > 120) throw gone();
      const pb = await getPocketBase();
      const org = await pb
        .collection("organizations")
        .getFirstListItem(pb.filter("slug = {:slug} && verified = true", { slug: value }), { fields: "id,slug,name,kind" })
        .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
      if (!org || (ref.kind === "funder" && org.kind !== "funder")) throw gone();
      return { target: org.id, label: org.name, href: `/organizations/${org.slug}` };
    }
    case "call": {
      if (!SLUG.test(value) || value.length > 160) throw gone();
      const pb = await getPocketBase();
      const call = await pb
        .collection("funding_calls")
        .getFirstListItem(pb.filter("slug = {:s} && status != 'draft'", { s: value }), { fields: "id,slug,title" })
        .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
      if (!call) throw gone();
      return { target: call.id, label: call.title, href: `/calls/${call.slug}` };
    }
    case "discussion": {
      // A published discussion or round-table summary, by slug: its followers hear of each new reply (replies.ts).
      if (!SLUG.test(value) || value.length > 160) throw gone();
      const pb = await getPocketBase();
      const post = await pb
        .collection("posts")
        .getFirstListItem(pb.filter("slug = {:s} && status = 'published' && (kind = 'discussion' || kind = 'round_table_summary')", { s: value }), {
          fields: "id,slug,title",
        })
        .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
      if (!post) throw gone();
      return { target: post.id, label: post.title, href: `/posts/${post.slug}` };
    }
    case "saved_search": {
      const target = canonicalSearch(value);
      if (target === null) throw new ValidationError("q", t(locale, "follow.error.search"));
      return { target, label: searchLabel(locale, target), href: `/search?${target}` };
    }
  }
}

/** A search's query string reduced to what selects posts (words and filters), in a stable order; null when it selects nothing in particular or is not valid. */
export function canonicalSearch(query: string): string | null {
  const params = new URLSearchParams(query.startsWith("?") ? query.slice(1) : query);
  for (const name of SEARCH_PRESENTATION) params.delete(name);
  const parsed = parseSearchParams(params);
  if (!parsed.ok) return null;
  const canonical = searchQueryToParams({ ...parsed.query, sort: "relevance", page: 1, perPage: parsed.query.perPage, locale: undefined });
  canonical.delete("per_page");
  canonical.sort();
  const text = canonical.toString();
  return text === "" || text.length > 600 ? null : text;
}

// Search parameters whose codelist has another name than the parameter.
const PARAM_LISTS: Readonly<Record<string, string>> = { reason: "rejection_reason", changed_role: "changed_roles" };

function searchLabel(locale: Locale, target: string): string {
  const params = new URLSearchParams(target);
  const q = params.get("q");
  // Filter values are codes; those of a codelist (outcome, decision…) read in the member's language.
  const filters = [...params.entries()].filter(([name]) => name !== "q").map(([name, value]) => codeLabel(locale, PARAM_LISTS[name] ?? name, value));
  return t(locale, "follow.search_label", { query: [q, ...filters].filter(Boolean).join(" · ") || t(locale, "follow.search_all") });
}

/** Follows a public target (or changes the cadence of an existing follow of it). */
export async function follow(actor: Actor | null, ref: FollowRef, cadence: Cadence = DEFAULT_CADENCE): Promise<{ id: string }> {
  assertCan(actor, "follow.manage", { userId: actor?.id ?? "" });
  if (!(CADENCES as readonly string[]).includes(cadence)) throw new ValidationError("cadence", t(actor.locale, "follow.error.frequency"));
  const resolved = await resolveRef(actor.locale, ref);
  const pb = await getPocketBase();
  const existing = await findFollow(actor.id, ref.kind, resolved.target);
  if (existing) {
    await pb.collection("follows").update(existing.id, { cadence });
    return { id: existing.id };
  }
  const count = await pb.collection("follows").getList(1, 1, { filter: pb.filter("user = {:u}", { u: actor.id }), fields: "id" });
  if (count.totalItems >= MAX_FOLLOWS) throw new ValidationError("target", t(actor.locale, "follow.error.limit", { max: MAX_FOLLOWS }));
  const created = await pb.collection("follows").create({ user: actor.id, kind: ref.kind, target: resolved.target, cadence });
  return { id: created.id };
}

/** Stops following a target named as pages name it (no error when it was not followed). */
export async function unfollow(actor: Actor | null, ref: FollowRef): Promise<void> {
  assertCan(actor, "follow.manage", { userId: actor?.id ?? "" });
  const resolved = await resolveRef(actor.locale, ref).catch(() => null);
  const existing = resolved ? await findFollow(actor.id, ref.kind, resolved.target) : null;
  if (existing) await (await getPocketBase()).collection("follows").delete(existing.id);
}

/** Changes the cadence of one of the actor's follows, by id. */
export async function setFollowCadence(actor: Actor | null, followId: string, cadence: Cadence): Promise<void> {
  const record = await ownFollow(actor, followId);
  if (!(CADENCES as readonly string[]).includes(cadence)) throw new ValidationError("cadence", t(actor?.locale ?? "en", "follow.error.frequency"));
  await (await getPocketBase()).collection("follows").update(record.id, { cadence });
}

/** Removes one of the actor's follows, by id. */
export async function removeFollow(actor: Actor | null, followId: string): Promise<void> {
  const record = await ownFollow(actor, followId);
  await (await getPocketBase()).collection("follows").delete(record.id);
}

// Someone else's follow is refused exactly like a missing one: its existence is not theirs to learn.
async function ownFollow(actor: Actor | null, followId: string): Promise<RecordModel> {
  assertCan(actor, "follow.manage", { userId: actor?.id ?? "" });
  const pb = await getPocketBase();
  const record = /^[a-z0-9]{15}$/.test(followId)
    ? await pb
        .collection("follows")
        .getOne(followId)
        .catch(() => null)
    : null;
  if (!record || record.user !== actor.id) throw Object.assign(new Error("Not found"), { status: 404 });
  assertCan(actor, "follow.manage", { userId: record.user });
  return record;
}

async function findFollow(userId: string, kind: FollowKind, target: string): Promise<RecordModel | null> {
  const pb = await getPocketBase();
  return pb
    .collection("follows")
    .getFirstListItem(pb.filter("user = {:u} && kind = {:k} && target = {:t}", { u: userId, k: kind, t: target }))
    .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
}

/** Whether the actor follows a target (for the follow button); null for visitors or a target that cannot be followed. */
export async function followState(actor: Actor | null, ref: FollowRef): Promise<{ following: boolean; cadence: Cadence | null } | null> {
  if (!actor) return null;
  const resolved = await resolveRef(actor.locale, ref).catch(() => null);
  if (!resolved) return null;
  const existing = await findFollow(actor.id, ref.kind, resolved.target);
  return { following: Boolean(existing), cadence: existing ? (existing.cadence as Cadence) : null };
}

/**
 * Adds the default follows not yet offered: each organisation the member is an active member
 * of, and each call the member's funding applications answered (what they wrote). Remembered
 * per member in follow_settings.defaults_seen, so removing one is final.
 * Called when the member's follows are listed or their digest or feed is built.
 */
export async function ensureDefaultFollows(actor: Actor): Promise<void> {
  const pb = await getPocketBase();
  const settings = await settingsOf(actor.id);
  const seen = new Set<string>(Array.isArray(settings?.defaults_seen) ? settings.defaults_seen : []);
  // What one wrote: the calls one's funding applications answered (their decisions and the others'
  // refusals are what an applicant wants to hear of). Discussions join when they exist.
  const written = await pb.collection("posts").getFullList({
    filter: pb.filter("author = {:u} && call != ''", { u: actor.id }),
    fields: "call",
  });
  const defaults: { key: string; kind: FollowKind; target: string }[] = [
    ...actor.memberships
      .filter((m) => m.organizationVerified)
      .map((m) => ({ key: `organization:${m.organizationId}`, kind: "organization" as const, target: m.organizationId })),
    ...[...new Set(written.map((p) => p.call as string))].map((call) => ({ key: `call:${call}`, kind: "call" as const, target: call })),
  ];
  const fresh = defaults.filter((d) => !seen.has(d.key));
  if (fresh.length === 0) return;
  const batch = pb.createBatch();
  for (const d of fresh) {
    if (!(await findFollow(actor.id, d.kind, d.target))) {
      batch.collection("follows").create({ user: actor.id, kind: d.kind, target: d.target, cadence: DEFAULT_CADENCE });
    }
    seen.add(d.key);
  }
  if (settings) batch.collection("follow_settings").update(settings.id, { defaults_seen: [...seen] });
  else batch.collection("follow_settings").create({ user: actor.id, defaults_seen: [...seen] });
  await batch.send();
}

async function settingsOf(userId: string): Promise<RecordModel | null> {
  const pb = await getPocketBase();
  return pb
    .collection("follow_settings")
    .getFirstListItem(pb.filter("user = {:u}", { u: userId }))
    .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
}

/** The actor's follows with readable labels and links, defaults added first. */
export async function listFollows(actor: Actor | null): Promise<Follow[]> {
  assertCan(actor, "follow.manage", { userId: actor?.id ?? "" });
  await ensureDefaultFollows(actor);
  const pb = await getPocketBase();
  const records = await pb.collection("follows").getFullList({ filter: pb.filter("user = {:u}", { u: actor.id }), sort: "kind,created" });
  const ids = (kind: string) => records.filter((r) => r.kind === kind).map((r) => r.target as string);
  const orgIds = [...ids("organization"), ...ids("funder")];
  const [orgs, calls, threads] = await Promise.all([
    recordsById("organizations", orgIds, "id,slug,name,verified"),
    recordsById("funding_calls", ids("call"), "id,slug,title,status"),
    recordsById("posts", ids("discussion"), "id,slug,title,status"),
  ]);
  return records.map((r) => {
    const kind = r.kind as FollowKind;
    const target = r.target as string;
    const base = { id: r.id, kind, target, cadence: r.cadence as Cadence };
    if (kind === "organization" || kind === "funder") {
      const org = orgs.get(target);
      const visible = Boolean(org?.verified);
      return { ...base, label: visible ? org!.name : t(actor.locale, "follows.gone"), href: visible ? `/organizations/${org!.slug}` : null, public: visible };
    }
    if (kind === "call") {
      const call = calls.get(target);
      const visible = Boolean(call && call.status !== "draft");
      return { ...base, label: visible ? call!.title : t(actor.locale, "follows.gone"), href: visible ? `/calls/${call!.slug}` : null, public: visible };
    }
    if (kind === "discussion") {
      const post = threads.get(target);
      const visible = post?.status === "published";
      return { ...base, label: visible ? post!.title : t(actor.locale, "follows.gone"), href: visible ? `/posts/${post!.slug}` : null, public: visible };
    }
    if (kind === "saved_search") return { ...base, label: searchLabel(actor.locale, target), href: `/search?${target}`, public: true };
    const path = { tag: "tags", care_setting: "care-settings", ai_type: "ai-types" }[kind];
    return { ...base, label: kind === "tag" ? target : codeLabel(actor.locale, kind, target), href: `/${path}/${target}`, public: true };
  });
}

async function recordsById(collection: string, ids: string[], fields: string): Promise<Map<string, RecordModel>> {
  if (ids.length === 0) return new Map();
  const pb = await getPocketBase();
  const filter = ids.map((_, i) => `id = {:id${i}}`).join(" || ");
  const params = Object.fromEntries(ids.map((id, i) => [`id${i}`, id]));
  const records = await pb.collection(collection).getFullList({ filter: pb.filter(filter, params), fields });
  return new Map(records.map((r) => [r.id, r]));
}

/** Makes a new private feed token for the actor (the old one stops working) and returns it: shown once, only its hash is kept. */
export async function regenerateFeedToken(actor: Actor | null): Promise<string> {
  assertCan(actor, "follow.manage", { userId: actor?.id ?? "" });
  const token = randomBytes(32).toString("base64url");
  const pb = await getPocketBase();
  const settings = await settingsOf(actor.id);
  const fields = { feed_token_hash: hashToken(token), feed_token_created: new Date().toISOString() };
  if (settings) await pb.collection("follow_settings").update(settings.id, fields);
  else await pb.collection("follow_settings").create({ user: actor.id, defaults_seen: [], ...fields });
  return token;
}

/** When the actor's private feed token was made, or null when there is none. */
export async function feedTokenCreated(actor: Actor | null): Promise<string | null> {
  assertCan(actor, "follow.manage", { userId: actor?.id ?? "" });
  const settings = await settingsOf(actor.id);
  return settings?.feed_token_hash ? (settings.feed_token_created as string) || null : null;
}

/** What a private feed token may look like (anything else is not looked up). */
export const FEED_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * The private feed behind a token: newest published posts in what its member follows, as
 * public projections (an organisation's entries are its named posts only), in the member's
 * language unless the URL names one. Null for an unknown or replaced token.
 */
export async function loadPrivateFeed(token: string, urlLocale: Locale | null, selfPath: (locale: Locale) => string): Promise<FeedContent | null> {
  if (!FEED_TOKEN_PATTERN.test(token)) return null;
  const pb = await getPocketBase();
  // The hash is looked up by equality; a token's hash is unguessable, so timing reveals nothing useful.
  const settings = await pb
    .collection("follow_settings")
    .getFirstListItem(pb.filter("feed_token_hash = {:h}", { h: hashToken(token) }), { expand: "user" })
    .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
  if (!settings?.feed_token_hash) return null;
  const member = settings.expand?.user as RecordModel | undefined;
  const locale: Locale = urlLocale ?? (member?.locale === "fr" || member?.locale === "nl" ? member.locale : "en");
  const follows = await pb.collection("follows").getFullList({ filter: pb.filter("user = {:u}", { u: settings.user }), fields: "kind,target" });
  const posts = await postsFollowed(
    locale,
    follows.map((f) => ({ kind: f.kind as FollowKind, target: f.target as string })),
  );
  return { locale, title: t(locale, "follows.feed.feed_title"), pagePath: "/account/follows", selfPath: selfPath(locale), posts };
}

/**
 * The newest published posts matching any of the given follows, as public projections; with
 * `since` (ISO date-time), only those published after it (what a digest lists as new).
 */
export async function postsFollowed(
  locale: Locale,
  follows: { kind: FollowKind; target: string }[],
  limit = PRIVATE_FEED_SIZE,
  since?: string,
): Promise<PublicPost[]> {
  const pb = await getPocketBase();
  const clauses: string[] = [];
  const params: Record<string, string> = {};
  const slugs = new Set<string>();
  for (const [i, f] of follows.entries()) {
    const p = `v${i}`;
    switch (f.kind) {
      case "tag":
        params[p] = `"${f.target}"`;
        clauses.push(`tags ~ {:${p}}`);
        break;
      case "care_setting":
        params[p] = `"${f.target}"`;
        clauses.push(`care_settings ~ {:${p}}`);
        break;
      case "ai_type":
        params[p] = `"${f.target}"`;
        clauses.push(`ai_types ~ {:${p}}`);
        break;
      case "organization":
        // Never its anonymous posts: the feed would tie them to the organisation.
        params[p] = f.target;
        clauses.push(`(organization = {:${p}} && anonymous = false)`);
        break;
      case "funder":
        params[p] = f.target;
        clauses.push(`funder = {:${p}}`);
        break;
      case "call":
        params[p] = f.target;
        clauses.push(`call = {:${p}}`);
        break;
      case "discussion":
        // The followed thread itself (its replies are told of one by one, replies.ts).
        params[p] = f.target;
        clauses.push(`id = {:${p}}`);
        break;
      case "saved_search":
        for (const slug of await savedSearchSlugs(f.target, limit)) slugs.add(slug);
        break;
    }
  }
  [...slugs].forEach((slug, i) => {
    params[`s${i}`] = slug;
    clauses.push(`slug = {:s${i}}`);
  });
  if (clauses.length === 0) return [];
  const after = since ? " && published_at > {:since}" : "";
  if (since) params.since = since.replace("T", " ");
  const result = await pb.collection("posts").getList(1, limit, {
    filter: pb.filter(`status = 'published'${after} && (${clauses.join(" || ")})`, params),
    sort: "-published_at,-created",
    expand: PUBLIC_EXPAND,
  });
  return result.items.map((record) => toPublicPost(locale, record));
}

// A saved search's newest hits, by slug (the search index holds published posts only); none when search is down.
async function savedSearchSlugs(target: string, limit: number): Promise<string[]> {
  const parsed = parseSearchParams(new URLSearchParams(target));
  if (!parsed.ok) return [];
  try {
    const { searchPosts } = await import("./search/index.ts");
    const result = await searchPosts({ ...parsed.query, sort: "newest", page: 1, perPage: Math.min(limit, 50) });
    return result.hits.filter((hit) => hit.kind !== undefined && SLUG.test(hit.slug)).map((hit) => hit.slug);
  } catch (error) {
    console.error(`[follows] saved search skipped in a private feed: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}

/**
 * Who follows a just-published post, per cadence: members following one of its tags, care
 * settings or AI techniques, its organisation (only when the post is not anonymous: an anonymous
 * post must not reach its organisation's followers, who would learn who wrote it), its funder or
 * its call. For the notification and digest senders; saved searches are matched by the digest,
 * which runs them (a search per post would be too costly here).
 */
export async function followersOfPost(post: RecordModel): Promise<Map<string, Cadence>> {
  if (post.status !== "published") return new Map();
  const pb = await getPocketBase();
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);
  const targets: [FollowKind, string][] = [
    ...list(post.tags).map((v): [FollowKind, string] => ["tag", v]),
    ...list(post.care_settings).map((v): [FollowKind, string] => ["care_setting", v]),
    ...list(post.ai_types).map((v): [FollowKind, string] => ["ai_type", v]),
    ...(post.organization && !post.anonymous ? [["organization", post.organization] as [FollowKind, string]] : []),
    ...(post.funder ? [["funder", post.funder] as [FollowKind, string]] : []),
    ...(post.call ? [["call", post.call] as [FollowKind, string]] : []),
  ];
  if (targets.length === 0) return new Map();
  const filter = targets.map((_, i) => `(kind = {:k${i}} && target = {:t${i}})`).join(" || ");
  const params = Object.fromEntries(
    targets.flatMap(([kind, target], i) => [
      [`k${i}`, kind],
      [`t${i}`, target],
    ]),
  );
  const rows = await pb.collection("follows").getFullList({ filter: pb.filter(`cadence != 'off' && (${filter})`, params), fields: "user,cadence" });
  // One cadence per member: the most frequent of their matching follows.
  const order: Cadence[] = ["immediate", "daily", "weekly", "off"];
  const result = new Map<string, Cadence>();
  for (const row of rows) {
    const current = result.get(row.user);
    if (!current || order.indexOf(row.cadence) < order.indexOf(current)) result.set(row.user, row.cadence as Cadence);
  }
  return result;
}
