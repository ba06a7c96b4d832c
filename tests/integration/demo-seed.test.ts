// The demo world of issue 14 §7, loaded into a PocketBase of its own (the demo's verified
// organisations would change the crowd, and so the descriptors, of the shared run's tests):
// two public discussions with replies (one answered, one pseudonymous reply), an upcoming round
// table with its preparation thread, a past one with a published summary naming only the
// organisations that consented; a second seed creates nothing. And the governance and data facts
// of the demo case studies (issue 17 §5), stored as written and split into comparable groups.
import { readFileSync } from "node:fs";
import type PocketBase from "pocketbase";
import type { RecordModel } from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../scripts/lib/seed.ts";
import { CASE_FACT_FIELDS } from "../../src/lib/codelists.ts";
import { connectAsSuperuser, setPocketBase } from "../../src/lib/server/pocketbase.ts";
import { listReplies } from "../../src/lib/server/discussions/replies.ts";
import { toPublicPost } from "../../src/lib/server/posts.ts";
import { summaryContext } from "../../src/lib/server/roundtables/summaries.ts";
import { loadSearchDocument } from "../../src/lib/server/search/documents.ts";
import { startTestPocketBase, TEST_SUPERUSER } from "../helpers/pocketbase.ts";

const COLLECTIONS = [
  "posts",
  "replies",
  "round_tables",
  "round_table_sessions",
  "round_table_participants",
  "preparation_messages",
  "moderation_events",
  "search_outbox",
];

let pb: PocketBase;
let stop: () => Promise<void>;

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of COLLECTIONS) out[c] = (await pb.collection(c).getList(1, 1, { fields: "id" })).totalItems;
  return out;
}

async function post(slug: string): Promise<RecordModel> {
  return pb.collection("posts").getFirstListItem(pb.filter("slug = {:slug}", { slug }), { expand: "organization,author,about" });
}

async function replies(postId: string): Promise<RecordModel[]> {
  return pb.collection("replies").getFullList({ filter: pb.filter("post = {:p}", { p: postId }), sort: "published_at", expand: "organization" });
}

async function table(slug: string): Promise<RecordModel> {
  return pb.collection("round_tables").getFirstListItem(pb.filter("slug = {:slug}", { slug }), { expand: "host" });
}

async function participants(tableId: string): Promise<Map<string, RecordModel>> {
  const rows = await pb.collection("round_table_participants").getFullList({ filter: pb.filter("round_table = {:t}", { t: tableId }), expand: "organization" });
  return new Map(rows.map((r) => [String(r.expand?.organization?.slug), r]));
}

beforeAll(async () => {
  process.env.PUBLIC_URL ??= "http://127.0.0.1:4321";
  const own = await startTestPocketBase();
  stop = own.stop;
  pb = await connectAsSuperuser(own.url, TEST_SUPERUSER);
  setPocketBase(pb);
  await seedDemo(pb);
}, 120_000);

afterAll(async () => {
  await stop?.();
});

