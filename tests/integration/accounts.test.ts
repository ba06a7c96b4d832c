// Accounts end to end on a real PocketBase: sign-up, verification by mailed link,
// sign-in, password reset (which ends every session), export and deletion.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { settleBackground } from "../../src/lib/server/background.ts";
import { flagPost } from "../../src/lib/server/flags.ts";
import { findLatestMail, listMailDrop } from "../../src/lib/server/mail.ts";
import { createSession, validateSessionToken } from "../../src/lib/server/session.ts";
import {
  deleteAccount,
  exportMyData,
  loadActor,
  profileSchema,
  requestPasswordReset,
  requestPasswordResetInBackground,
  resetPassword,
  signIn,
  signInSchema,
  signUp,
  signUpSchema,
  signUpInBackground,
  verifyEmail,
} from "../../src/lib/server/users.ts";
import { caseStudyInput, publishThroughModeration } from "./search-helpers.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
beforeAll(async () => {
  pb = await useTestPocketBase();
});

function linkIn(text: string, path: string): string {
  const match = text.match(new RegExp(`https?://[^\\s]+${path}\\?[^\\s]+`));
  if (!match) throw new Error(`no ${path} link in mail:\n${text}`);
  return match[0];
}

describe("sign-up and verification", () => {
  it("creates an unverified account, mails a link that verifies it, then allows sign-in", async () => {
    const email = `${unique("new")}@example.test`;
    const password = "lantern orchard gravel synonym";
    expect(await signUp({ name: "Nadia Test", email, password, locale: "fr" })).toEqual({ ok: true });
    expect(await signIn({ email, password })).toEqual({ ok: false, reason: "unverified" });
    const mail = await findLatestMail(email);
    expect(mail?.subject).toMatch(/adresse|address/i);
    const token = new URL(linkIn(mail!.text, "/verify")).searchParams.get("token")!;
    expect(await verifyEmail(token.slice(0, -2) + "xx")).toMatchObject({ ok: false });
    expect(await verifyEmail(token)).toMatchObject({ ok: true });
    expect(await signIn({ email, password })).toMatchObject({ ok: true });
  });

  it("an address is one account whatever its capitals: the forms store and look it up in lower case", async () => {
    const email = `${unique("case")}@example.test`;
    const password = "lantern orchard gravel synonym";
    expect(await signUp(signUpSchema.parse({ name: "Case Person", email: email.toUpperCase(), password }))).toEqual({ ok: true });
    const found = await pb.collection("users").getFullList({ filter: pb.filter("email = {:e}", { e: email }), fields: "email" });
    expect(found.map((u) => u.email)).toEqual([email]);
    // Found (not "invalid"): only the verification is missing.
    expect(await signIn(signInSchema.parse({ email: email.toUpperCase(), password }))).toEqual({ ok: false, reason: "unverified" });
    // The profile form asks for a real name, as sign-up does.
    expect(profileSchema.safeParse({ name: " A ", locale: "en" }).error?.issues[0]?.message).toBe("Enter your name (at least 2 characters).");
  });

  it("refuses weak passwords and creates nothing", async () => {
    const email = `${unique("weak")}@example.test`;
    const result = await signUp({ name: "Weak Person", email, password: "password1234", locale: "en" });
    expect(result).toMatchObject({ ok: false, field: "password" });
    const found = await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:e}", { e: email }) });
    expect(found.totalItems).toBe(0);
  });

  it("does not reveal an existing address: same answer, no second account", async () => {
    const existing = await createUser(pb);
    expect(await signUp({ name: "Someone Else", email: existing.email, password: "lantern orchard gravel synonym", locale: "en" })).toEqual({ ok: true });
    const found = await pb.collection("users").getList(1, 5, { filter: pb.filter("email = {:e}", { e: existing.email }) });
    expect(found.totalItems).toBe(1);
  });

  it("the forms' variants answer before the work and do it afterwards (issue 9, finding 15)", async () => {
    const fresh = `${unique("later")}@example.test`;
    const existing = await createUser(pb);
    const password = "lantern orchard gravel synonym";
    expect(signUpInBackground({ name: "Later Person", email: fresh, password, locale: "en" })).toEqual({ ok: true });
    expect(signUpInBackground({ name: "Someone Else", email: existing.email, password, locale: "en" })).toEqual({ ok: true });
    requestPasswordResetInBackground(existing.email);
    requestPasswordResetInBackground(`${unique("nobody")}@example.test`);
    // A weak password is judged at once, and nothing is scheduled.
    const weak = `${unique("weak")}@example.test`;
    expect(signUpInBackground({ name: "Weak Person", email: weak, password: "password1234", locale: "en" })).toMatchObject({ ok: false, field: "password" });
    await settleBackground();
    const byEmail = (e: string) => pb.collection("users").getList(1, 5, { filter: pb.filter("email = {:e}", { e }) });
    expect((await byEmail(fresh)).totalItems).toBe(1);
    expect((await byEmail(existing.email)).totalItems).toBe(1);
    expect((await byEmail(weak)).totalItems).toBe(0);
    expect((await findLatestMail(fresh))?.text).toContain("/verify?token=");
    const mails = (await listMailDrop()).filter((m) => m.to === existing.email).map((m) => m.subject);
    expect(mails).toEqual(expect.arrayContaining([expect.stringMatching(/reset/i), expect.stringMatching(/tried to create/i)]));
  });

  it("answers the same for an unknown address and a wrong password", async () => {
    const user = await createUser(pb);
    expect(await signIn({ email: user.email, password: "wrong wrong wrong wrong" })).toEqual({ ok: false, reason: "invalid" });
    expect(await signIn({ email: `${unique("nobody")}@example.test`, password: "whatever whatever" })).toEqual({ ok: false, reason: "invalid" });
  });
});

