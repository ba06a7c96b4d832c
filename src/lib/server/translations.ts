// Post translations (issue 12 §4): "Also in: Nederlands". A translation is its own post —
// own language, own author, own review (DPO when required, then a moderator) — whose
// `translation_of` names the post it translates. A group is that first post (the root) and
// every post pointing at it; translating a translation points at the root, so no chains.
// Anonymity: every post of a group belongs to one organisation and is either anonymous or
// named, never a mix — a link from a named post to an anonymous one would unmask it.
import type { RecordModel } from "pocketbase";
import { CASE_FACT_FIELDS, LANGUAGES, type Language } from "../codelists.ts";
import { assertCan, can } from "./can.ts";
import { say } from "../../i18n/domain.ts";
import { ValidationError } from "./errors.ts";
import { getPocketBase, isNotFound } from "./pocketbase.ts";
import { projection } from "./projections.ts";
import type { Actor } from "./users.ts";

// Posts that no longer speak for the group: their language may be written again.
const GONE = new Set(["rejected", "withdrawn"]);
const ID = /^[a-z0-9]{15}$/;

/** The message when a translation would link an anonymous post with a named one (also a catalogue key, domain.translation.anonymity). */
export const MIXED_ANONYMITY =
  "A translation is published the same way as the post it translates: both anonymous or both under the organisation's name. Linking an anonymous post to a named one would reveal who wrote it.";
/** The message when the group already has a post in the chosen language. */
export const LANGUAGE_TAKEN = "This post already exists, or is being written, in that language: choose another language.";

type Member = { id: string; slug: string; language: string; anonymous: boolean; status: string; organization: string };

/** The root of the group a post record belongs to. */
export function groupRoot(record: { id: string; translation_of?: string | null }): string {
  return record.translation_of || record.id;
}

async function loadGroup(root: string): Promise<Member[]> {
  const pb = await getPocketBase();
  const records = await pb.collection("posts").getFullList({
    filter: pb.filter("id = {:root} || translation_of = {:root}", { root }),
    fields: "id,slug,language,anonymous,status,organization",
  });
  return records.map((r) => ({
    id: r.id,
    slug: r.slug,
    language: r.language,
    anonymous: Boolean(r.anonymous),
    status: r.status,
    organization: r.organization,
  }));
}

/** The languages a group already covers (posts written, in review or published; not refused or withdrawn), leaving out `except`. */
export function coveredLanguages(group: readonly Member[], except?: string): Set<string> {
  return new Set(group.filter((m) => m.id !== except && !GONE.has(m.status)).map((m) => m.language));
}

/**
 * Refuses a post whose language or anonymity does not fit its group: `post` is the post as
 * it would be saved (its id is absent while it is being created). Pure, for the table tests.
 */
export function translationProblem(
  group: readonly Member[],
  post: { id?: string; language: string; anonymous: boolean; organization: string },
): ValidationError | null {
  const others = group.filter((m) => m.id !== post.id && !GONE.has(m.status));
  if (others.some((m) => m.organization !== post.organization))
    return new ValidationError("organization", "A translation is written for the organisation of the post it translates.");
  if (others.some((m) => m.anonymous !== post.anonymous)) return new ValidationError("anonymous", MIXED_ANONYMITY);
  if (others.some((m) => m.language === post.language)) return new ValidationError("language", LANGUAGE_TAKEN);
  return null;
}

/**
 * Checks a save of a post that has, or is, a translation, and returns the `translation_of`
 * to store. `source` is the post being translated when a translation is created.
 */
export async function checkTranslation(
  actor: Actor | null,
  input: { language: string; anonymous: boolean; organization: string },
  existing: RecordModel | null,
  sourceId: string | null,
): Promise<string> {
  let root: string;
  if (existing) {
    // A post's place in a group is set when it is created; a form cannot move it.
    root = groupRoot(existing as { id: string; translation_of?: string });
  } else if (sourceId) {
    const source = await loadSource(actor, sourceId);
    root = groupRoot(source as unknown as { id: string; translation_of?: string });
  } else return "";
  const group = await loadGroup(root);
  // A post alone in its group (no translation yet) has nothing to fit.
  if (existing && group.length <= 1) return existing.translation_of || "";
  const problem = translationProblem(group, { id: existing?.id, ...input });
  if (problem) throw problem;
  return root === existing?.id ? "" : root;
}

