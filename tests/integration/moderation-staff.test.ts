// Who is told that moderation work waits (issue 13 §1): the platform's moderators — and on a platform that has
// none yet (a fresh install run by its first administrator), its administrators, so that a post in the queue or
// a patient-data report reaches someone. This file has its own PocketBase: the shared one has moderators.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { type Actor, loadActor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useOwnPocketBase } from "./setup.ts";

let pb: PocketBase;
let stop: () => Promise<void>;
let editor: Actor;
let orgId: string;

beforeAll(async () => {
  const own = await useOwnPocketBase();
  pb = own.pb;
  stop = own.stop;
  const author = await createUser(pb);
  orgId = (await createOrganization(pb, [{ userId: author.id, role: "editor" }])).id;
  editor = (await loadActor(author.id))!;
}, 60_000);

afterAll(async () => {
  await stop();
});

async function submitted(): Promise<string> {
  const title = `Bed-occupancy forecast ${unique("q")}`;
  const { id } = await saveDraft(editor, {
    kind: "case_study",
    organization: orgId,
    title,
    summary: "A bed-occupancy forecast we ran for a winter, and why we kept it.",
    body_md: "## Context\n\nA forecast of bed occupancy for the winter.\n\n## What happened\n\nPlanners used it every morning.",
    language: "en",
    outcome: "success",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "production",
  });
  await submitPost(editor, id);
  return title;
}

const queueNotices = async (user: string, title: string) =>
  (await pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u} && kind = 'post_in_queue'", { u: user }) })).filter(
    (n) => n.params.title === title,
  );

describe("who is told of moderation work", () => {
  it("the administrators while the platform has no moderator; its moderators, and only them, once it has one", async () => {
    const admin = await createUser(pb, { role: "admin" });
    const unverifiedAdmin = await createUser(pb, { role: "admin", verified: false });
    const first = await submitted();
    expect(await queueNotices(admin.id, first)).toHaveLength(1);
    expect(await queueNotices(unverifiedAdmin.id, first)).toHaveLength(0);

    const moderator = await createUser(pb, { role: "moderator" });
    const second = await submitted();
    expect(await queueNotices(moderator.id, second)).toHaveLength(1);
    expect(await queueNotices(admin.id, second)).toHaveLength(0);
  });
});
