// Issue 14 §1, §5: a discussion's opening post through its moderation path, driven through the
// real domain functions against a real PocketBase — a plain member (not an editor) starts it,
// the organisation's DPO signs off, a moderator approves; the approval writes the post, its
// moderation event and its search outbox row together. An anonymous discussion never shows its
// organisation on a public surface: its page, /discussions, search, feeds, "Discussed in".
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { descriptorNamesKind, renderDescriptor } from "../../src/lib/server/anonymity.ts";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { listDiscussions, listDiscussionsAbout, listMyDiscussions } from "../../src/lib/server/discussions/discussions.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { loadFeed, renderFeed } from "../../src/lib/server/feeds.ts";
import { answerConsent, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { approvePost, claimPost, dpoReview, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadPublishedPost } from "../../src/lib/server/posts.ts";
import { getPreviewPost, getPrivatePost, getReviewPost } from "../../src/lib/server/queues.ts";
import { loadSearchDocument } from "../../src/lib/server/search/documents.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput, drainAll, moderationEvents, outboxRows, publishThroughModeration, search, useTestSearch, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let engine: ReturnType<typeof useTestSearch>;
let member: Actor;
let dpo: Actor;
let editor: Actor;
let moderator: Actor;
let askingOrg: { id: string; slug: string; name: string };
let caseOrg: { id: string; slug: string; name: string };
let caseStudy: { id: string; slug: string };

function discussionInput(orgId: string, marker: string, overrides: Record<string, unknown> = {}) {
  return {
    kind: "discussion",
    organization: orgId,
    title: `Comment associez-vous votre DPO ${marker} ?`,
    body_md: `Nous lançons un pilote d'IA. **Quand** faites-vous intervenir le DPO ? ${marker}`,
    language: "fr",
    tags: "dpo, gouvernance",
    anonymous: false,
    care_settings: ["hospital"],
    ai_types: ["llm"],
    about: "",
    ...overrides,
  };
}

// A new plain member (neither editor nor DPO) of the organisation.
async function plainMemberOf(organizationId: string): Promise<Actor> {
  const user = await createUser(pb);
  await pb.collection("memberships").create({ user: user.id, organization: organizationId, role: "member", status: "active" });
  return (await loadActor(user.id))!;
}

async function publishDiscussion(input: Record<string, unknown>): Promise<string> {
  const { id } = await saveDraft(member, input);
  await submitPost(member, id);
  await dpoReview(dpo, id, "approve");
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  return id;
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  engine = useTestSearch();
  const [m, d, e, mod] = await Promise.all([createUser(pb), createUser(pb), createUser(pb), createUser(pb, { role: "moderator" })]);
  askingOrg = await createOrganization(
    pb,
    [
      { userId: m.id, role: "member" },
      { userId: d.id, role: "dpo" },
    ],
    { requires_dpo_review: true },
  );
  caseOrg = await createOrganization(pb, [{ userId: e.id, role: "editor" }]);
  const actors = (await Promise.all([m, d, e, mod].map((u) => loadActor(u.id)))) as Actor[];
  [member, dpo, editor, moderator] = [actors[0]!, actors[1]!, actors[2]!, actors[3]!];
  const id = await publishThroughModeration(editor, moderator, caseStudyInput(caseOrg.id, word()));
  caseStudy = { id, slug: (await pb.collection("posts").getOne(id)).slug };
  await drainAll();
});

afterAll(() => engine?.dispose());

