// Issue 12 §4, untagged content: a call's texts and an organisation's description carry the
// language they are written in (so pages mark them with `lang`), through the real domain
// functions; a language outside the list is refused on its field and changes nothing.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { getPublicCall, saveCall } from "../../src/lib/server/funding.ts";
import { listPendingOrganizations, organizationRequestSchema, requestOrganization } from "../../src/lib/server/orgs.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let moderator: Actor;

beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
});

const request = (name: string, description_language: unknown) => ({
  name,
  kind: "home_care",
  country: "BE",
  region: "wallonia",
  website: "",
  description: "Soins infirmiers à domicile dans les Ardennes.",
  description_language,
});

describe("an organisation's description", () => {
  it("is stored with its language and shown with it to the reviewing moderator", async () => {
    const requester = (await loadActor((await createUser(pb)).id))!;
    const name = `Soins ${unique("x")}`;
    await requestOrganization(requester, organizationRequestSchema.parse(request(name, "fr")));
    const pending = (await listPendingOrganizations(moderator)).find((o) => o.name === name);
    expect(pending?.descriptionLanguage).toBe("fr");
  });

  it("accepts no language (older forms and records) and refuses one outside the list, on its field", () => {
    expect(organizationRequestSchema.parse(request("Zorg", "")).description_language).toBeUndefined();
    expect(organizationRequestSchema.parse(request("Zorg", null)).description_language).toBeUndefined();
    const refused = organizationRequestSchema.safeParse(request("Zorg", "de"));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path).toEqual(["description_language"]);
  });
});

describe("a call's texts", () => {
  it("are stored with their language; a language outside the list changes nothing", async () => {
    const editor = await createUser(pb);
    const funder = await createOrganization(pb, [{ userId: editor.id, role: "editor" }], { kind: "funder", region: "brussels" });
    const actor = (await loadActor(editor.id))!;
    const call = {
      title: `Zorg op afstand ${unique("c")}`,
      description: "Een oproep voor projecten die thuiszorg op afstand ondersteunen.",
      opens_on: "2025-01-01",
      closes_on: "2025-03-31",
      status: "open",
      description_language: "nl",
    };
    const { slug } = await saveCall(actor, funder.id, call);
    const saved = await getPublicCall(slug);
    expect(saved?.descriptionLanguage).toBe("nl");
    const error = await saveCall(actor, funder.id, { ...call, description_language: "de" }, saved!.id).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("description_language");
    expect((await getPublicCall(slug))?.descriptionLanguage).toBe("nl");
  });
});
