// Post translations on a real PocketBase (issue 12 §4): a translation is its own post of the
// same organisation, reviewed like any post (DPO first when required), linked publicly only
// once both are published, in distinct languages, and never a bridge between an anonymous
// post and a named one. Every post is written through the domain functions.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { approvePost, claimPost, dpoReview, hidePost, saveDraft, submitPost, withdrawPost } from "../../src/lib/server/moderation.ts";
import { getPublishedPost } from "../../src/lib/server/posts.ts";
import {
  LANGUAGE_TAKEN,
  MIXED_ANONYMITY,
  publishedTranslations,
  translatableId,
  translationDraft,
  translationOriginal,
} from "../../src/lib/server/translations.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
type Cast = { editor: Actor; editor2: Actor; dpo: Actor; member: Actor; outsider: Actor; moderator: Actor; orgId: string };

async function cast(options: { dpoReview?: boolean } = {}): Promise<Cast> {
  const [editor, editor2, dpo, member, outsider, moderator] = await Promise.all([
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb, { role: "moderator" }),
  ]);
  const other = await createOrganization(pb, [{ userId: outsider.id, role: "editor" }]);
  const org = await createOrganization(
    pb,
    [
      { userId: editor.id, role: "editor" },
      { userId: editor2.id, role: "editor" },
      { userId: dpo.id, role: "dpo" },
      { userId: member.id, role: "member" },
    ],
    { requires_dpo_review: options.dpoReview ?? false },
  );
  expect(other.id).not.toBe(org.id);
  const load = async (id: string) => (await loadActor(id))!;
  return {
    editor: await load(editor.id),
    editor2: await load(editor2.id),
    dpo: await load(dpo.id),
    member: await load(member.id),
    outsider: await load(outsider.id),
    moderator: await load(moderator.id),
    orgId: org.id,
  };
}

function caseStudy(orgId: string, overrides: Record<string, unknown> = {}) {
  return {
    kind: "case_study",
    organization: orgId,
    title: `Fall detection on night shifts ${unique("t")}`,
    summary: "Ceiling sensors detected falls in two wards; night nurses stopped trusting them after a month.",
    body_md: "## Context\n\nTwo geriatric wards tried ceiling sensors for fall detection at night.\n\n## What happened\n\nToo many false alarms.",
    language: "en",
    tags: "falls, sensors",
    anonymous: false,
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["computer_vision"],
    lifecycle_stage: "stopped",
    ...overrides,
  };
}

const dutch = {
  title: `Valdetectie tijdens de nacht ${unique("t")}`,
  summary: "Plafondsensoren detecteerden vallen op twee afdelingen; de nachtverpleging vertrouwde ze na een maand niet meer.",
  body_md: "## Context\n\nTwee geriatrische afdelingen testten 's nachts plafondsensoren voor valdetectie.\n\n## Wat er gebeurde\n\nTe veel vals alarm.",
  language: "nl",
};

async function publish(c: Cast, id: string, author: Actor = c.editor): Promise<void> {
  const { status } = await submitPost(author, id);
  if (status === "dpo_review") await dpoReview(c.dpo, id, "approve");
  await claimPost(c.moderator, id);
  await approvePost(c.moderator, id);
}

async function publishedOriginal(c: Cast, overrides: Record<string, unknown> = {}): Promise<{ id: string; slug: string }> {
  const { id } = await saveDraft(c.editor, caseStudy(c.orgId, overrides));
  await publish(c, id);
  const record = await pb.collection("posts").getOne(id);
  return { id, slug: record.slug };
}

async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

beforeAll(async () => {
  pb = await useTestPocketBase();
});