async function loadSource(actor: Actor | null, sourceId: string): Promise<RecordModel> {
  const pb = await getPocketBase();
  const source = ID.test(sourceId)
    ? await pb
        .collection("posts")
        .getOne(sourceId, { expand: "organization" })
        .catch((error) => {
          if (isNotFound(error)) return null;
          throw error;
        })
    : null;
  if (!source) throw new ValidationError("translation_of", say("domain.translation.source"));
  const org = source.expand?.organization;
  assertCan(actor, "post.translate", {
    organization: org ? { id: org.id, verified: Boolean(org.verified) } : undefined,
    post: { kind: source.kind, authorId: source.author || null, status: source.status, publishedBy: source.published_by || null },
  });
  return source;
}

/** What "Write a translation" starts from: the published post's facts (not its text), and the languages not yet covered. */
export async function translationDraft(
  actor: Actor | null,
  sourceId: string,
): Promise<{
  source: {
    id: string;
    slug: string;
    title: string;
    language: string;
    organization: string;
    organizationName: string;
    kind: "case_study" | "funding_application";
  };
  values: Record<string, string | string[] | boolean>;
  languages: Language[];
}> {
  const source = await loadSource(actor, sourceId);
  const group = await loadGroup(groupRoot(source as unknown as { id: string; translation_of?: string }));
  const covered = coveredLanguages(group);
  const date = (v: unknown) => (typeof v === "string" ? v.slice(0, 10) : "");
  const amount = (v: unknown) => (typeof v === "number" && v > 0 ? String(v) : "");
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  // Facts are the same in every language; the words (title, story, lessons…) are the translator's.
  const values: Record<string, string | string[] | boolean> = {
    organization: source.organization,
    anonymous: Boolean(source.anonymous),
    tags: list(source.tags),
    outcome: source.outcome ?? "",
    care_settings: list(source.care_settings),
    ai_types: list(source.ai_types),
    lifecycle_stage: source.lifecycle_stage ?? "",
    started_on: date(source.started_on),
    ended_on: date(source.ended_on),
    dpo_involved: Boolean(source.dpo_involved),
    cost_eur: amount(source.cost_eur),
    // Issue 17 §1: the controlled and numeric governance facts (free-text ones are words to translate).
    ...Object.fromEntries(CASE_FACT_FIELDS.map((f) => [f, typeof source[f] === "string" ? source[f] : ""])),
    changed_roles: list(source.changed_roles),
    training_hours: amount(source.training_hours),
    cost_yearly_eur: amount(source.cost_yearly_eur),
    savings_eur: amount(source.savings_eur),
    payback_months: amount(source.payback_months),
    funder_name: source.funder_name ?? "",
    call: source.call ?? "",
    amount_requested: amount(source.amount_requested),
    amount_awarded: amount(source.amount_awarded),
    submitted_on: date(source.submitted_on),
    decided_on: date(source.decided_on),
    decision: source.decision ?? "",
    rejection_reasons: list(source.rejection_reasons),
  };
  return {
    source: {
      id: source.id,
      slug: source.slug,
      title: source.title,
      language: source.language,
      organization: source.organization,
      organizationName: source.expand?.organization?.name ?? "",
      kind: source.kind === "funding_application" ? "funding_application" : "case_study",
    },
    values,
    languages: LANGUAGES.filter((l) => !covered.has(l)),
  };
}

/**
 * The published translations of a published post, for "Also in:". Only posts of the same
 * organisation that are anonymous exactly when this one is, checked here too whatever is
 * stored, so a link never tells more than each post tells on its own.
 */