describe("a discussion's lifecycle", () => {
  it("a plain member's question goes draft → DPO → moderator → published, and the approval writes post, event and outbox row", async () => {
    const marker = word();
    const { id } = await saveDraft(member, discussionInput(askingOrg.id, marker, { about: `http://127.0.0.1:4321/fr/posts/${caseStudy.slug}` }));
    expect((await pb.collection("posts").getOne(id)).status).toBe("draft");
    expect(await submitPost(member, id)).toEqual({ status: "dpo_review" });
    await dpoReview(dpo, id, "approve");
    await claimPost(moderator, id);
    // Nothing public before approval: no outbox row, no search hit.
    expect(await outboxRows(pb, id)).toHaveLength(0);
    await approvePost(moderator, id);

    const post = await pb.collection("posts").getOne(id);
    expect(post).toMatchObject({ kind: "discussion", status: "published", author: member.id, about: [caseStudy.id], outcome: "", decision: "" });
    expect(post.body_html).toContain("<strong>Quand</strong>");
    const events = await moderationEvents(pb, id);
    expect(events.map((e) => [e.action, e.from_status, e.to_status])).toEqual([
      ["create", "", "draft"],
      ["submit", "draft", "dpo_review"],
      ["dpo_approve", "dpo_review", "submitted"],
      ["claim", "submitted", "in_review"],
      ["approve", "in_review", "published"],
    ]);
    const outbox = await outboxRows(pb, id);
    expect(outbox.map((r) => r.op)).toEqual(["upsert"]);
    // One batch: the outbox row and the approval event were written in the same transaction (same second at most).
    expect(Math.abs(Date.parse(outbox[0]!.created) - Date.parse(events[4]!.created))).toBeLessThan(1000);

    await drainAll();
    const hit = (await search(marker)).hits.find((h) => h.id === id);
    expect(hit).toMatchObject({ kind: "discussion", language: "fr", organization_name: askingOrg.name, outcome: null, decision: null });
    // Its facets: found through the kind, care setting and AI type filters, and counted under kind `discussion`.
    const faceted = await search(marker, { filters: { kind: ["discussion"], care_settings: ["hospital"], ai_types: ["llm"], org_kind: ["hospital"] } });
    expect(faceted.hits.map((h) => h.id)).toEqual([id]);
    expect(faceted.facets.kind.find((c) => c.value === "discussion")?.count).toBe(1);
    expect((await search(marker, { filters: { kind: ["case_study"] } })).hits).toHaveLength(0);
    const doc = await loadSearchDocument(id);
    expect(doc).toMatchObject({ kind: "discussion", outcome: null, decision: null, amount_requested: null, decided_on: null, lifecycle_stage: null });
    expect(doc?.summary).toContain("Quand faites-vous intervenir le DPO");

    const page = await loadPublishedPost("fr", post.slug);
    expect(page?.post.discussion).toEqual({
      about: [{ slug: caseStudy.slug, title: expect.any(String), kind: "case_study" }],
      answered: false,
      pinned: false,
      locked: false,
    });
    expect((await listDiscussionsAbout("fr", caseStudy.id)).map((d) => d.slug)).toContain(post.slug);
    const listed = await listDiscussions("fr", { language: "fr", tag: "dpo", answered: "no", org_kind: "hospital" });
    expect(listed.items.map((d) => d.slug)).toContain(post.slug);
    expect((await listDiscussions("fr", { language: "nl" })).items.map((d) => d.slug)).not.toContain(post.slug);
    expect((await listDiscussions("fr", { answered: "yes" })).items.map((d) => d.slug)).not.toContain(post.slug);
    expect((await listMyDiscussions(member)).find((d) => d.id === id)).toMatchObject({ status: "published", answered: false });
  });

  it("the search document takes the replies' seam text (buildSearchDocument extraText) without a case study's fields", async () => {
    const { buildSearchDocument } = await import("../../src/lib/server/search/documents.ts");
    const id = await publishDiscussion(discussionInput(askingOrg.id, word()));
    const record = await pb.collection("posts").getOne(id, { expand: "organization" });
    const reply = word();
    expect(buildSearchDocument(record, `A reply that says ${reply}`)?.body).toContain(reply);
    expect(buildSearchDocument(record)?.body).not.toContain(reply);
  });

  it("a plain member cannot write a case study, and an editor of the organisation cannot edit or submit a member's discussion", async () => {
    await expect(saveDraft(member, caseStudyInput(askingOrg.id, word()))).rejects.toBeInstanceOf(ForbiddenError);
    const editorHere = (await loadActor((await createUser(pb)).id))!;
    await pb.collection("memberships").create({ user: editorHere.id, organization: askingOrg.id, role: "editor", status: "active" });
    const asEditor = (await loadActor(editorHere.id))!;
    const { id } = await saveDraft(member, discussionInput(askingOrg.id, word()));
    await expect(saveDraft(asEditor, discussionInput(askingOrg.id, word(), { title: "Taken over by the editor" }), id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(submitPost(asEditor, id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getOne(id)).status).toBe("draft");
  });

  it("a question too short cannot be submitted, and the draft keeps what was typed", async () => {
    const { id } = await saveDraft(member, discussionInput(askingOrg.id, word(), { body_md: "Why?" }));
    const refused = await submitPost(member, id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).field).toBe("body_md");
    expect(await pb.collection("posts").getOne(id)).toMatchObject({ status: "draft", body_md: "Why?" });
  });

  it.each([
    ["an unknown address", () => "no-such-post-anywhere", "is not a published case study"],
    [
      "a draft",
      async () => (await pb.collection("posts").getOne((await saveDraft(editor, caseStudyInput(caseOrg.id, word()))).id)).slug,
      "is not a published case study",
    ],
    [
      "another discussion",
      async () => (await pb.collection("posts").getOne(await publishDiscussion(discussionInput(askingOrg.id, word())))).slug,
      "is not a published case study",
    ],
  ])("'about' refuses %s and nothing is saved", async (_name, ref, message) => {
    const marker = word();
    const refused = await saveDraft(member, discussionInput(askingOrg.id, marker, { about: await ref() })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).field).toBe("about");
    expect((refused as Error).message).toContain(message);
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("body_md ~ {:m}", { m: marker }) })).totalItems).toBe(0);
  });

  it("a question keeps no translation link and no plan's facts, and a case study no 'about', whatever the form sent", async () => {
    const first = await publishDiscussion(discussionInput(askingOrg.id, word()));
    // A discussion is never a translation (issue 12 §4 is for stories) nor carries a governance fact of a plan.
    const sent = { language: "nl", translation_of: first, ai_act_risk: "high", funder_name: "Fonds Zorginnovatie", amount_requested: "5000" };
    const { id } = await saveDraft(member, discussionInput(askingOrg.id, word(), sent));
    expect(await pb.collection("posts").getOne(id)).toMatchObject({ translation_of: "", ai_act_risk: "", funder_name: "", amount_requested: 0 });
    // Only a discussion links to what it is about; a case study sent with that field links to nothing.
    const story = await saveDraft(editor, caseStudyInput(caseOrg.id, word(), undefined, { about: caseStudy.slug }));
    expect((await pb.collection("posts").getOne(story.id)).about).toEqual([]);
  });

  it("a pseudonymous discussion cannot be about its own organisation's named post, nor a named one about its pseudonymous post when the writer knows it is theirs", async () => {
    const own = await publishThroughModeration(editor, moderator, caseStudyInput(caseOrg.id, word()));
    const ownSlug = (await pb.collection("posts").getOne(own)).slug;
    const asker = await plainMemberOf(caseOrg.id);
    // Anyone can see whose a named post is: the refusal tells nothing.
    const anonymousAbout = await saveDraft(asker, discussionInput(caseOrg.id, word(), { about: ownSlug, anonymous: true })).catch((e: unknown) => e);
    expect((anonymousAbout as ValidationError).field).toBe("about");
    // Its editor wrote (or may read) the pseudonymous case study: the refusal tells them nothing either.
    const hidden = await publishThroughModeration(editor, moderator, caseStudyInput(caseOrg.id, word(), undefined, { anonymous: true }));
    const hiddenSlug = (await pb.collection("posts").getOne(hidden)).slug;
    const namedAbout = await saveDraft(editor, discussionInput(caseOrg.id, word(), { about: hiddenSlug })).catch((e: unknown) => e);
    expect((namedAbout as ValidationError).field).toBe("about");
    expect((namedAbout as Error).message).toContain("together they would tell who wrote them");
    // Another organisation may discuss the pseudonymous case study: nothing links the two.
    const { id } = await saveDraft(member, discussionInput(askingOrg.id, word(), { about: hiddenSlug }));
    expect((await pb.collection("posts").getOne(id)).about).toEqual([hidden]);
  });

  it("a plain member learns nothing of whose a pseudonymous post is: the draft saves as for anyone's, and the public never sees the link", async () => {
    // DESIGN.md §5 invariant 6 without an oracle: refusing the plain member (who cannot see the
    // organisation's posts) would tell them which pseudonymous post is their organisation's.
    const hidden = await publishThroughModeration(editor, moderator, caseStudyInput(caseOrg.id, word(), undefined, { anonymous: true }));
    const hiddenSlug = (await pb.collection("posts").getOne(hidden)).slug;
    const asker = await plainMemberOf(caseOrg.id);
    const saved = await saveDraft(asker, discussionInput(caseOrg.id, word(), { about: hiddenSlug }));
    expect((await pb.collection("posts").getOne(saved.id)).about).toEqual([hidden]);
    // The author's preview shows the link they made, like any other; the author's view says nothing of it.
    expect((await getPreviewPost(asker, "en", saved.id))?.discussion?.about.map((a) => a.slug)).toEqual([hiddenSlug]);
    expect((await getPrivatePost(asker, saved.id))?.identity.unlinked).toEqual([]);
    await submitPost(asker, saved.id);
    // Its reviewer is told the link will not be public.
    const title = (await pb.collection("posts").getOne(hidden)).title;
    expect((await getPrivatePost(moderator, saved.id))?.identity.unlinked).toEqual([{ id: hidden, title }]);
    expect((await getReviewPost(moderator, "en", saved.id))?.discussion?.about).toEqual([]);
    await claimPost(moderator, saved.id);
    await approvePost(moderator, saved.id);
    await drainAll();
    const slug = (await pb.collection("posts").getOne(saved.id)).slug;
    const page = await loadPublishedPost("en", slug);
    expect(page?.post.discussion?.about).toEqual([]);
    expect(JSON.stringify(page?.post)).not.toContain(hiddenSlug);
    expect((await listDiscussionsAbout("en", hidden)).map((d) => d.slug)).not.toContain(slug);
    // Another organisation's discussion of the same case study is linked both ways.
    const other = await publishDiscussion(discussionInput(askingOrg.id, word(), { about: hiddenSlug }));
    const otherSlug = (await pb.collection("posts").getOne(other)).slug;
    expect((await loadPublishedPost("en", otherSlug))?.post.discussion?.about.map((a) => a.slug)).toEqual([hiddenSlug]);
    expect((await listDiscussionsAbout("en", hidden)).map((d) => d.slug)).toContain(otherSlug);
  });

  it("a funder may discuss, under its name, its own record that anonymises the applicant; the applicant's link to it stays private", async () => {
    // The funder is named on its record already: the link tells nobody who the applicant is. A
    // pseudonymous discussion of its own record would be matched to the funder's name, as for any post.
    const [fe, aa] = await Promise.all([createUser(pb), createUser(pb)]);
    const funder = await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", region: "brussels" });
    const applicant = await createOrganization(pb, [{ userId: aa.id, role: "admin" }]);
    const [funderEditor, applicantAdmin] = [(await loadActor(fe.id))!, (await loadActor(aa.id))!];
    const { slug: callSlug } = await saveCall(funderEditor, funder.id, {
      title: `Remote monitoring call ${word()}`,
      description: "A call for AI projects in remote monitoring at home.",
      status: "closed",
    });
    const callId = (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: callSlug }))).id;
    await recordDecisions(funderEditor, callId, [
      {
        title: `Fall detection at home ${word()}`,
        applicantType: "platform",
        applicant: applicant.slug,
        amountRequested: 90000,
        decision: "rejected",
        decidedOn: "2026-03-31",
        rejectionReasons: ["eligibility"],
      },
    ]);
    const record = await pb.collection("posts").getFirstListItem(pb.filter("call = {:c}", { c: callId }));
    expect(record).toMatchObject({ applicant_organization: applicant.id, consent: "requested" });
    await answerConsent(applicantAdmin, record.id, "anonymise");
    await claimPost(moderator, record.id);
    await approvePost(moderator, record.id);

    const pseudonymous = await saveDraft(funderEditor, discussionInput(funder.id, word(), { about: record.slug, anonymous: true })).catch((e: unknown) => e);
    expect((pseudonymous as ValidationError).field).toBe("about");
    const { id } = await saveDraft(funderEditor, discussionInput(funder.id, word(), { about: record.slug }));
    expect((await getPrivatePost(funderEditor, id))?.identity.unlinked).toEqual([]);
    await submitPost(funderEditor, id);
    await claimPost(moderator, id);
    await approvePost(moderator, id);
    const slug = (await pb.collection("posts").getOne(id)).slug;
    expect((await loadPublishedPost("en", slug))?.post.discussion?.about.map((a) => a.slug)).toEqual([record.slug]);
    expect((await listDiscussionsAbout("en", record.id)).map((d) => d.slug)).toContain(slug);

    // The applicant's named discussion of the record that keeps it anonymous is never linked in public.
    const applicantAsker = await plainMemberOf(applicant.id);
    const mine = await saveDraft(applicantAsker, discussionInput(applicant.id, word(), { about: record.slug }));
    await submitPost(applicantAsker, mine.id);
    expect((await getPrivatePost(moderator, mine.id))?.identity.unlinked).toEqual([{ id: record.id, title: record.title }]);
    await claimPost(moderator, mine.id);
    await approvePost(moderator, mine.id);
    const mineSlug = (await pb.collection("posts").getOne(mine.id)).slug;
    expect((await loadPublishedPost("en", mineSlug))?.post.discussion?.about).toEqual([]);
    expect((await listDiscussionsAbout("en", record.id)).map((d) => d.slug)).not.toContain(mineSlug);
  });

  it("a named post that turns pseudonymous after its own organisation discussed it is no longer linked to that discussion", async () => {
    const named = await publishThroughModeration(editor, moderator, caseStudyInput(caseOrg.id, word()));
    const namedSlug = (await pb.collection("posts").getOne(named)).slug;
    const asker = await plainMemberOf(caseOrg.id);
    const { id } = await saveDraft(asker, discussionInput(caseOrg.id, word(), { about: namedSlug }));
    await submitPost(asker, id);
    await claimPost(moderator, id);
    await approvePost(moderator, id);
    const slug = (await pb.collection("posts").getOne(id)).slug;
    expect((await listDiscussionsAbout("en", named)).map((d) => d.slug)).toContain(slug);
    await pb.collection("posts").update(named, { anonymous: true });
    expect((await listDiscussionsAbout("en", named)).map((d) => d.slug)).not.toContain(slug);
    expect((await loadPublishedPost("en", slug))?.post.discussion?.about).toEqual([]);
  });
});