describe("password reset", () => {
  it("sets a new password through the mailed link and revokes every session", async () => {
    const user = await createUser(pb);
    const s1 = await createSession(user.id);
    const s2 = await createSession(user.id);
    await requestPasswordReset(user.email);
    const mail = await findLatestMail(user.email);
    const token = new URL(linkIn(mail!.text, "/reset")).searchParams.get("token")!;
    expect(await resetPassword(token, "short")).toMatchObject({ ok: false, reason: "weak" });
    expect(await resetPassword(token, "copper meadow violin tundra")).toMatchObject({ ok: true });
    expect(await validateSessionToken(s1.token)).toBeNull();
    expect(await validateSessionToken(s2.token)).toBeNull();
    expect(await signIn({ email: user.email, password: user.password })).toMatchObject({ ok: false });
    expect(await signIn({ email: user.email, password: "copper meadow violin tundra" })).toMatchObject({ ok: true });
    // The link is single-use: the password change invalidated it.
    expect(await resetPassword(token, "another fine passphrase here")).toMatchObject({ ok: false, reason: "invalid" });
  });

  it("the link proves the address: an unverified account is verified by it, and its owner is told the password changed", async () => {
    const user = await createUser(pb, { verified: false });
    // Typed with spaces and capitals, the address still finds its account.
    await requestPasswordReset(`  ${user.email.toUpperCase()} `);
    const token = new URL(linkIn((await findLatestMail(user.email))!.text, "/reset")).searchParams.get("token")!;
    expect(await resetPassword(token, "copper meadow violin tundra")).toMatchObject({ ok: true });
    expect(await signIn({ email: user.email, password: "copper meadow violin tundra" })).toMatchObject({ ok: true });
    // Someone else holding a reset link would change the password; the owner hears of it.
    expect((await findLatestMail(user.email))?.subject).toBe("Your Casebook password was changed");
  });

  it("sends nothing for an unknown address, without saying so", async () => {
    const email = `${unique("ghost")}@example.test`;
    await expect(requestPasswordReset(email)).resolves.toBeUndefined();
    expect(await findLatestMail(email)).toBeUndefined();
  });
});

