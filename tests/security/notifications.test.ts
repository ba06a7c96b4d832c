// Issue 13 as an attacker meets it on the running site: another member's notices cannot be
// read or marked, mail preferences are one's own, a forged or misused unsubscribe link
// changes nothing, and the notice actions refuse cross-site posts (only the one-click
// unsubscribe URL takes a POST without Origin, and it needs a valid signed token).
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { Client, baseUrl } from "./scenarios.ts";

let pb: PocketBase;
let n = 0;
const tag = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

beforeAll(async () => {
  pb = await connectAsSuperuser(inject("pocketbaseUrl"), TEST_SUPERUSER);
});

async function account(name: string): Promise<{ id: string; email: string; client: () => Promise<Client> }> {
  const email = `n13-${tag()}@example.test`;
  const user = await pb.collection("users").create({
    email,
    emailVisibility: false,
    name,
    role: "member",
    locale: "en",
    password: DEMO_PASSWORD,
    passwordConfirm: DEMO_PASSWORD,
    verified: true,
  });
  return { id: user.id, email, client: () => new Client().signIn(email) };
}

/** A victim (admin of an organisation) with one unread notice: the attacker's own join request. */
async function victimWithNotice() {
  const victim = await account("Victor Victim");
  const attacker = await account("Mallory Attacker");
  const slug = `n13-org-${tag()}`;
  const org = await pb
    .collection("organizations")
    .create({ name: `Notice Probe ${slug}`, slug, kind: "hospital", region: "flanders", country: "BE", verified: true, verification_status: "verified" });
  await pb.collection("memberships").create({ user: victim.id, organization: org.id, role: "admin", status: "active" });
  const mallory = await attacker.client();
  expect((await mallory.form(`/organizations/${slug}?_action=requestToJoin`, { organizationId: org.id, message: "secret-ish words" })).status).toBeLessThan(
    400,
  );
  const notice = await pb.collection("notifications").getFirstListItem(pb.filter("user = {:u}", { u: victim.id }));
  return { victim, attacker, mallory, notice };
}

describe("notices and mail preferences are their owner's only", () => {
  it("another member cannot mark a notice read, nor see it on their page; a visitor is sent to sign in", async () => {
    const { mallory, notice } = await victimWithNotice();
    const res = await mallory.form("/notifications?_action=markNotificationRead", { notificationId: notice.id });
    expect(res.status).toBe(400);
    expect((await pb.collection("notifications").getOne(notice.id)).read_at).toBe("");
    const page = await (await mallory.fetch("/notifications")).text();
    expect(page).not.toContain("Mallory Attacker asks to join");
    const visitor = await new Client().fetch("/notifications");
    expect(visitor.status).toBe(303);
    expect(visitor.headers.get("location")).toMatch(/\/signin\?next=/);
    // Signed out, the action is refused and the page sends the visitor to sign in.
    const anonymous = await new Client().form("/notifications?_action=markAllNotificationsRead", {});
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toMatch(/\/signin\?next=/);
    expect((await pb.collection("notifications").getOne(notice.id)).read_at).toBe("");
  });

  it("the notice actions refuse a cross-site post", async () => {
    const { victim, notice } = await victimWithNotice();
    const client = await victim.client();
    const res = await client.form("/notifications?_action=markAllNotificationsRead", {}, { headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    const prefs = await client.form(
      "/account/notifications?_action=saveMailPreferences",
      { cadence: "immediate" },
      { headers: { origin: "https://evil.example" } },
    );
    expect(prefs.status).toBe(403);
    expect((await pb.collection("notifications").getOne(notice.id)).read_at).toBe("");
    expect(await pb.collection("mail_preferences").getList(1, 1, { filter: pb.filter("user = {:u}", { u: victim.id }) })).toMatchObject({ totalItems: 0 });
  });

  it("saving preferences changes only one's own; a signed-out post changes nothing", async () => {
    const { victim, mallory, attacker } = await victimWithNotice();
    const signedOut = await new Client().form("/account/notifications?_action=saveMailPreferences", { cadence: "hourly" });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("location")).toMatch(/\/signin\?next=/);
    expect((await mallory.form("/account/notifications?_action=saveMailPreferences", { cadence: "immediate", userId: victim.id })).status).toBe(200);
    const rows = await pb.collection("mail_preferences").getFullList({ filter: pb.filter("user = {:v} || user = {:a}", { v: victim.id, a: attacker.id }) });
    expect(rows.map((r) => r.user)).toEqual([attacker.id]);
  });

  it("a forged, mismatched or absent unsubscribe token changes nothing, with or without Origin", async () => {
    const { victim } = await victimWithNotice();
    const forged = `${victim.id}.zzzzzz.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    for (const query of [`c=organisation&t=${forged}`, `c=organisation`, `c=everything&t=${forged}`]) {
      const res = await fetch(`${baseUrl()}/unsubscribe?${query}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
      expect(res.status, query).toBe(400);
    }
    expect(await pb.collection("mail_preferences").getList(1, 1, { filter: pb.filter("user = {:u}", { u: victim.id }) })).toMatchObject({ totalItems: 0 });
    // The page is never cached (its URL carries a personal token).
    const page = await fetch(`${baseUrl()}/unsubscribe?c=organisation&t=${forged}`);
    expect(page.headers.get("cache-control")).toBe("private, no-store");
  });
});
