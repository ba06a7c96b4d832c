// Nobody but the app's superuser can read or write anything through PocketBase's REST
// API: every collection rule is superuser-only (DESIGN.md §1).
import { beforeAll, describe, expect, inject, it } from "vitest";
import type PocketBase from "pocketbase";
import { signIn } from "../../src/lib/server/users.ts";
import { useTestPocketBase, unique } from "./setup.ts";

const COLLECTIONS = [
  "users",
  "sessions",
  "organizations",
  "memberships",
  "funding_calls",
  "posts",
  "revisions",
  "moderation_events",
  "flags",
  "search_outbox",
  "notifications",
  "mail_outbox",
  "mail_preferences",
  "follows",
  "follow_settings",
  "digest_runs",
];
// Views (read-only by nature): the published posts' ids and dates, yet superuser-only like the rest.
const VIEWS = ["search_published"];

let pb: PocketBase;
let url: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  pb = await useTestPocketBase();
  url = inject("pocketbaseUrl");
  // Real records exist in the collections an attacker would most like to read.
  const user = await pb.collection("users").create({
    email: `${unique("u")}@example.test`,
    password: "correct horse battery",
    passwordConfirm: "correct horse battery",
    name: "Secret Person",
    role: "member",
    locale: "en",
  });
  const org = await pb
    .collection("organizations")
    .create({ name: "Hidden Hospital", slug: unique("org"), kind: "hospital", region: "flanders", verified: true });
  const post = await pb.collection("posts").create({
    kind: "case_study",
    slug: unique("post"),
    title: "Draft about Hidden Hospital",
    language: "en",
    status: "draft",
    organization: org.id,
    author: user.id,
    anonymous: true,
  });
  ids.users = user.id;
  ids.organizations = org.id;
  ids.posts = post.id;
  ids.sessions = (
    await pb.collection("sessions").create({ secret_hash: "x".repeat(64), user: user.id, expires_at: new Date(Date.now() + 86400000).toISOString() })
  ).id;
});

describe("PocketBase REST API without credentials", () => {
  it.each([...COLLECTIONS, ...VIEWS])("lists nothing from %s", async (name) => {
    const res = await fetch(`${url}/api/collections/${name}/records`);
    const body = await res.text();
    expect(res.status, body).toBe(403);
    expect(body).not.toContain("Hidden Hospital");
    expect(body).not.toContain("Secret Person");
  });

  it.each(["users", "organizations", "posts", "sessions"])("shows no single record of %s", async (name) => {
    const res = await fetch(`${url}/api/collections/${name}/records/${ids[name]}`);
    expect([403, 404]).toContain(res.status);
    expect(await res.text()).not.toMatch(/Hidden Hospital|Secret Person|x{64}/);
  });

  it.each(COLLECTIONS)("creates nothing in %s", async (name) => {
    const res = await fetch(`${url}/api/collections/${name}/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        title: "injected",
        name: "injected",
        email: "attacker@example.test",
        password: "attacker-password-1",
        passwordConfirm: "attacker-password-1",
      }),
    });
    expect(res.status).toBe(403);
  });

  it("lists nothing from any collection PocketBase holds, those added after this list and views included", async () => {
    const names = (await pb.collections.getFullList({ fields: "name" })).map((c) => c.name as string).filter((n) => !n.startsWith("_"));
    expect(names).toEqual(expect.arrayContaining([...COLLECTIONS, ...VIEWS]));
    for (const name of names) {
      const res = await fetch(`${url}/api/collections/${name}/records`);
      expect(res.status, name).toBe(403);
    }
  });

  it("does not list the collections or their schema", async () => {
    const res = await fetch(`${url}/api/collections`);
    expect([401, 403]).toContain(res.status);
  });

  it("cannot update or delete a post", async () => {
    const patch = await fetch(`${url}/api/collections/posts/records/${ids.posts}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "published" }),
    });
    expect([403, 404]).toContain(patch.status);
    const del = await fetch(`${url}/api/collections/posts/records/${ids.posts}`, { method: "DELETE" });
    expect([403, 404]).toContain(del.status);
    const still = await pb.collection("posts").getOne(ids.posts!);
    expect(still.status).toBe("draft");
  });

  it("a signed-in PocketBase user still reads nothing (the app, not PocketBase, decides access)", async () => {
    const email = `${unique("reader")}@example.test`;
    await pb
      .collection("users")
      .create({ email, password: "correct horse battery", passwordConfirm: "correct horse battery", name: "Reader", role: "member", locale: "en" });
    const reader = await pb.collection("users").getFirstListItem(pb.filter("email = {:email}", { email }));
    // No guest can sign a user in any more (below); a superuser-issued token stands in for a stolen one.
    const { token } = await pb
      .collection("users")
      .impersonate(reader.id, 600)
      .then((client) => ({ token: client.authStore.token }));
    for (const name of COLLECTIONS) {
      const res = await fetch(`${url}/api/collections/${name}/records`, { headers: { authorization: token } });
      expect(res.status, name).toBe(403);
    }
  });

  it("has the batch API enabled for the superuser", async () => {
    const batch = pb.createBatch();
    batch.collection("organizations").update(ids.organizations!, { description: "updated in a batch" });
    await batch.send();
    expect((await pb.collection("organizations").getOne(ids.organizations!)).description).toBe("updated in a batch");
  });
});