export async function publishedTranslations(slug: string): Promise<{ slug: string; language: string }[]> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) || slug.length > 160) return [];
  const pb = await getPocketBase();
  let post: RecordModel;
  try {
    post = await pb
      .collection("posts")
      .getFirstListItem(pb.filter("slug = {:slug} && status = 'published'", { slug }), { fields: "id,translation_of,anonymous,organization,language" });
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  return translationsOfRecord(post);
}

/** publishedTranslations() of a published post's record already loaded (the post page has it): one query, not two. */
export async function translationsOfRecord(
  post: Pick<RecordModel, "id"> & { translation_of?: string; anonymous?: boolean; organization?: string; language?: string },
): Promise<{ slug: string; language: string }[]> {
  const key = JSON.stringify([post.id, post.translation_of ?? "", Boolean(post.anonymous), post.organization ?? "", post.language ?? ""]);
  return projection(`translations:${key}`, () => loadTranslationsOf(post));
}

async function loadTranslationsOf(
  post: Pick<RecordModel, "id"> & { translation_of?: string; anonymous?: boolean; organization?: string; language?: string },
): Promise<{ slug: string; language: string }[]> {
  // Most posts have no translation: one indexed query says so.
  const group = await loadGroup(groupRoot(post));
  return group
    .filter(
      (m) =>
        m.id !== post.id &&
        m.status === "published" &&
        m.organization === post.organization &&
        m.anonymous === Boolean(post.anonymous) &&
        m.language !== post.language,
    )
    .sort((a, b) => LANGUAGES.indexOf(a.language as Language) - LANGUAGES.indexOf(b.language as Language))
    .map((m) => ({ slug: m.slug, language: m.language }));
}

/** The id of a published post the actor may translate into a language it lacks, for the post page's "Write a translation"; else null. */
export async function translatableId(actor: Actor | null, slug: string): Promise<string | null> {
  // Cheap refusal first: only editors and admins of some organisation ever translate.
  if (!actor?.memberships.some((m) => m.role === "editor" || m.role === "admin")) return null;
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) || slug.length > 160) return null;
  const pb = await getPocketBase();
  const post = await pb
    .collection("posts")
    .getFirstListItem(pb.filter("slug = {:slug} && status = 'published'", { slug }), {
      expand: "organization",
      fields: "id,kind,author,status,published_by,translation_of,expand.organization.id,expand.organization.verified",
    })
    .catch(() => null);
  const org = post?.expand?.organization;
  if (!post || !org) return null;
  const subject = {
    organization: { id: org.id, verified: Boolean(org.verified) },
    post: { kind: post.kind, authorId: post.author || null, status: post.status, publishedBy: post.published_by || null },
  };
  if (!can(actor, "post.translate", subject)) return null;
  const covered = coveredLanguages(await loadGroup(groupRoot(post as unknown as { id: string; translation_of?: string })));
  return LANGUAGES.some((l) => !covered.has(l)) ? post.id : null;
}

/** Moves a translation refusal from a form's general message to the field it is about, so it shows next to that field. */
export function placeTranslationError<E extends { fields: Record<string, string>; message: string | null; english: string | null }>(errors: E): E {
  const field = errors.english === MIXED_ANONYMITY ? "anonymous" : errors.english === LANGUAGE_TAKEN ? "language" : null;
  if (!field || !errors.message) return errors;
  return { ...errors, fields: { ...errors.fields, [field]: errors.message }, message: null };
}

/** The post a translation translates, for the moderator's review page (any status: the reviewer compares); null for a post that is not a translation. */
export async function translationOriginal(postId: string): Promise<{ id: string; title: string; language: string; status: string } | null> {
  if (!ID.test(postId)) return null;
  const pb = await getPocketBase();
  const post = await pb
    .collection("posts")
    .getOne(postId, {
      fields: "translation_of,expand.translation_of.id,expand.translation_of.title,expand.translation_of.language,expand.translation_of.status",
      expand: "translation_of",
    })
    .catch(() => null);
  const source = post?.expand?.translation_of;
  return source ? { id: source.id, title: source.title, language: source.language, status: source.status } : null;
}