describe("an anonymous discussion never shows its organisation", () => {
  it("on its page, on /discussions, in search, in feeds and under 'Discussed in'", async () => {
    const marker = word();
    const id = await publishDiscussion(discussionInput(askingOrg.id, marker, { anonymous: true, about: caseStudy.slug }));
    await drainAll();
    const record = await pb.collection("posts").getOne(id);
    const leaks = (text: string) => text.includes(askingOrg.name) || text.includes(askingOrg.slug) || text.includes(member.name) || text.includes(askingOrg.id);

    const page = await loadPublishedPost("en", record.slug);
    expect(page?.post.organization).toBeNull();
    expect(page?.post.byline).not.toBe(askingOrg.name);
    expect(leaks(JSON.stringify(page?.post))).toBe(false);

    const listed = (await listDiscussions("en", {})).items.find((d) => d.slug === record.slug);
    expect(listed).toBeDefined();
    expect(leaks(JSON.stringify(listed))).toBe(false);

    // The organisation kind filter uses the kind the descriptor names, never the organisation's own.
    const byKind = (await listDiscussions("en", { org_kind: "hospital" })).items.some((d) => d.slug === record.slug);
    expect(byKind).toBe(descriptorNamesKind(record.public_descriptor, "hospital"));
    expect((await listDiscussions("en", { org_kind: "vendor" })).items.some((d) => d.slug === record.slug)).toBe(false);

    const hit = (await search(marker)).hits.find((h) => h.id === id);
    expect(hit).toMatchObject({ kind: "discussion", organization_name: null });
    // The stored code ("hospital@r:flanders") is shown as words ("a hospital in Flanders").
    const descriptor = renderDescriptor("en", record.public_descriptor);
    expect(descriptor).toMatch(/^an? /);
    expect(hit?.public_descriptor).toBe(descriptor);
    expect(leaks(JSON.stringify(hit))).toBe(false);
    expect(leaks(JSON.stringify(await loadSearchDocument(id)))).toBe(false);

    // The feeds also list the organisation's named discussions: this discussion's entry is what must not name it.
    const entryOf = (body: string, format: "atom" | "json") =>
      format === "json"
        ? JSON.stringify((JSON.parse(body).items as { url: string }[]).find((i) => i.url.includes(record.slug)))
        : body.split("<entry>").find((e) => e.includes(record.slug));
    for (const format of ["atom", "json"] as const) {
      for (const scope of [{ kind: "home" }, { kind: "tag", value: "dpo" }, { kind: "care_setting", value: "hospital" }] as const) {
        const body = renderFeed((await loadFeed("en", scope, format))!, format, "http://127.0.0.1:4321");
        const entry = entryOf(body, format);
        // Listed, under its descriptor as author.
        expect(entry, `${scope.kind} ${format}`).toContain(descriptor);
        expect(leaks(entry!), `${scope.kind} ${format}`).toBe(false);
      }
    }
    // Nor does the organisation's own feed list it.
    const orgFeed = renderFeed((await loadFeed("en", { kind: "organization", value: askingOrg.slug }, "json"))!, "json", "http://127.0.0.1:4321");
    expect(orgFeed).not.toContain(record.slug);

    const discussedIn = (await listDiscussionsAbout("en", caseStudy.id)).find((d) => d.slug === record.slug);
    expect(discussedIn).toMatchObject({ organization: null, anonymous: true });
    expect(leaks(JSON.stringify(discussedIn))).toBe(false);
  });
});