describe("demo content of discussions and round tables", () => {
  it("a second seed creates nothing", async () => {
    const before = await counts();
    const again = await seedDemo(pb);
    expect(again.created).toBe(false);
    expect(await counts()).toEqual(before);
    expect(before.replies).toBeGreaterThanOrEqual(7);
  });

  it("loads two published discussions with published replies: one about a case study, one answered, one in French", async () => {
    const discussions = await pb.collection("posts").getFullList({ filter: "kind = 'discussion' && status = 'published'", sort: "slug" });
    expect(discussions.map((d) => d.slug)).toEqual(["how-do-you-involve-your-dpo-in-ai-pilots", "mesurer-le-temps-gagne-par-un-outil-ia"]);

    const dpo = await post("how-do-you-involve-your-dpo-in-ai-pilots");
    expect(dpo.expand?.about?.map((a: RecordModel) => [a.slug, a.kind, a.status])).toEqual([["chatbot-familie-woonzorgcentrum", "case_study", "published"]]);
    const dpoReplies = await replies(dpo.id);
    expect(dpoReplies.length).toBe(3);
    expect(new Set(dpoReplies.map((r) => r.organization)).size).toBe(3);
    expect(dpoReplies.every((r) => r.status === "published" && r.body_html.includes("<p>"))).toBe(true);
    // A reply quotes an earlier one of the same thread.
    const quoting = dpoReplies.find((r) => r.in_reply_to);
    expect(dpoReplies.find((r) => r.id === quoting?.in_reply_to)?.post).toBe(dpo.id);

    const french = await post("mesurer-le-temps-gagne-par-un-outil-ia");
    expect(french.language).toBe("fr");
    const frenchReplies = await replies(french.id);
    const answer = frenchReplies.find((r) => r.id === french.accepted_reply);
    expect(answer?.language).toBe("nl");
    expect(answer?.expand?.organization?.slug).not.toBe(french.expand?.organization?.slug);
    // Each reply has its moderation event, and each thread one search outbox row.
    for (const reply of [...dpoReplies, ...frenchReplies]) {
      const events = await pb.collection("moderation_events").getFullList({ filter: pb.filter("reply = {:r}", { r: reply.id }) });
      expect(events.map((e) => [e.action, e.to_status, e.post])).toEqual([["demo_import", "published", reply.post]]);
    }
    for (const d of [dpo, french]) {
      expect((await pb.collection("search_outbox").getFullList({ filter: pb.filter("record = {:r}", { r: d.id }) })).length).toBe(1);
    }
  });

  it("the pseudonymous reply carries a descriptor, and its organisation is named nowhere else in its thread", async () => {
    const dpo = await post("how-do-you-involve-your-dpo-in-ai-pilots");
    const anonymous = (await replies(dpo.id)).filter((r) => r.anonymous);
    expect(anonymous.length).toBe(1);
    const reply = anonymous[0]!;
    expect(reply.public_descriptor).toMatch(/^[a-z_]+(@[rc]:[A-Za-z_]+)?$/);
    const org = reply.expand?.organization as RecordModel;
    // Nothing public in the thread names it: the question, what it is about, the other replies' authors, its own words.
    const publicText = JSON.stringify([
      toPublicPost("en", dpo),
      (await replies(dpo.id)).filter((r) => !r.anonymous).map((r) => [r.expand?.organization?.name, r.body_md]),
      reply.body_md,
      reply.public_descriptor,
      await loadSearchDocument(dpo.id),
      ...(await Promise.all((["en", "fr", "nl"] as const).map((locale) => listReplies(locale, dpo, null)))),
    ]);
    const thread = await listReplies("en", dpo, null);
    expect(thread.replies.filter((r) => r.anonymous).map((r) => [r.byline, r.organizationSlug])).toEqual([["an organisation in Belgium", null]]);
    expect(publicText).not.toContain(org.name);
    expect(publicText).not.toContain("Heidebloem");
  });

  it("loads an upcoming round table hosted by the vendor, in Brussels time, with participants and a private preparation thread", async () => {
    const upcoming = await table("rondetafel-wanneer-stoppen-we-een-ai-pilot");
    expect([upcoming.status, upcoming.expand?.host?.slug]).toEqual(["open", "klaroog-analytics"]);
    const sessions = await pb
      .collection("round_table_sessions")
      .getFullList({ filter: pb.filter("round_table = {:t}", { t: upcoming.id }), sort: "starts_at" });
    expect(sessions.length).toBe(2);
    for (const s of sessions) {
      expect(s.time_zone).toBe("Europe/Brussels");
      expect(Date.parse(s.starts_at.replace(" ", "T"))).toBeGreaterThan(Date.now());
      expect(Date.parse(s.ends_at.replace(" ", "T"))).toBeGreaterThan(Date.parse(s.starts_at.replace(" ", "T")));
    }
    // 14:00 in Brussels is 13:00 UTC in winter, 12:00 in summer.
    const hour = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Brussels", hour: "2-digit", minute: "2-digit" }).format(
      new Date(sessions[0]!.starts_at.replace(" ", "T")),
    );
    expect(hour).toBe("14:00");
    const rows = await participants(upcoming.id);
    expect([...rows].map(([slug, r]) => [slug, r.status]).sort()).toEqual([
      ["az-heidebloem", "accepted"],
      ["meridian-care-fund", "declined"],
      ["residences-linde-tilleul", "invited"],
      ["soins-val-de-meuse", "accepted"],
    ]);
    expect(rows.get("az-heidebloem")?.attendees.length).toBe(2);
    const messages = await pb
      .collection("preparation_messages")
      .getFullList({ filter: pb.filter("round_table = {:t}", { t: upcoming.id }), expand: "organization" });
    expect(messages.length).toBe(3);
    // Only the host and accepting organisations speak in it.
    for (const m of messages) expect(["klaroog-analytics", "az-heidebloem", "soins-val-de-meuse"]).toContain(m.expand?.organization?.slug);
    // Never indexed: no search outbox row points at a preparation message or a round table.
    const ids = [upcoming.id, ...messages.map((m) => m.id)];
    for (const id of ids) expect((await pb.collection("search_outbox").getFullList({ filter: pb.filter("record = {:r}", { r: id }) })).length).toBe(0);
  });

  it("loads a past round table whose published summary names the two consenting organisations and never the one that refused", async () => {
    const past = await table("round-table-sharing-ai-failures-in-care");
    expect(past.status).toBe("summarised");
    const rows = await participants(past.id);
    expect([...rows].map(([slug, r]) => [slug, r.status, r.named_in_summary]).sort()).toEqual([
      ["az-heidebloem", "accepted", "granted"],
      ["residences-linde-tilleul", "accepted", "refused"],
      ["soins-val-de-meuse", "accepted", "granted"],
    ]);
    const summary = await pb.collection("posts").getFirstListItem(pb.filter("round_table = {:t} && kind = 'round_table_summary'", { t: past.id }));
    expect([summary.status, summary.organization, summary.anonymous]).toEqual(["published", past.host, false]);
    const refused = rows.get("residences-linde-tilleul")?.expand?.organization as RecordModel;
    const named = ["az-heidebloem", "soins-val-de-meuse"].map((s) => String(rows.get(s)?.expand?.organization?.name));
    const text = [summary.title, summary.summary, summary.body_md, summary.body_html].join("\n");
    for (const name of named) expect(text).toContain(name);
    // Neither its name nor a distinctive part of it, in the text or the search document.
    const document = JSON.stringify(await loadSearchDocument(summary.id));
    expect(document).toContain(summary.slug);
    for (const word of [refused.name, "Linde", "Tilleul", "Woonzorggroep"]) {
      expect(text).not.toContain(word);
      expect(document).not.toContain(word);
    }
    // The summary page's participants, in each language: the two by name, the third by its descriptor.
    for (const locale of ["en", "fr", "nl"] as const) {
      const context = await summaryContext(locale, summary);
      expect(context?.participants.filter((p) => p.named).map((p) => (p.named ? p.name : ""))).toEqual([...named].sort((a, b) => a.localeCompare(b)));
      expect(context?.participants.filter((p) => !p.named).length).toBe(1);
      for (const word of [refused.name, "Linde", "Tilleul", "Woonzorggroep"]) expect(JSON.stringify(context)).not.toContain(word);
    }
    // Nor its kind: with two named participants, a "care home" facet would name the third.
    expect(summary.care_settings).not.toContain(refused.kind);
    const below = await replies(summary.id);
    expect(below.length).toBe(2);
    expect(below.every((r) => r.status === "published" && !r.anonymous)).toBe(true);
  });
});

