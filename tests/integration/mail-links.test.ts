// Links in mails open the site in the mail's language (issue 12 §3): the recipient's setting
// (or the sign-up/invitation page's language) gives the /fr/, /nl/ or /en/ prefix of every link;
// a mail to a reader of unknown language links to the unprefixed page, where their browser decides.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/lib/server/config.ts";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { drainMailOutbox } from "../../src/lib/server/mailoutbox.ts";
import { siteLink } from "../../src/lib/server/links.ts";
import { claimPost, requestChanges, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { inviteMember } from "../../src/lib/server/orgs.ts";
import { loadActor, requestPasswordReset, sendVerificationMail, signUp, signUpSchema, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useOwnPocketBase } from "./setup.ts";

let pb: PocketBase;
let stopOwn: (() => Promise<void>) | undefined;

beforeAll(async () => {
  // These tests read the .eml drop: no SMTP_URL left behind in this worker by the files that
  // run a real SMTP server (notifications, digests) may send their mail elsewhere.
  delete process.env.SMTP_URL;
  // A PocketBase of this file's own: on the run's shared one, the mail outbox holds every earlier
  // file's notifications, and draining them (minutes of mail) would be most of this file's time.
  const own = await useOwnPocketBase();
  pb = own.pb;
  stopOwn = own.stop;
}, 60_000);

afterAll(async () => {
  await stopOwn?.();
});

const actor = async (id: string): Promise<Actor> => (await loadActor(id))!;

/** Every link to this site in the newest mail to `to` (site-relative: path and query). */
async function linksIn(to: string): Promise<string[]> {
  // Notification mails (decisions) wait in the mail outbox until it is drained (issue 13 §5).
  while ((await drainMailOutbox({ limit: 500 })).sent > 0);
  const mail = await findLatestMail(to);
  expect(mail, `a mail to ${to}`).toBeDefined();
  const base = getConfig().publicUrl.replace(/\/+$/, "");
  const links = [...mail!.text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0].replace(/[.,;)]+$/, ""));
  const own = links.filter((link) => link.startsWith(`${base}/`)).map((link) => link.slice(base.length));
  expect(own.length, `a link to the site in the mail to ${to}`).toBeGreaterThan(0);
  return own;
}

describe("links in mails carry the recipient's language", () => {
  it("siteLink prefixes a page path, keeps its query, and leaves it plain when the language is unknown", () => {
    expect(siteLink("fr", "/reset?token=a%2Bb", "https://casebook.example/")).toBe("https://casebook.example/fr/reset?token=a%2Bb");
    expect(siteLink("nl", "/dashboard", "https://casebook.example")).toBe("https://casebook.example/nl/dashboard");
    expect(siteLink(null, "/dashboard", "https://casebook.example")).toBe("https://casebook.example/dashboard");
  });

  it("verification and reset links follow the account's setting", async () => {
    const dutch = await createUser(pb, { locale: "nl" });
    await requestPasswordReset(dutch.email);
    const reset = await linksIn(dutch.email);
    expect(reset.every((link) => link.startsWith("/nl/reset?token="))).toBe(true);

    const french = await pb.collection("users").getOne((await createUser(pb, { locale: "fr" })).id);
    await sendVerificationMail(french);
    expect((await linksIn(french.email)).every((link) => link.startsWith("/fr/verify?token="))).toBe(true);
  });

  it("signing up on the French page sends a French verification link; an existing account's reminder links in its own language", async () => {
    const email = `${unique("fr-link")}@example.test`;
    await signUp(signUpSchema.parse({ name: "Nadia Lambert", email, password: "lantern orchard gravel synonym" }), "fr");
    expect((await linksIn(email)).every((link) => link.startsWith("/fr/verify?token="))).toBe(true);

    const existing = await createUser(pb, { locale: "nl" });
    await signUp(signUpSchema.parse({ name: "Someone Else", email: existing.email, password: "lantern orchard gravel synonym" }), "fr");
    expect(await linksIn(existing.email)).toEqual(["/nl/reset"]);
  });

  it("an invitation links in the invitee's language; to a reader of unknown language, the plain page", async () => {
    const admin = await createUser(pb, { locale: "fr" });
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const member = await createUser(pb, { locale: "nl" });
    await inviteMember(await actor(admin.id), org.id, member.email, "member", "fr");
    expect((await linksIn(member.email)).every((link) => link.startsWith("/nl/invitations/accept?token="))).toBe(true);
    const stranger = `${unique("new")}@example.test`;
    await inviteMember(await actor(admin.id), org.id, stranger, "member");
    expect((await linksIn(stranger)).every((link) => link.startsWith("/invitations/accept?token="))).toBe(true);
  });

  it("a moderator's decision links the author to the post on the dashboard in the author's language, not the moderator's", async () => {
    const author = await createUser(pb, { locale: "nl" });
    const org = await createOrganization(pb, [{ userId: author.id, role: "editor" }]);
    const moderator = await actor((await createUser(pb, { role: "moderator", locale: "fr" })).id);
    const editor = await actor(author.id);
    const draft = await saveDraft(editor, {
      kind: "case_study",
      organization: org.id,
      title: `Valdetectie op de geriatrie ${unique("t")}`,
      summary: "We stopten met een valdetectiesysteem na zes maanden vals alarm op twee afdelingen.",
      body_md: "## Context\n\nEen algemeen ziekenhuis testte valdetectie met camera's.\n\n## Wat gebeurde er\n\nTe veel alarmen.",
      language: "nl",
      tags: "valdetectie",
      anonymous: false,
      outcome: "failure",
      care_settings: ["hospital"],
      ai_types: ["computer_vision"],
      lifecycle_stage: "stopped",
      lessons_md: "- Eerst een alarmbudget afspreken.",
    });
    await submitPost(editor, draft.id);
    await claimPost(moderator, draft.id);
    await requestChanges(moderator, draft.id, "Pouvez-vous préciser le nombre de patients ?");
    // The post to act on, then the mail's own footer: one-click unsubscribe and the preferences page (issue 13 §5).
    const [post, unsubscribe, preferences, ...rest] = await linksIn(author.email);
    expect(post).toBe(`/nl/dashboard/posts/${draft.id}`);
    expect(unsubscribe).toMatch(/^\/nl\/unsubscribe\?c=my_posts&t=[a-z0-9]+\.[a-z0-9]+\.[\w-]+$/);
    expect(preferences).toBe("/nl/account/notifications");
    expect(rest).toEqual([]);
  });
});
