// Funding calls through the domain (issue 10 §7, survivors of the mutation run over funding.ts): what readers see of
// a call with every field and with none of the optional ones, drafts kept to the funder's editors, and the exact
// message of each refusal. Each test makes its own funder.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { say } from "../../src/i18n/domain.ts";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { getPublicCall, listFunderCalls, listPublicCalls, saveCall } from "../../src/lib/server/funding.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, refusalIn, titleBreakingAt, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
beforeAll(async () => {
  pb = await useTestPocketBase();
});

/** A verified funder with one editor. */
async function funder(): Promise<{ id: string; slug: string; name: string; editor: Actor }> {
  const user = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: user.id, role: "editor" }], { kind: "funder", name: `Fonds ${unique("f")}` });
  return { ...org, editor: (await loadActor(user.id))! };
}

const minimal = (title: string, status = "open") => ({ title, description: "Grants for AI pilots in home care, 2027 round.", status });

describe("a funding call as readers see it", () => {
  it("carries every field the funder gave, and its funder", async () => {
    const f = await funder();
    const title = `Complete call ${unique("c")}`;
    const { slug } = await saveCall(f.editor, f.id, {
      ...minimal(title),
      programme: "Care 2030",
      eligibility: "Home-care operators in Belgium.",
      description_language: "fr",
      budget: "1 500 000",
      currency: "chf",
      opens_on: "2027-01-01",
      closes_on: "2099-12-31",
      url: "https://fund.example/call",
    });
    const call = await getPublicCall(slug);
    expect(call).toMatchObject({
      slug,
      title,
      programme: "Care 2030",
      eligibility: "Home-care operators in Belgium.",
      descriptionLanguage: "fr",
      budget: 1_500_000,
      currency: "CHF",
      url: "https://fund.example/call",
      status: "open",
      funder: { id: f.id, slug: f.slug, name: f.name },
    });
    expect(call!.opensOn).toMatch(/^2027-01-01/);
    expect(call!.closesOn).toMatch(/^2099-12-31/);
    expect((await listPublicCalls()).find((c) => c.slug === slug)).toEqual(call);
  });

  it("has no empty strings where the funder left a field out", async () => {
    const f = await funder();
    const { slug } = await saveCall(f.editor, f.id, minimal(`Bare call ${unique("c")}`));
    expect(await getPublicCall(slug)).toMatchObject({
      programme: null,
      eligibility: "",
      descriptionLanguage: null,
      budget: null,
      currency: "EUR",
      opensOn: null,
      closesOn: null,
      url: null,
      status: "open",
    });
  });

  it("a draft is the funder's editors' alone; an unknown or malformed address finds nothing", async () => {
    const f = await funder();
    const { slug } = await saveCall(f.editor, f.id, minimal(`Draft call ${unique("c")}`, "draft"));
    expect(await getPublicCall(slug)).toBeNull();
    expect((await listPublicCalls()).map((c) => c.slug)).not.toContain(slug);
    expect((await listFunderCalls(f.editor, f.id)).map((c) => [c.slug, c.status])).toEqual([[slug, "draft"]]);
    const outsider = (await loadActor((await createUser(pb)).id))!;
    await expect(listFunderCalls(outsider, f.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await getPublicCall(unique("no-such-call"))).toBeNull();
  });

  it("the same title twice gives two addresses", async () => {
    const f = await funder();
    const title = `Twice ${unique("c")}`;
    const a = await saveCall(f.editor, f.id, minimal(title));
    const b = await saveCall(f.editor, f.id, minimal(title));
    expect(b.slug).not.toBe(a.slug);
    expect(b.slug.startsWith(`${a.slug}-`)).toBe(true);
    expect((await getPublicCall(b.slug))?.title).toBe(title);
  });

  it("a long title whose words break where the address is cut gives an address without a trailing hyphen", async () => {
    const f = await funder();
    const { title, slug } = titleBreakingAt(90);
    expect((await saveCall(f.editor, f.id, minimal(title))).slug).toBe(slug);
  });
});

describe("refusals when saving a call", () => {
  it("say which field is wrong and why, and write nothing", async () => {
    const f = await funder();
    const error = await saveCall(f.editor, f.id, { ...minimal("short"), title: "short" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: "title", message: say("domain.post.title") });
    expect(await listFunderCalls(f.editor, f.id)).toEqual([]);
  });

  it("an unknown organisation is named as such; another funder's call is not editable", async () => {
    const f = await funder();
    expect(await refusalIn(saveCall(f.editor, "nosuchorg000000", minimal(`Nowhere ${unique("c")}`)))).toEqual({
      field: "organization",
      message: say("domain.funding.unknown_org"),
    });
    const other = await funder();
    const { slug } = await saveCall(other.editor, other.id, minimal(`Theirs ${unique("c")}`));
    const theirs = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    expect(await refusalIn(saveCall(f.editor, f.id, minimal("Taken over call title"), theirs.id))).toEqual({
      field: "call",
      message: say("domain.funding.call_other_funder"),
    });
    expect((await getPublicCall(slug))?.title).toBe(theirs.title);
  });
});