describe("Password guessing straight at PocketBase (issue 9, finding 14)", () => {
  const password = "lantern orchard gravel synonym";
  let email: string;
  let userId: string;

  beforeAll(async () => {
    email = `${unique("target")}@example.test`;
    userId = (await pb.collection("users").create({ email, password, passwordConfirm: password, name: "Target", role: "member", locale: "en", verified: true }))
      .id;
  });

  const guess = (body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/collections/users/auth-with-password`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("answers 40 wrong guesses and the right password alike, with no token: nothing to learn", async () => {
    const answers: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await guess({ identity: email, password: `guess number ${i}` });
      answers.push(`${res.status} ${await res.text()}`);
    }
    const right = await guess({ identity: email, password });
    const rightBody = await right.text();
    expect(right.status).toBe(400);
    expect(rightBody).not.toContain("token");
    expect(new Set([...answers, `${right.status} ${rightBody}`]).size).toBe(1);
  });

  it("refuses e-mail as an identity field outright", async () => {
    const res = await guess({ identity: email, password, identityField: "email" });
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain("token");
  });

  it("gives a guest no token even with the secret sign-in key and the right password", async () => {
    const key = String((await pb.collection("users").getOne(userId)).auth_key);
    expect(key).toMatch(/^[a-zA-Z0-9]{48}$/);
    const res = await guess({ identity: key, password });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain("token");
  });

  it("keeps the sign-in key from everyone but the superuser", async () => {
    const auth = await pb.collection("users").impersonate(userId, 600);
    const own = await fetch(`${url}/api/collections/users/records/${userId}`, { headers: { authorization: auth.authStore.token } });
    expect([403, 404]).toContain(own.status);
    const methods = await fetch(`${url}/api/collections/users/auth-methods`);
    const text = await methods.text();
    expect(text).not.toMatch(/[a-zA-Z0-9]{48}/);
    expect(JSON.parse(text)).toMatchObject({ otp: { enabled: false }, oauth2: { enabled: false } });
  });

  it("leaves the app's own sign-in working, for the right password only", async () => {
    expect(await signIn({ email, password })).toEqual({ ok: true, userId });
    expect(await signIn({ email, password: "guess number 0" })).toEqual({ ok: false, reason: "invalid" });
    expect(await signIn({ email: `${unique("nobody")}@example.test`, password })).toEqual({ ok: false, reason: "invalid" });
    // The shared superuser client is still the superuser afterwards (DESIGN.md §5, invariant 4).
    expect(pb.authStore.record?.collectionName).toBe("_superusers");
  });
});
