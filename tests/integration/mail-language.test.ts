// Mails on a real PocketBase go out in the recipient's language only (issue 12 §1): their
// account setting, else the language of the page they signed up on; the actor's language
// (a French moderator, an English admin) never decides. Mail is read back from the drop folder.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DroppedMail, findLatestMail } from "../../src/lib/server/mail.ts";
import { drainMailOutbox } from "../../src/lib/server/mailoutbox.ts";
import { claimPost, rejectPost, requestChanges, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { decideJoinRequest, inviteMember, removeMember, requestOrganization, requestToJoin, reviewOrganization } from "../../src/lib/server/orgs.ts";
import { deleteAccount, loadActor, requestPasswordReset, signUp, signUpSchema, type Actor } from "../../src/lib/server/users.ts";
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

// Words only one language's version of every mail has: its signature and the line saying why it was sent.
const MARKS = {
  en: ["The Casebook team", "You receive this because"],
  fr: ["L’équipe Casebook", "Vous recevez ce message parce qu"],
  nl: ["Het Casebook-team", "U ontvangt dit bericht omdat"],
} as const;
type Language = keyof typeof MARKS;

/** The newest mail to `to`, which must be written in `language` and in no other. */
async function mailIn(to: string, language: Language): Promise<DroppedMail> {
  // Notification mails (decisions) wait in the mail outbox until it is drained (issue 13 §5).
  while ((await drainMailOutbox({ limit: 500 })).sent > 0);
  const mail = await findLatestMail(to);
  expect(mail, `a mail to ${to}`).toBeDefined();
  for (const [other, marks] of Object.entries(MARKS) as [Language, readonly string[]][]) {
    for (const mark of marks) {
      if (other === language) expect(mail!.text).toContain(mark);
      else expect(mail!.text, `no ${other} text in a ${language} mail`).not.toContain(mark);
    }
  }
  expect(mail!.text).not.toMatch(/-{10,} (English|Français|Nederlands) -{10,}/);
  return mail!;
}

const actor = async (id: string): Promise<Actor> => (await loadActor(id))!;

describe("mails are in the recipient's language", () => {
  it("a member whose setting is Dutch gets a Dutch-only reset mail, with no English paragraph", async () => {
    const user = await createUser(pb, { locale: "nl", name: "Piet Claes" });
    await requestPasswordReset(user.email);
    const mail = await mailIn(user.email, "nl");
    expect(mail.subject).toBe("Stel een nieuw wachtwoord in voor Casebook");
    expect(mail.text).toMatch(/^Dag Piet Claes,\n\n/);
    expect(mail.text).not.toMatch(/\b(Hello|password|Someone)\b/);
  });

  it("someone who signs up on /fr/signup without choosing a language gets a French account and French mail", async () => {
    const email = `${unique("fr-signup")}@example.test`;
    // The form as posted without a language field: the schema leaves it unset and the page's language is kept.
    const input = signUpSchema.parse({ name: "Nadia Lambert", email, password: "lantern orchard gravel synonym" });
    expect(input.locale).toBeUndefined();
    expect(await signUp(input, "fr")).toEqual({ ok: true });
    const user = await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: email }));
    expect(user.locale).toBe("fr");
    const mail = await mailIn(email, "fr");
    expect(mail.subject).toBe("Vérifiez votre adresse e-mail pour Casebook");
    // Later mails follow the recorded setting, whichever page asks for them.
    await requestPasswordReset(email);
    expect((await mailIn(email, "fr")).subject).toBe("Réinitialisez votre mot de passe Casebook");
  });

  it("a language chosen on the sign-up form wins over the page's language", async () => {
    const email = `${unique("nl-choice")}@example.test`;
    expect(await signUp(signUpSchema.parse({ name: "Jan Peeters", email, password: "lantern orchard gravel synonym", locale: "nl" }), "fr")).toEqual({
      ok: true,
    });
    expect((await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: email }))).locale).toBe("nl");
    expect((await mailIn(email, "nl")).subject).toBe("Bevestig uw e-mailadres voor Casebook");
  });

  it("a sign-up with an address already registered answers in that account's language, not the form's", async () => {
    const existing = await createUser(pb, { locale: "nl" });
    expect(await signUp(signUpSchema.parse({ name: "Someone Else", email: existing.email, password: "lantern orchard gravel synonym" }), "fr")).toEqual({
      ok: true,
    });
    await mailIn(existing.email, "nl");
  });

  it("a French moderator rejecting or returning a Dutch author's post sends Dutch", async () => {
    const author = await createUser(pb, { locale: "nl" });
    const org = await createOrganization(pb, [{ userId: author.id, role: "editor" }]);
    const moderator = await actor((await createUser(pb, { role: "moderator", locale: "fr" })).id);
    expect(moderator.locale).toBe("fr");
    const draft = {
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
    };
    const editor = await actor(author.id);
    const first = await saveDraft(editor, draft);
    await submitPost(editor, first.id);
    await claimPost(moderator, first.id);
    await requestChanges(moderator, first.id, "Pouvez-vous préciser le nombre de patients ?");
    const returned = await mailIn(author.email, "nl");
    expect(returned.subject).toBe(`Casebook: aanpassingen gevraagd — ${draft.title}`);
    // The moderator's own words are quoted as written; everything around them is Dutch.
    expect(returned.text).toContain("    Pouvez-vous préciser le nombre de patients ?");

    const second = await saveDraft(editor, { ...draft, title: `Tweede versie ${unique("t")}` });
    await submitPost(editor, second.id);
    await claimPost(moderator, second.id);
    await rejectPost(moderator, second.id, "promotional", "Texte promotionnel.");
    expect((await mailIn(author.email, "nl")).subject).toMatch(/^Casebook: niet aanvaard — Tweede versie/);
  });

  it("join request answers and member removal follow the member's setting, not the admin's", async () => {
    const admin = await createUser(pb, { locale: "en" });
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const applicant = await createUser(pb, { locale: "fr" });
    await requestToJoin(await actor(applicant.id), org.id, "Infirmière en chef, service de gériatrie.");
    const pending = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: applicant.id, o: org.id }));
    await decideJoinRequest(await actor(admin.id), pending.id, "approve", "editor");
    expect((await mailIn(applicant.email, "fr")).text).toContain("Votre rôle\u00a0: rédacteur.");
    await removeMember(await actor(admin.id), pending.id);
    expect((await mailIn(applicant.email, "fr")).subject).toBe(`Vous n’êtes plus membre de ${org.name} sur Casebook`);

    const refused = await createUser(pb, { locale: "nl" });
    await requestToJoin(await actor(refused.id), org.id, "");
    const theirs = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: refused.id, o: org.id }));
    await decideJoinRequest(await actor(admin.id), theirs.id, "reject");
    await mailIn(refused.email, "nl");
  });

  it("a French moderator refusing a Dutch member's organisation request answers in Dutch, quoting the reason as written", async () => {
    const requester = await actor((await createUser(pb, { locale: "nl" })).id);
    const moderator = await actor((await createUser(pb, { role: "moderator", locale: "fr" })).id);
    const name = `Woonzorg ${unique("wz")}`;
    const { slug } = await requestOrganization(requester, {
      name,
      kind: "home_care",
      country: "BE",
      region: "flanders",
      website: "https://example.org",
      description: "Thuiszorg in de Kempen.",
    });
    const org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    await reviewOrganization(moderator, org.id, "refuse", "Introuvable dans le registre INAMI.");
    const mail = await mailIn(requester.email, "nl");
    expect(mail.subject).toContain(name);
    expect(mail.text).toContain("    Introuvable dans le registre INAMI.");
  });

  it("an invitation is in the invitee's setting when they have an account, else in the language of the page it was sent from", async () => {
    const admin = await createUser(pb, { locale: "fr" });
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const member = await createUser(pb, { locale: "nl" });
    await inviteMember(await actor(admin.id), org.id, member.email, "member", "fr");
    await mailIn(member.email, "nl");
    const stranger = `${unique("new")}@example.test`;
    await inviteMember(await actor(admin.id), org.id, stranger, "member", "fr");
    expect((await mailIn(stranger, "fr")).subject).toContain("vous invite");
  });

  it("a reader of unknown language gets English, then French, then Dutch", async () => {
    const admin = await createUser(pb, { locale: "nl" });
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const stranger = `${unique("unknown")}@example.test`;
    // No account, no page: nothing tells which language this reader reads.
    await inviteMember(await actor(admin.id), org.id, stranger, "editor");
    const mail = (await findLatestMail(stranger))!;
    const [en, fr, nl, ...rest] = mail.text.split(/\n\n-{10,} (?:Français|Nederlands) -{10,}\n\n/);
    expect(rest).toEqual([]);
    expect(en).toContain(MARKS.en[0]);
    expect(fr).toContain(MARKS.fr[0]);
    expect(nl).toContain(MARKS.nl[0]);
    expect(mail.subject).toMatch(/invites you to join/);
  });

  it("the account deletion confirmation is in the deleted account's language", async () => {
    const user = await createUser(pb, { locale: "nl" });
    expect(await deleteAccount(user.id, "keep")).toMatchObject({ ok: true });
    expect((await mailIn(user.email, "nl")).subject).toBe("Uw Casebook-account werd verwijderd");
  });
});
