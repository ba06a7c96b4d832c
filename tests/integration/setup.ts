// Points the domain modules at the run's PocketBase, as a superuser.
import { expect, inject } from "vitest";
import { ValidationError } from "../../src/lib/server/errors.ts";
import type PocketBase from "pocketbase";
import { connectAsSuperuser, setPocketBase } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../helpers/pocketbase.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { type Actor, loadActor } from "../../src/lib/server/users.ts";

/** Connects to the test PocketBase and makes it the app's shared client. */
export async function useTestPocketBase(): Promise<PocketBase> {
  const url = inject("pocketbaseUrl");
  process.env.POCKETBASE_URL = url;
  process.env.PB_SUPERUSER_EMAIL = TEST_SUPERUSER.email;
  process.env.PB_SUPERUSER_PASSWORD = TEST_SUPERUSER.password;
  process.env.CASEBOOK_SECRET ??= "integration-test-signing-secret-0123456789";
  // The run's own folder (removed by the global teardown), never a DATA_DIR from the environment.
  process.env.DATA_DIR = inject("dataDir");
  process.env.PUBLIC_URL ??= "http://127.0.0.1:4321";
  const pb = await connectAsSuperuser(url, TEST_SUPERUSER);
  setPocketBase(pb);
  return pb;
}

/**
 * Starts a PocketBase of this file's own (migrations applied, nothing else) and makes it the app's
 * client: for tests that drain a whole outbox or count rows, which on the run's shared PocketBase
 * would also meet every earlier file's rows (issue 10 §6). `stop` in afterAll.
 */
export async function useOwnPocketBase(): Promise<{ pb: PocketBase; stop: () => Promise<void> }> {
  const own = await startTestPocketBase();
  process.env.POCKETBASE_URL = own.url;
  process.env.PB_SUPERUSER_EMAIL = TEST_SUPERUSER.email;
  process.env.PB_SUPERUSER_PASSWORD = TEST_SUPERUSER.password;
  process.env.CASEBOOK_SECRET ??= "integration-test-signing-secret-0123456789";
  process.env.DATA_DIR = inject("dataDir");
  process.env.PUBLIC_URL ??= "http://127.0.0.1:4321";
  const pb = await connectAsSuperuser(own.url, TEST_SUPERUSER);
  setPocketBase(pb);
  return {
    pb,
    stop: async () => {
      await own.stop();
    },
  };
}

/** A short unique suffix so each test creates its own data. */
export function unique(prefix = "t"): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Creates a verified user directly in PocketBase (for tests that start signed up). */
export async function createUser(pb: PocketBase, overrides: Record<string, unknown> = {}): Promise<{ id: string; email: string; password: string }> {
  const email = `${unique("user")}@example.test`;
  const password = "a perfectly long passphrase 42";
  const record = await pb
    .collection("users")
    .create({ email, password, passwordConfirm: password, name: "Test Person", role: "member", locale: "en", verified: true, ...overrides });
  return { id: record.id, email: String(record.email), password };
}

/** Creates a verified organisation and gives the listed users active memberships. */
export async function createOrganization(
  pb: PocketBase,
  members: { userId: string; role: string }[] = [],
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; slug: string; name: string }> {
  const slug = unique("org");
  const name = `Org ${slug}`;
  const org = await pb
    .collection("organizations")
    .create({ name, slug, kind: "hospital", region: "flanders", country: "BE", verified: true, verification_status: "verified", ...overrides });
  for (const m of members) await pb.collection("memberships").create({ user: m.userId, organization: org.id, role: m.role, status: "active" });
  return { id: org.id, slug: org.slug, name: org.name };
}

async function loadActorOrFail(id: string): Promise<Actor> {
  const actor = await loadActor(id);
  if (!actor) throw new Error(`no account ${id}`);
  return actor;
}

/** A case study published through the domain (draft, submit, claim, approve by `moderator`), with its organisation's name. */
export async function publishedCaseStudy(
  pb: PocketBase,
  moderator: Actor,
  title = `Flag target ${unique("t")}`,
): Promise<{ id: string; slug: string; orgName: string; title: string }> {
  const editor = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: editor.id, role: "editor" }]);
  const id = await publishAs(moderator, editor.id, org.id, title);
  const { slug } = await pb.collection("posts").getOne(id, { fields: "slug" });
  return { id, slug, orgName: org.name, title };
}

/** A reader whose flags count as trusted: the author of a published post of a verified organisation. */
export async function trustedReaderActor(pb: PocketBase, moderator: Actor, name = "Trusted Reader"): Promise<Actor> {
  const user = await createUser(pb, { name });
  const org = await createOrganization(pb, [{ userId: user.id, role: "editor" }]);
  await publishAs(moderator, user.id, org.id, `Reader's own ${unique("t")}`);
  return loadActorOrFail(user.id);
}

// A failure case study written by an editor of `organizationId` and approved by `moderator`; its id.
async function publishAs(moderator: Actor, editorId: string, organizationId: string, title: string): Promise<string> {
  const editor = await loadActorOrFail(editorId);
  const { id } = await saveDraft(editor, {
    kind: "case_study",
    organization: organizationId,
    title,
    summary: "A triage model we stopped after a pilot in the emergency department.",
    body_md:
      "## Context\n\nA triage model in the emergency department, piloted for six months.\n\n## What happened\n\nNurses did not trust its scores and stopped using it.",
    language: "en",
    tags: "triage",
    anonymous: false,
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "stopped",
    lessons_md: "- Involve the nurses first.",
  });
  await submitPost(editor, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  return id;
}

/** The message a rejected promise carries, checked to be of the given error class (a ValidationError unless told). */
export async function refusal(promise: Promise<unknown>, kind: new (...args: never[]) => Error = ValidationError): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  return (error as Error).message;
}

/** A unique lower-case title whose words break exactly after `length - 1` characters: its address, cut at `length`, would end on a hyphen. */
export function titleBreakingAt(length: number): { title: string; slug: string } {
  const head = `${unique("t")} continuous glucose monitoring with alerts for the night shift in home care and hospitals`.slice(0, length - 1).trimEnd();
  const padded = `${head}${"s".repeat(length - 1 - head.length)}`;
  return { title: `${padded} and what the nurses made of it`, slug: padded.replaceAll(" ", "-") };
}

/** The field and message a rejected promise's ValidationError carries: where the form shows it, and what it says. */
export async function refusalIn(promise: Promise<unknown>): Promise<{ field: string; message: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return { field: (error as ValidationError).field, message: (error as ValidationError).message };
}
