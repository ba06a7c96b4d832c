// Accounts end to end on a real PocketBase: sign-up, verification by mailed link,
// sign-in, password reset (which ends every session), export and deletion.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { settleBackground } from "../../src/lib/server/background.ts";
import { flagPost } from "../../src/lib/server/flags.ts";
import { composeMail, findLatestMail, listMailDrop } from "../../src/lib/server/mail.ts";
import { createSession, validateSessionToken } from "../../src/lib/server/session.ts";
import {
  checkResetToken,
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
  updateProfile,
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

// The token of the mail's link to `path`.
function tokenIn(text: string, path: string): string {
  return new URL(linkIn(text, path)).searchParams.get("token")!;
}

describe("sign-up and verification", () => {
  it("creates an unverified account, mails a link that verifies it, then allows sign-in", async () => {
    const email = `${unique("new")}@example.test`;
    const password = "lantern orchard gravel synonym";
    expect(await signUp({ name: "Nadia Test", email, password, locale: "fr" })).toEqual({ ok: true });
    expect(await signIn({ email, password })).toEqual({ ok: false, reason: "unverified" });
    const mail = await findLatestMail(email);
    expect(mail?.subject).toMatch(/adresse|address/i);
    const token = tokenIn(mail!.text, "/verify");
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
    const token = tokenIn(mail!.text, "/reset");
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
    const token = tokenIn((await findLatestMail(user.email))!.text, "/reset");
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

  it("the confirmation is in the account's language, or in the page's when the account never chose one", async () => {
    const dutch = await createUser(pb, { locale: "nl" });
    await deleteAccount(dutch.id, "keep", "fr");
    expect((await findLatestMail(dutch.email))?.subject).toBe(composeMail("account_deleted", "nl", { kept: "0", withdrawn: "0", deleted: "0" }).subject);
    const unset = await createUser(pb, { locale: "" });
    await deleteAccount(unset.id, "keep", "fr");
    expect((await findLatestMail(unset.email))?.subject).toBe(composeMail("account_deleted", "fr", { kept: "0", withdrawn: "0", deleted: "0" }).subject);
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

describe("accounts, to the detail", () => {
  const password = "lantern orchard gravel synonym";

  it("a sign-up stores a plain member whose address PocketBase keeps hidden, in the chosen language", async () => {
    const email = `${unique("stored")}@example.test`;
    expect(await signUp({ name: "Stored Person", email, password, locale: "nl" })).toEqual({ ok: true });
    const [user] = await pb.collection("users").getFullList({ filter: pb.filter("email = {:e}", { e: email }) });
    expect(user).toMatchObject({ name: "Stored Person", role: "member", locale: "nl", verified: false, emailVisibility: false });
  });

  it("refuses a password made of the person's own address, at sign-up and at reset, that would pass for anyone else", async () => {
    // Random letters: strong for a stranger, guessed at once from the address it is taken from.
    const local = `vkzqwrtplmxj${Math.floor(Math.random() * 1e6)}`;
    const email = `${local}@example.test`;
    expect(await signUp({ name: "Own Address", email, password: local, locale: "en" })).toMatchObject({ ok: false, field: "password" });
    expect((await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:e}", { e: email }) })).totalItems).toBe(0);
    // The same letters from another address are accepted.
    expect(await signUp({ name: "Other Person", email: `${unique("other")}@example.test`, password: local, locale: "en" })).toEqual({ ok: true });
    const user = await createUser(pb, { email });
    await requestPasswordReset(email);
    const token = tokenIn((await findLatestMail(email))!.text, "/reset");
    expect(await resetPassword(token, local)).toMatchObject({ ok: false, reason: "weak" });
    expect(await signIn({ email, password: user.password })).toMatchObject({ ok: true });
  });

  it("a malformed link, or one whose account is gone, is invalid (verification and reset alike)", async () => {
    for (const garbage of ["", "nonsense", "a.b.c", "%%%"]) {
      expect(await verifyEmail(garbage)).toEqual({ ok: false, reason: "invalid" });
      expect(await checkResetToken(garbage)).toEqual({ ok: false, reason: "invalid" });
    }
    const email = `${unique("gone")}@example.test`;
    await signUp({ name: "Gone Person", email, password, locale: "en" });
    const verify = tokenIn((await findLatestMail(email))!.text, "/verify");
    const [user] = await pb.collection("users").getFullList({ filter: pb.filter("email = {:e}", { e: email }), fields: "id" });
    await requestPasswordReset(email);
    const reset = tokenIn((await findLatestMail(email))!.text, "/reset");
    await pb.collection("users").delete(user!.id);
    expect(await verifyEmail(verify)).toEqual({ ok: false, reason: "invalid" });
    expect(await checkResetToken(reset)).toEqual({ ok: false, reason: "invalid" });
    expect(await resetPassword(reset, "copper meadow violin tundra")).toEqual({ ok: false, reason: "invalid" });
  });

  it("following the verification link again changes nothing: a reset link mailed in between keeps working", async () => {
    const email = `${unique("twice")}@example.test`;
    await signUp({ name: "Twice Person", email, password, locale: "en" });
    const verify = tokenIn((await findLatestMail(email))!.text, "/verify");
    const first = await verifyEmail(verify);
    expect(first).toMatchObject({ ok: true });
    await requestPasswordReset(email);
    const reset = tokenIn((await findLatestMail(email))!.text, "/reset");
    expect(await verifyEmail(verify)).toEqual(first);
    expect(await checkResetToken(reset)).toEqual({ ok: true, userId: (first as { userId: string }).userId });
  });

  it("tells the owner of a changed password in the account's language", async () => {
    const user = await createUser(pb, { locale: "fr", name: "Amélie Test" });
    await requestPasswordReset(user.email);
    const token = tokenIn((await findLatestMail(user.email))!.text, "/reset");
    expect(await resetPassword(token, "copper meadow violin tundra")).toMatchObject({ ok: true });
    const mail = await findLatestMail(user.email);
    expect(mail?.subject).toBe(composeMail("password_changed", "fr", { name: "Amélie Test" }).subject);
    expect(mail?.subject).not.toBe("Your Casebook password was changed");
  });

  it("the profile form changes the name and the interface language, and nothing else", async () => {
    const user = await createUser(pb, { name: "Before Name", locale: "en" });
    await updateProfile(user.id, profileSchema.parse({ name: "  After Name ", locale: "nl" }));
    const actor = await loadActor(user.id);
    expect(actor).toMatchObject({ name: "After Name", locale: "nl", email: user.email, role: "member", verified: true });
  });

  it("exports the person's own records only, in its named format", async () => {
    const [me, other] = [await createUser(pb), await createUser(pb)];
    const mine = await createOrganization(pb, [{ userId: me.id, role: "editor" }]);
    await createOrganization(pb, [
      { userId: other.id, role: "admin" },
      { userId: me.id, role: "member" },
    ]);
    await createOrganization(pb, [{ userId: other.id, role: "editor" }]);
    await Promise.all([createSession(me.id), createSession(me.id), createSession(other.id), createSession(other.id), createSession(other.id)]);
    for (const [author, title] of [
      [me.id, "Mine"],
      [other.id, "Theirs"],
    ] as const)
      await pb.collection("posts").create({ kind: "case_study", slug: unique("p"), title, language: "en", status: "draft", author, organization: mine.id });
    const data = await exportMyData(me.id);
    expect(data.format).toBe("casebook-account-export/1");
    expect(data.memberships).toHaveLength(2);
    expect(data.sessions).toHaveLength(2);
    expect((data.posts as { title: string }[]).map((p) => p.title)).toEqual(["Mine"]);
    expect((data.memberships as { organizationSlug: string }[]).map((m) => m.organizationSlug)).toContain(mine.slug);
  });

  it("deleting an account that is already gone reports nothing deleted", async () => {
    const user = await createUser(pb);
    await pb.collection("users").delete(user.id);
    expect(await deleteAccount(user.id, "keep")).toEqual({ ok: true, kept: 0, withdrawn: 0, deleted: 0 });
  });
});
