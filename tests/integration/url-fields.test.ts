// URL fields are http(s) only in the domain and in PocketBase itself (issue 9 §5): a
// script URL can reach an `href` neither through a form nor through a direct write.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { saveCall } from "../../src/lib/server/funding.ts";
import { requestOrganization } from "../../src/lib/server/orgs.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { HOSTILE_URLS } from "../fixtures/hostile-urls.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let editor: Actor;
let funderId: string;

beforeAll(async () => {
  pb = await useTestPocketBase();
  const user = await createUser(pb);
  funderId = (await createOrganization(pb, [{ userId: user.id, role: "editor" }], { kind: "funder" })).id;
  editor = (await loadActor(user.id))!;
});

const call = (url: string) => ({
  title: "AI in home care 2026",
  description: "Pilots of AI in home care, with evaluation.",
  status: "open",
  currency: "EUR",
  url,
});

describe("the domain refuses script URLs and stores nothing", () => {
  it.each(HOSTILE_URLS)("funding call url %j", async (url) => {
    const before = (await pb.collection("funding_calls").getList(1, 1, { filter: pb.filter("funder = {:f}", { f: funderId }) })).totalItems;
    await expect(saveCall(editor, funderId, call(url))).rejects.toMatchObject({ field: "url", message: "Enter the full address, starting with https://" });
    expect((await pb.collection("funding_calls").getList(1, 1, { filter: pb.filter("funder = {:f}", { f: funderId }) })).totalItems).toBe(before);
  });

  it.each(HOSTILE_URLS)("organisation website %j", async (url) => {
    const { organizationRequestSchema } = await import("../../src/lib/server/orgs.ts");
    const parsed = organizationRequestSchema.safeParse({ name: "Hostile Hospital", kind: "hospital", region: "flanders", website: url });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path[0])).toContain("website");
  });

  it("keeps a good URL", async () => {
    const { slug } = await saveCall(editor, funderId, call("https://fund.example.be/calls/2026"));
    expect((await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:slug}", { slug }))).url).toBe("https://fund.example.be/calls/2026");
    const requester = (await loadActor((await createUser(pb)).id))!;
    const org = await requestOrganization(requester, {
      name: "Good Website Hospital",
      kind: "hospital",
      country: "BE",
      region: "wallonia",
      website: "https://hopital.example.be",
      description: "",
    });
    expect((await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: org.slug }))).website).toBe("https://hopital.example.be");
  });
});

describe("PocketBase's own fields refuse script URLs (a write that bypasses the domain)", () => {
  it.each(HOSTILE_URLS)("funding_calls.url %j", async (url) => {
    await expect(
      pb.collection("funding_calls").create({ funder: funderId, slug: `c-${Math.random().toString(36).slice(2, 10)}`, title: "Direct", status: "open", url }),
    ).rejects.toMatchObject({ status: 400 });
  });
  it.each(HOSTILE_URLS)("organizations.website %j", async (url) => {
    await expect(
      pb
        .collection("organizations")
        .create({ name: "Direct", slug: `o-${Math.random().toString(36).slice(2, 10)}`, kind: "hospital", region: "flanders", website: url }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