describe("export and deletion", () => {
  it("exports the account, memberships, posts and sessions", async () => {
    const user = await createUser(pb, { name: "Export Person" });
    const org = await createOrganization(pb, [{ userId: user.id, role: "editor" }]);
    await createSession(user.id, { userAgent: "TestAgent/1.0" });
    await pb
      .collection("posts")
      .create({ kind: "case_study", slug: unique("p"), title: "My draft", language: "en", status: "draft", author: user.id, organization: org.id });
    const moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
    const writer = await createUser(pb);
    const writersOrg = await createOrganization(pb, [{ userId: writer.id, role: "editor" }]);
    const reported = await publishThroughModeration((await loadActor(writer.id))!, moderator, caseStudyInput(writersOrg.id, unique("flagged")));
    await flagPost((await loadActor(user.id))!, reported, "other", "Reads like an advert for the vendor.");
    const data = await exportMyData(user.id);
    expect(data).toMatchObject({ account: { email: user.email, name: "Export Person" } });
    expect(JSON.stringify(data.memberships)).toContain(org.name);
    expect(JSON.stringify(data.posts)).toContain("My draft");
    expect(JSON.stringify(data.sessions)).toContain("TestAgent/1.0");
    // What they reported is theirs too.
    expect(data.flags).toEqual([expect.objectContaining({ post: reported, reason: "other", note: "Reads like an advert for the vendor." })]);
    expect(JSON.stringify(data)).not.toMatch(/secret_hash|password/);
  });

  it("erases the person; published posts stay credited to a former member, drafts go", async () => {
    const user = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: user.id, role: "editor" }]);
    const published = await pb
      .collection("posts")
      .create({ kind: "case_study", slug: unique("pub"), title: "Published", language: "en", status: "published", author: user.id, organization: org.id });
    const draft = await pb
      .collection("posts")
      .create({ kind: "case_study", slug: unique("dr"), title: "Draft", language: "en", status: "draft", author: user.id, organization: org.id });
    const session = await createSession(user.id);
    // What the confirmation page and mail report (issue 11 §21): one kept online, one draft deleted.
    expect(await deleteAccount(user.id, "keep")).toEqual({ ok: true, kept: 1, withdrawn: 0, deleted: 1 });
    const confirmation = await findLatestMail(user.email);
    expect(confirmation?.subject).toBe("Your Casebook account has been deleted");
    expect(confirmation?.text).toContain("Published posts kept online, credited to a former member: 1");
    expect(confirmation?.text).toContain("Drafts and unpublished posts deleted: 1");
    await expect(pb.collection("users").getOne(user.id)).rejects.toMatchObject({ status: 404 });
    expect(await validateSessionToken(session.token)).toBeNull();
    const kept = await pb.collection("posts").getOne(published.id);
    expect(kept.status).toBe("published");
    expect(kept.author).toBe("");
    await expect(pb.collection("posts").getOne(draft.id)).rejects.toMatchObject({ status: 404 });
    const memberships = await pb.collection("memberships").getList(1, 1, { filter: pb.filter("user = {:u}", { u: user.id }) });
    expect(memberships.totalItems).toBe(0);
  });

  it("withdraws published posts when asked, and queues their removal from search", async () => {
    const user = await createUser(pb);
    const post = await pb
      .collection("posts")
      .create({ kind: "case_study", slug: unique("w"), title: "To withdraw", language: "en", status: "published", author: user.id });
    expect(await deleteAccount(user.id, "withdraw")).toEqual({ ok: true, kept: 0, withdrawn: 1, deleted: 0 });
    expect((await pb.collection("posts").getOne(post.id)).status).toBe("withdrawn");
    const outbox = await pb.collection("search_outbox").getList(1, 5, { filter: pb.filter("record = {:r} && op = 'delete'", { r: post.id }) });
    expect(outbox.totalItems).toBe(1);
  });

  it("refuses to delete the last admin of an organisation and changes nothing", async () => {
    const user = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: user.id, role: "admin" }]);
    expect(await deleteAccount(user.id, "keep")).toEqual({ ok: false, reason: "last_admin", organizations: [org.name] });
    expect((await pb.collection("users").getOne(user.id)).id).toBe(user.id);
    // An admin who has left, or one not yet confirmed, does not run the organisation.
    for (const status of ["left", "pending"]) {
      const other = await createUser(pb);
      await pb.collection("memberships").create({ user: other.id, organization: org.id, role: "admin", status });
      expect(await deleteAccount(user.id, "keep"), status).toEqual({ ok: false, reason: "last_admin", organizations: [org.name] });
    }
    // A second active admin does.
    const second = await createUser(pb);
    await pb.collection("memberships").create({ user: second.id, organization: org.id, role: "admin", status: "active" });
    expect(await deleteAccount(user.id, "keep")).toMatchObject({ ok: true });
  });
});
