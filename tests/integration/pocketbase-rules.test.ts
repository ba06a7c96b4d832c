// Nobody but the app's superuser can read or write anything through PocketBase's REST
// API: every collection rule is superuser-only (DESIGN.md §1).
import { beforeAll, describe, expect, inject, it } from "vitest";
import type PocketBase from "pocketbase";
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
];

let pb: PocketBase;
let url: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  pb = await useTestPocketBase();
  url = inject("pocketbaseUrl");
  // Real records exist in the collections an attacker would most like to read.
  const user = await pb.collection("users").create({ email: `${unique("u")}@example.test`, password: "correct horse battery", passwordConfirm: "correct horse battery", name: "Secret Person", role: "member", locale: "en" });
  const org = await pb.collection("organizations").create({ name: "Hidden Hospital", slug: unique("org"), kind: "hospital", region: "flanders", verified: true });
  const post = await pb.collection("posts").create({ kind: "case_study", slug: unique("post"), title: "Draft about Hidden Hospital", language: "en", status: "draft", organization: org.id, author: user.id, anonymous: true });
  ids.users = user.id;
  ids.organizations = org.id;
  ids.posts = post.id;
  ids.sessions = (await pb.collection("sessions").create({ secret_hash: "x".repeat(64), user: user.id, expires_at: new Date(Date.now() + 86400000).toISOString() })).id;
});

describe("PocketBase REST API without credentials", () => {
  it.each(COLLECTIONS)("lists nothing from %s", async (name) => {
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
      body: JSON.stringify({ title: "injected", name: "injected", email: "attacker@example.test", password: "attacker-password-1", passwordConfirm: "attacker-password-1" }),
    });
    expect(res.status).toBe(403);
  });

  it("does not list the collections or their schema", async () => {
    const res = await fetch(`${url}/api/collections`);
    expect([401, 403]).toContain(res.status);
  });

  it("cannot update or delete a post", async () => {
    const patch = await fetch(`${url}/api/collections/posts/records/${ids.posts}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ status: "published" }) });
    expect([403, 404]).toContain(patch.status);
    const del = await fetch(`${url}/api/collections/posts/records/${ids.posts}`, { method: "DELETE" });
    expect([403, 404]).toContain(del.status);
    const still = await pb.collection("posts").getOne(ids.posts!);
    expect(still.status).toBe("draft");
  });

  it("a signed-in PocketBase user still reads nothing (the app, not PocketBase, decides access)", async () => {
    const email = `${unique("reader")}@example.test`;
    await pb.collection("users").create({ email, password: "correct horse battery", passwordConfirm: "correct horse battery", name: "Reader", role: "member", locale: "en" });
    const auth = await fetch(`${url}/api/collections/users/auth-with-password`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ identity: email, password: "correct horse battery" }) });
    expect(auth.status).toBe(200);
    const { token } = (await auth.json()) as { token: string };
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
