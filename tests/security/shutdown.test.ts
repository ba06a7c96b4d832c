// Issue 16 §10: stopping the site (SIGTERM, as a service manager or `npm start`'s Ctrl-C does)
// in the middle of a burst of writes loses nothing. A site process of its own, on a PocketBase
// of its own (its outbox workers run, so they must stop cleanly too): an editor saves drafts
// in parallel, SIGTERM arrives when the first answer does. Every draft the site confirmed is in
// PocketBase, nothing it did not confirm is, no request gets a server error, requests sent after
// the signal are refused before anything is written, and the process exits 0 after finishing
// its outbox workers.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../helpers/pocketbase.ts";
import { startSite } from "../helpers/site.ts";
import { Client } from "./scenarios.ts";

let pocket: Awaited<ReturnType<typeof startTestPocketBase>> | undefined;
let site: Awaited<ReturnType<typeof startSite>> | undefined;
let pb: PocketBase;
let dataDir = "";
const email = "shutdown-editor@example.test";
let orgId = "";

beforeAll(async () => {
  pocket = await startTestPocketBase();
  pb = await connectAsSuperuser(pocket.url, TEST_SUPERUSER);
  const user = await pb.collection("users").create({
    email,
    emailVisibility: false,
    name: "Shutdown Editor",
    role: "member",
    locale: "en",
    password: DEMO_PASSWORD,
    passwordConfirm: DEMO_PASSWORD,
    verified: true,
  });
  const org = await pb.collection("organizations").create({
    name: "Shutdown General Hospital",
    slug: "shutdown-general",
    kind: "hospital",
    region: "flanders",
    country: "BE",
    verified: true,
    verification_status: "verified",
  });
  orgId = org.id;
  await pb.collection("memberships").create({ user: user.id, organization: org.id, role: "editor", status: "active" });
  dataDir = mkdtempSync(path.join(os.tmpdir(), "casebook-shutdown-"));
  site = await startSite({
    POCKETBASE_URL: pocket.url,
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: dataDir,
    CASEBOOK_SECRET: "shutdown-test-signing-secret-0123456789abcdef",
    CASEBOOK_DIGESTS: "0",
  });
}, 120_000);

afterAll(async () => {
  await site?.stop();
  await pocket?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function draftFields(title: string): Record<string, string> {
  return {
    kind: "case_study",
    organization: orgId,
    title,
    summary: "We stopped a triage model after the pilot.",
    body_md: "A hospital piloted a triage model in its emergency department and stopped it after the pilot.",
    language: "en",
    intent: "save",
  };
}

type Outcome = { title: string; status?: number; error?: string };

async function save(editor: Client, title: string): Promise<Outcome> {
  try {
    const res = await editor.form("/write?_action=savePost", draftFields(title));
    await res.arrayBuffer();
    return { title, status: res.status };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { title, error: cause?.code ?? cause?.message ?? String(error) };
  }
}

describe("SIGTERM during a burst of writes", () => {
  it("keeps every draft the site confirmed, stores nothing it did not, and exits 0 after its workers", async () => {
    const running = site!;
    const editor = await new Client(running.baseUrl).signIn(email);
    const tag = Date.now().toString(36);
    // The editor's own session works before the burst (a refused sign-in would explain nothing).
    expect((await editor.fetch("/dashboard")).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => running.child.once("exit", (code) => resolve(code)));
    const burst = Array.from({ length: 24 }, (_, i) => save(editor, `Shutdown burst ${tag} ${i}`));
    await Promise.race(burst);
    running.child.kill("SIGTERM");
    // Sent once the signal has been taken: the server is no longer listening.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = Array.from({ length: 4 }, (_, i) => save(new Client(running.baseUrl), `Shutdown late ${tag} ${i}`));
    const outcomes = await Promise.all(burst);
    const lateOutcomes = await Promise.all(late);
    const code = await exited;

    const output = running.output();
    expect(code, output).toBe(0);
    // Drafts in flight when the signal came were finished, not cut off.
    const confirmed = outcomes.filter((o) => o.status === 303);
    expect(confirmed.length, JSON.stringify(outcomes)).toBeGreaterThan(1);
    // Every request either got its answer or never reached the site: no 5xx, no half-written draft.
    for (const o of outcomes) expect(o.status === 303 || (o.status === undefined && o.error), JSON.stringify(o)).toBeTruthy();
    for (const o of lateOutcomes) expect(o.status, `a request after SIGTERM was answered: ${JSON.stringify(o)}`).toBeUndefined();

    const stored = await pb.collection("posts").getFullList({ filter: pb.filter("title ~ {:tag}", { tag }), fields: "title,status" });
    expect(stored.map((r) => r.title).sort()).toEqual(confirmed.map((o) => o.title).sort());
    expect(stored.every((r) => r.status === "draft")).toBe(true);

    // The log tells the operator what was finished: the outbox workers stopped after their batch.
    expect(output).toMatch(/SIGTERM: taking no new requests/);
    expect(output).toMatch(/stopped in [\d.]+ s \(.*search outbox worker.*\)/);
    expect(output).toMatch(/mail outbox worker/);
  }, 120_000);
});
