// The first administrator, and platform roles given by administrators only.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureAdmin, listAccounts, setPlatformRole } from "../../src/lib/server/admin.ts";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { loadActor } from "../../src/lib/server/users.ts";
import { createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
beforeAll(async () => {
  pb = await useTestPocketBase();
});

describe("platform administration", () => {
  it("admin:create makes a new verified admin, or promotes an existing account", async () => {
    const email = `${unique("first")}@example.test`;
    expect(await ensureAdmin(pb, email, "First Admin", "a one-time password")).toEqual({ created: true });
    expect((await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: email }))).role).toBe("admin");
    const existing = await createUser(pb, { verified: false });
    expect(await ensureAdmin(pb, existing.email.toUpperCase(), "x", "y-y-y-y-y-y")).toEqual({ created: false });
    expect(await pb.collection("users").getOne(existing.id)).toMatchObject({ role: "admin", verified: true });
  });

  it("only administrators set platform roles, never their own", async () => {
    const admin = (await loadActor((await createUser(pb, { role: "admin" })).id))!;
    const moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
    const member = await createUser(pb);
    await expect(setPlatformRole(moderator, member.id, "moderator")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setPlatformRole(admin, admin.id, "member")).rejects.toBeInstanceOf(ForbiddenError);
    // The page says whose role changed: the account's name, or its address when it has none.
    const named = await pb.collection("users").getOne(member.id);
    expect(await setPlatformRole(admin, member.id, "moderator")).toEqual({ name: named.name || named.email, role: "moderator" });
    expect((await pb.collection("users").getOne(member.id)).role).toBe("moderator");
    const nameless = await createUser(pb, { name: "" });
    expect(await setPlatformRole(admin, nameless.id, "admin")).toEqual({ name: nameless.email, role: "admin" });
    expect((await listAccounts(admin, member.email)).map((a) => a.role)).toEqual(["moderator"]);
    await expect(listAccounts(moderator)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