describe("writing a translation", () => {
  it("starts from the published post's facts, never its words, in a language the post lacks", async () => {
    const c = await cast();
    const original = await publishedOriginal(c, { cost_eur: 12000, started_on: "2024-02-01" });
    const draft = await translationDraft(c.editor2, original.id);
    expect(draft.source).toMatchObject({ id: original.id, language: "en", organization: c.orgId, kind: "case_study" });
    expect(draft.languages).toEqual(["fr", "nl"]);
    expect(draft.values).toMatchObject({
      organization: c.orgId,
      anonymous: false,
      tags: ["falls", "sensors"],
      outcome: "failure",
      care_settings: ["hospital"],
      ai_types: ["computer_vision"],
      lifecycle_stage: "stopped",
      started_on: "2024-02-01",
      cost_eur: "12000",
    });
    expect(draft.values).not.toHaveProperty("title");
    expect(draft.values).not.toHaveProperty("body_md");
  });

  it("is refused from a draft, and to someone outside the organisation or without an editor's role", async () => {
    const c = await cast();
    const { id: draftId } = await saveDraft(c.editor, caseStudy(c.orgId));
    await expect(translationDraft(c.editor, draftId)).rejects.toBeInstanceOf(ForbiddenError);
    const original = await publishedOriginal(c);
    await expect(translationDraft(c.outsider, original.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(translationDraft(c.member, original.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(translationDraft(c.dpo, original.id)).rejects.toBeInstanceOf(ForbiddenError);
    // Saving one directly is refused the same way, and writes nothing.
    const before = (await pb.collection("posts").getList(1, 1, { filter: pb.filter("translation_of = {:id}", { id: original.id }) })).totalItems;
    await expect(saveDraft(c.outsider, caseStudy(c.orgId, { ...dutch, translation_of: original.id }))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(saveDraft(c.member, caseStudy(c.orgId, { ...dutch, translation_of: original.id }))).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("translation_of = {:id}", { id: original.id }) })).totalItems).toBe(before);
    expect(await translatableId(c.outsider, original.slug)).toBeNull();
    expect(await translatableId(c.member, original.slug)).toBeNull();
    expect(await translatableId(c.editor2, original.slug)).toBe(original.id);
  });

  it("goes through the DPO and a moderator, and is linked both ways only once both are published", async () => {
    const c = await cast({ dpoReview: true });
    const original = await publishedOriginal(c);
    const { id, slug } = await saveDraft(c.editor2, caseStudy(c.orgId, { ...dutch, translation_of: original.id }));
    expect((await pb.collection("posts").getOne(id)).translation_of).toBe(original.id);
    // The moderator's review page names the original; the original translates nothing.
    expect(await translationOriginal(id)).toMatchObject({ id: original.id, language: "en", status: "published" });
    expect(await translationOriginal(original.id)).toBeNull();
    // A draft, then a post in review, is not linked.
    expect(await publishedTranslations(original.slug)).toEqual([]);
    expect((await submitPost(c.editor2, id)).status).toBe("dpo_review");
    expect(await publishedTranslations(original.slug)).toEqual([]);
    await dpoReview(c.dpo, id, "approve");
    await claimPost(c.moderator, id);
    await approvePost(c.moderator, id);
    const published = await pb.collection("posts").getOne(id);
    expect(published.status).toBe("published");
    expect(await publishedTranslations(original.slug)).toEqual([{ slug: published.slug, language: "nl" }]);
    expect(await publishedTranslations(published.slug)).toEqual([{ slug: original.slug, language: "en" }]);
    // Published under the address its draft was given.
    expect(published.slug).toBe(slug);
    // The Dutch version is its own post, in its own language.
    expect((await getPublishedPost("en", published.slug))?.language).toBe("nl");
    // Taken offline, the link goes with it.
    await hidePost(c.moderator, id, "Checking a reader's report");
    expect(await publishedTranslations(original.slug)).toEqual([]);
  });

  it("a translation of a translation joins the same group; a covered language is refused, a withdrawn one may be written again", async () => {
    const c = await cast();
    const original = await publishedOriginal(c);
    const { id: nlId } = await saveDraft(c.editor2, caseStudy(c.orgId, { ...dutch, translation_of: original.id }));
    await publish(c, nlId, c.editor2);
    const nl = await pb.collection("posts").getOne(nlId);
    // French, written from the Dutch version: it points at the original (no chains).
    const fromDutch = await translationDraft(c.editor, nlId);
    expect(fromDutch.languages).toEqual(["fr"]);
    const { id: frId } = await saveDraft(c.editor, caseStudy(c.orgId, { language: "fr", title: "Détection des chutes la nuit", translation_of: nlId }));
    expect((await pb.collection("posts").getOne(frId)).translation_of).toBe(original.id);
    // A second Dutch version is refused, on the language field, and nothing is written.
    const taken = await refusal(saveDraft(c.editor, caseStudy(c.orgId, { ...dutch, translation_of: original.id })));
    expect(taken.field).toBe("language");
    expect(taken.message).toBe(LANGUAGE_TAKEN);
    // So is editing the French draft into Dutch.
    const edited = await refusal(saveDraft(c.editor, caseStudy(c.orgId, { ...dutch }), frId));
    expect(edited.field).toBe("language");
    expect((await pb.collection("posts").getOne(frId)).language).toBe("fr");
    // The French draft covers French; once withdrawn, French may be written again.
    expect((await translationDraft(c.editor, original.id)).languages).toEqual([]);
    expect(await translatableId(c.editor, nl.slug)).toBeNull();
    await withdrawPost(c.editor, frId);
    expect((await translationDraft(c.editor, original.id)).languages).toEqual(["fr"]);
  });

  it("never links an anonymous post with a named one of the same organisation", async () => {
    const c = await cast();
    const named = await publishedOriginal(c);
    const mixed = await refusal(saveDraft(c.editor, caseStudy(c.orgId, { ...dutch, anonymous: true, translation_of: named.id })));
    expect(mixed.field).toBe("anonymous");
    expect(mixed.message).toBe(MIXED_ANONYMITY);
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("translation_of = {:id}", { id: named.id }) })).totalItems).toBe(0);

    const anonymous = await publishedOriginal(c, { anonymous: true });
    const { id } = await saveDraft(c.editor, caseStudy(c.orgId, { ...dutch, anonymous: true, translation_of: anonymous.id }));
    // Neither the translation nor (through an edit) the original may turn named later.
    expect((await refusal(saveDraft(c.editor, caseStudy(c.orgId, { ...dutch, anonymous: false }), id))).field).toBe("anonymous");
    expect((await refusal(saveDraft(c.editor, caseStudy(c.orgId, { anonymous: false }), anonymous.id))).field).toBe("anonymous");
    await publish(c, id);
    const translation = await pb.collection("posts").getOne(id);
    // Both carry the organisation's one descriptor: the link tells nothing either post does not.
    const [a, b] = await Promise.all([getPublishedPost("en", anonymous.slug), getPublishedPost("en", translation.slug)]);
    expect(a?.organization).toBeNull();
    expect(b?.organization).toBeNull();
    expect(b?.byline).toBe(a?.byline);
    expect(await publishedTranslations(anonymous.slug)).toEqual([{ slug: translation.slug, language: "nl" }]);
  });

  it("is refused when the original is not published or does not exist", async () => {
    const c = await cast();
    const { id: draftId } = await saveDraft(c.editor, caseStudy(c.orgId));
    await expect(saveDraft(c.editor, caseStudy(c.orgId, { ...dutch, translation_of: draftId }))).rejects.toBeInstanceOf(ForbiddenError);
    const missing = await refusal(saveDraft(c.editor, caseStudy(c.orgId, { ...dutch, translation_of: "zzzzzzzzzzzzzzz" })));
    expect(missing.field).toBe("translation_of");
  });

  it("is refused for a funder's published record, whose applicant consented to it as written", async () => {
    const [funderUser, moderatorUser] = await Promise.all([createUser(pb), createUser(pb, { role: "moderator" })]);
    const funderOrg = await createOrganization(pb, [{ userId: funderUser.id, role: "editor" }], { kind: "funder", region: "brussels" });
    const [funder, moderator] = [(await loadActor(funderUser.id))!, (await loadActor(moderatorUser.id))!];
    const { slug: callSlug } = await saveCall(funder, funderOrg.id, {
      title: `Everyday AI ${unique("c")}`,
      description: "A call for AI projects in everyday care, this year's round.",
      opens_on: "2025-01-01",
      closes_on: "2025-03-31",
      status: "closed",
    });
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: callSlug }));
    const title = `Sepsis alerts award ${unique("t")}`;
    await recordDecisions(funder, call.id, [
      {
        title,
        applicantType: "outside",
        applicant: "Outside Lab",
        amountRequested: 80_000,
        amountAwarded: 60_000,
        decision: "awarded",
        decidedOn: "2025-06-30",
        language: "en",
      },
    ]);
    const record = await pb.collection("posts").getFirstListItem(pb.filter("call = {:c}", { c: call.id }));
    await claimPost(moderator, record.id);
    await approvePost(moderator, record.id);
    expect((await pb.collection("posts").getOne(record.id)).status).toBe("published");

    await expect(translationDraft(funder, record.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await translatableId(funder, record.slug)).toBeNull();
    const dutchRecord = {
      kind: "funding_application",
      organization: funderOrg.id,
      funder_name: funderOrg.name,
      decision: "awarded",
      ...dutch,
      translation_of: record.id,
    };
    await expect(saveDraft(funder, dutchRecord)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("translation_of = {:id}", { id: record.id }) })).totalItems).toBe(0);
  });
});