describe("demo case studies carry the governance and data facts (issue 17 §5)", () => {
  const FACT_FIELDS = [...CASE_FACT_FIELDS, "changed_roles", "training_hours", "cost_eur", "cost_yearly_eur", "savings_eur", "payback_months"] as const;
  const TEXT_FIELDS = ["staff_view", "process_change", "savings_method"] as const;
  const caseStudies = () => pb.collection("posts").getFullList({ filter: "kind = 'case_study' && status = 'published'", sort: "slug" });

  it("every fact of content/demo/posts.json is stored on its post as written, and dpo_involved agrees with dpo_involvement", async () => {
    const demo = (JSON.parse(readFileSync("content/demo/posts.json", "utf8")) as Record<string, unknown>[]).filter((p) => p.kind === "case_study");
    const stored = new Map((await caseStudies()).map((r) => [r.slug as string, r]));
    expect([...stored.keys()].sort()).toEqual(demo.map((p) => p.slug).sort());
    for (const post of demo) {
      const record = stored.get(post.slug as string)!;
      for (const field of [...FACT_FIELDS, ...TEXT_FIELDS]) expect(record[field], `${post.slug}.${field}`).toEqual(post[field]);
      expect(record.dpo_involved, String(post.slug)).toBe(record.dpo_involvement !== "not_involved");
    }
    // Written like real authors: most facts answered, some left open or "not known".
    const records = [...stored.values()];
    expect(records.every((r) => CASE_FACT_FIELDS.filter((f) => r[f] !== "").length >= 8)).toBe(true);
    expect(records.some((r) => CASE_FACT_FIELDS.some((f) => r[f] === ""))).toBe(true);
    expect(records.some((r) => CASE_FACT_FIELDS.some((f) => r[f] === "unknown"))).toBe(true);
  });

  it("the facts the insights compare split the demo's finished projects into groups of at least five whose outcomes differ", async () => {
    // The insights compare projects with a final outcome: an ongoing one is in no group.
    const records = (await caseStudies()).filter((r) => r.outcome !== "ongoing");
    const ended = (r: RecordModel) => r.outcome === "failure" || r.outcome === "abandoned";
    const group = (field: string, value: string) => records.filter((r) => r[field] === value);
    for (const [field, good, bad] of [
      ["dpo_involvement", "from_idea", "after_go_live"],
      ["human_oversight", "every_output", "exceptions"],
      ["data_location", "at_source", "vendor_cloud_eu"],
    ] as const) {
      const [a, b] = [group(field, good), group(field, bad)];
      expect(a.length, `${field}=${good}`).toBeGreaterThanOrEqual(5);
      expect(b.length, `${field}=${bad}`).toBeGreaterThanOrEqual(5);
      // The share of failed or abandoned projects is lower in the first group than in the second.
      expect(a.filter(ended).length / a.length, field).toBeLessThan(b.filter(ended).length / b.length);
    }
    expect(new Set(records.map((r) => r.outcome))).toEqual(new Set(["success", "partial", "failure", "abandoned"]));
    expect(new Set(records.map((r) => r.language))).toEqual(new Set(["en", "fr", "nl"]));
  });
});
