// Bulk import: every record validated first, all or nothing, row-level errors; --publish
// goes through moderation with the administrator recorded as moderator.
import { chooseDescriptor, loadCrowd, renderDescriptor } from "../../src/lib/server/anonymity.ts";
import { getConfig } from "../../src/lib/server/config.ts";
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { validateImport, writeImport } from "../../src/lib/server/importer.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

/** The descriptor the crowd of verified organisations allows today (issue 9 §2: never a group smaller than K). */
async function crowdDescriptor(subject: { kind: string; region: string; country?: string | null }): Promise<string> {
  return renderDescriptor("en", chooseDescriptor({ country: null, ...subject }, await loadCrowd(), getConfig().anonymityK).code);
}

let pb: PocketBase;
let org: { id: string; slug: string; name: string };
let editor: { id: string; email: string };
let admin: { id: string; email: string };

beforeAll(async () => {
  pb = await useTestPocketBase();
  editor = await createUser(pb);
  admin = await createUser(pb, { role: "admin" });
  org = await createOrganization(pb, [{ userId: editor.id, role: "editor" }]);
});

const post = (overrides: Record<string, unknown> = {}) => ({
  kind: "case_study",
  organization: org.slug,
  author: editor.email,
  title: `Imported story ${unique("i")}`,
  summary: "An imported case study about predicting readmissions in a general hospital.",
  body_md: "## Context\n\nWe predicted readmissions and learned a lot about our data.",
  language: "en",
  tags: ["readmissions"],
  anonymous: false,
  outcome: "partial",
  care_settings: ["hospital"],
  ai_types: ["predictive_model"],
  lifecycle_stage: "pilot",
  ...overrides,
});

describe("import", () => {
  it("reports every bad record and writes nothing", async () => {
    const good = post();
    const result = await validateImport(pb, [
      good,
      post({ organization: "no-such-org" }),
      post({ outcome: "meh" }),
      post({ body_md: "## Context\n\nPatient 85.07.30-033.28 was readmitted twice in a month." }),
      post({ author: "nobody@example.test" }),
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.index, e.field])).toEqual([
      [1, "organization"],
      [2, "outcome"],
      [3, "body_md"],
      [4, "author"],
    ]);
    const written = await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: good.title }) });
    expect(written.totalItems).toBe(0);
  });

  it("refuses a file that is not an array, and duplicate slugs within the file", async () => {
    expect(await validateImport(pb, { posts: [] })).toMatchObject({ ok: false, errors: [{ index: -1 }] });
    const slug = unique("dup");
    const result = await validateImport(pb, [post({ slug }), post({ slug })]);
    expect(result).toMatchObject({ ok: false, errors: [{ index: 1, field: "slug" }] });
  });

  it("imports into the moderation queue, or publishes with the admin as moderator", async () => {
    const queued = post();
    const published = post({ anonymous: true });
    const a = await validateImport(pb, [queued]);
    const b = await validateImport(pb, [published]);
    if (!a.ok || !b.ok) throw new Error("expected valid records");
    await writeImport(pb, a.rows);
    await expect(writeImport(pb, b.rows, { publishAs: { id: editor.id, role: "member" } })).rejects.toThrow(/administrator/);
    await writeImport(pb, b.rows, { publishAs: { id: admin.id, role: "admin" } });
    const q = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: queued.title }));
    expect(q.status).toBe("submitted");
    const p = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: published.title }));
    expect(p.status).toBe("published");
    expect(renderDescriptor("en", p.public_descriptor)).toBe(await crowdDescriptor({ kind: "hospital", region: "flanders" }));
    const events = await pb.collection("moderation_events").getFullList({ filter: pb.filter("post = {:p}", { p: p.id }), sort: "created" });
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ["import", editor.id],
      ["claim", admin.id],
      ["approve", admin.id],
    ]);
    const outbox = await pb.collection("search_outbox").getList(1, 1, { filter: pb.filter("record = {:r}", { r: p.id }) });
    expect(outbox.totalItems).toBe(1);
  });
});

describe("import of governance and data facts (issue 17 §5)", () => {
  it("stores a case study's facts as given, and names the field of a bad one", async () => {
    const facts = {
      dpo_involvement: "before_pilot",
      human_oversight: "sampled",
      data_location: "vendor_cloud_eu",
      changed_roles: ["administrative"],
      training_hours: 3,
      cost_yearly_eur: 12000,
      payback_months: 18,
      staff_view: "The secretaries liked the drafts.",
    };
    const good = post(facts);
    const refused = await validateImport(pb, [good, post({ ...facts, data_location: "cloud" }), post({ ...facts, payback_months: -1 })]);
    expect(refused).toMatchObject({
      ok: false,
      errors: [
        { index: 1, field: "data_location" },
        { index: 2, field: "payback_months" },
      ],
    });
    const result = await validateImport(pb, [good]);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    await writeImport(pb, result.rows);
    const stored = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: good.title }));
    expect([
      stored.dpo_involvement,
      stored.human_oversight,
      stored.data_location,
      stored.changed_roles,
      stored.training_hours,
      stored.cost_yearly_eur,
      stored.payback_months,
      stored.staff_view,
      stored.dpo_involved,
    ]).toEqual(["before_pilot", "sampled", "vendor_cloud_eu", ["administrative"], 3, 12000, 18, "The secretaries liked the drafts.", true]);
  });
});
