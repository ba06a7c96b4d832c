// Loads the fictional demo content of content/demo into PocketBase. Idempotent: every
// record is looked up by its natural key (slug, e-mail) and created only when missing.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type PocketBase from "pocketbase";
import { z } from "zod";
import { chooseDescriptor } from "../../src/lib/server/anonymity.ts";
import { getConfig } from "../../src/lib/server/config.ts";
import { randomRecordId } from "../../src/lib/server/ids.ts";
import { renderMarkdown } from "../../src/lib/server/markdown.ts";
import { zonedToUtc } from "../../src/lib/server/roundtables/time.ts";

/** The password of every demo account (printed by `npm start`; demo data only). */
export const DEMO_PASSWORD = "casebook-demo-2026";

const DEMO_DIR = fileURLToPath(new URL("../../content/demo/", import.meta.url));

const orgSchema = z.object({
  slug: z.string(),
  name: z.string(),
  kind: z.string(),
  country: z.string(),
  region: z.string(),
  website: z.string(),
  description: z.string(),
  // The demo's descriptions are written in English (issue 12 §4: descriptions carry their language).
  description_language: z.enum(["en", "fr", "nl"]).default("en"),
  verified: z.boolean(),
  requires_dpo_review: z.boolean(),
});
const userSchema = z.object({
  email: z.email(),
  name: z.string(),
  role: z.enum(["member", "moderator", "admin"]),
  locale: z.enum(["en", "fr", "nl"]),
  memberships: z.array(z.object({ organization: z.string(), role: z.enum(["member", "editor", "dpo", "admin"]) })),
});
const callSchema = z.object({ slug: z.string(), funder: z.string(), description_language: z.enum(["en", "fr", "nl"]).default("en") }).loose();
const postSchema = z
  .object({
    slug: z.string(),
    kind: z.enum(["case_study", "funding_application", "discussion"]),
    organization: z.string(),
    author: z.email(),
    anonymous: z.boolean(),
    body_md: z.string(),
    lessons_md: z.string().nullish(),
    funder_feedback_md: z.string().nullish(),
    reflection_md: z.string().nullish(),
    funder: z.string().nullish(),
    call: z.string().nullish(),
  })
  .loose();

// A reply as the demo files hold it: `key` names it within its thread (for in_reply_to and accepted_reply).
const replySchema = z.object({
  key: z.string(),
  author: z.email(),
  organization: z.string(),
  anonymous: z.boolean(),
  language: z.enum(["en", "fr", "nl"]),
  published_at: z.string(),
  in_reply_to: z.string().optional(),
  body_md: z.string(),
});
const threadSchema = z
  .object({
    slug: z.string(),
    kind: z.enum(["discussion", "round_table_summary"]),
    organization: z.string(),
    author: z.email(),
    anonymous: z.boolean(),
    body_md: z.string(),
    about: z.array(z.string()).default([]),
    accepted_reply: z.string().optional(),
    replies: z.array(replySchema),
  })
  .loose();
// A session is planned in a wall-clock time of its zone: on a fixed date (past round tables) or
// `in_days` after the seed runs, so the demo's upcoming round table is upcoming on any `npm start`.
const sessionSchema = z.object({
  date: z.string().optional(),
  in_days: z.number().int().optional(),
  start: z.string().regex(/^\d{2}:\d{2}$/),
  end: z.string().regex(/^\d{2}:\d{2}$/),
  time_zone: z.string(),
  place: z.string(),
  online_url: z.string(),
  agenda_md: z.string(),
});
const roundTableSchema = z.object({
  slug: z.string(),
  title: z.string(),
  host: z.string(),
  created_by: z.email(),
  languages: z.array(z.enum(["en", "fr", "nl"])),
  host_contact: z.string(),
  status: z.enum(["planned", "open", "closed", "summarised"]),
  chatham_house: z.boolean(),
  description_md: z.string(),
  sessions: z.array(sessionSchema).min(1),
  participants: z.array(
    z.object({
      organization: z.string(),
      status: z.enum(["invited", "accepted", "declined"]),
      attendees: z.array(z.email()),
      responded_by: z.email().optional(),
      named_in_summary: z.enum(["not_asked", "requested", "granted", "refused"]),
      consent_by: z.email().optional(),
    }),
  ),
  preparation: z.array(z.object({ key: z.string(), author: z.email(), organization: z.string(), body_md: z.string() })),
  summary: threadSchema.optional(),
});

function load<T>(file: string, schema: z.ZodType<T>): T[] {
  return z.array(schema).parse(JSON.parse(readFileSync(`${DEMO_DIR}${file}`, "utf8")));
}

/** One line per demo account, for the start banner. */
export function demoAccounts(): string[] {
  return load("users.json", userSchema).map((u) => {
    const roles = u.memberships.map((m) => `${m.role} of ${m.organization}`);
    return `${u.email.padEnd(34)} ${[u.role === "member" ? "" : `platform ${u.role}`, ...roles].filter(Boolean).join(", ") || "member, no organisation"}`;
  });
}

/** The UTC instant (ISO) of a demo session's wall-clock date and time in its zone; a malformed one stops the seed. */
export function demoSessionInstant(date: string, time: string, zone: string): string {
  const instant = zonedToUtc(date, time, zone);
  if (!instant) throw new Error(`demo session ${date} ${time} ${zone} is not a valid date, time and zone`);
  return instant.toISOString();
}

async function findId(pb: PocketBase, collection: string, field: string, value: string): Promise<string | null> {
  const found = await pb.collection(collection).getList(1, 1, { filter: pb.filter(`${field} = {:value}`, { value }), fields: "id" });
  return found.items[0]?.id ?? null;
}

/** Creates whatever demo records are missing; returns whether anything was created. */
export async function seedDemo(pb: PocketBase, options: { log?: (line: string) => void } = {}): Promise<{ created: boolean; posts: number }> {
  const log = options.log ?? (() => undefined);
  let created = false;
  const orgIds = new Map<string, string>();
  const orgs = load("organizations.json", orgSchema);
  for (const org of orgs) {
    let id = await findId(pb, "organizations", "slug", org.slug);
    if (!id) {
      id = (await pb.collection("organizations").create({ ...org, verification_status: "verified" })).id;
      created = true;
    }
    orgIds.set(org.slug, id);
  }

  const userIds = new Map<string, string>();
  for (const user of load("users.json", userSchema)) {
    let id = await findId(pb, "users", "email", user.email);
    if (!id) {
      id = (
        await pb.collection("users").create({
          email: user.email,
          emailVisibility: false,
          name: user.name,
          role: user.role,
          locale: user.locale,
          password: DEMO_PASSWORD,
          passwordConfirm: DEMO_PASSWORD,
          verified: true,
        })
      ).id;
      created = true;
    }
    userIds.set(user.email, id);
    for (const membership of user.memberships) {
      const organization = orgIds.get(membership.organization);
      if (!organization) throw new Error(`users.json: ${user.email} belongs to unknown organisation ${membership.organization}`);
      const existing = await pb
        .collection("memberships")
        .getList(1, 1, { filter: pb.filter("user = {:user} && organization = {:organization}", { user: id, organization }) });
      if (existing.items.length === 0) {
        await pb.collection("memberships").create({ user: id, organization, role: membership.role, status: "active" });
      }
    }
  }

  const callIds = new Map<string, string>();
  for (const call of load("funding_calls.json", callSchema)) {
    let id = await findId(pb, "funding_calls", "slug", call.slug);
    if (!id) {
      id = (await pb.collection("funding_calls").create({ ...call, funder: orgIds.get(call.funder) })).id;
      created = true;
    }
    callIds.set(call.slug, id);
  }

  // Descriptors are chosen from the verified organisations, like the site's own (anonymity.ts).
  const crowd = orgs.filter((o) => o.verified).map((o) => ({ kind: o.kind, region: o.region, country: o.country }));
  const posts = load("posts.json", postSchema);
  for (const post of posts) {
    if (await findId(pb, "posts", "slug", post.slug)) continue;
    const org = orgs.find((o) => o.slug === post.organization);
    const author = userIds.get(post.author);
    if (!org || !author) throw new Error(`posts.json: ${post.slug} refers to an unknown organisation or author`);
    const html = (md: string | null | undefined) => (md ? renderMarkdown(md, { headingOffset: "top" }) : "");
    const batch = pb.createBatch();
    const record = {
      ...post,
      organization: orgIds.get(post.organization),
      author,
      funder: post.funder ? orgIds.get(post.funder) : "",
      call: post.call ? callIds.get(post.call) : "",
      body_html: html(post.body_md),
      lessons_html: html(post.lessons_md),
      funder_feedback_html: html(post.funder_feedback_md),
      reflection_html: html(post.reflection_md),
      public_descriptor: post.anonymous ? chooseDescriptor(org, crowd, getConfig().anonymityK).code : "",
      status: "published",
    };
    const id = randomRecordId();
    batch.collection("posts").create({ id, ...record });
    batch
      .collection("moderation_events")
      .create({ post: id, action: "demo_import", to_status: "published", note: "Fictional demo content loaded by the seed script." });
    batch.collection("search_outbox").create({ record: id, collection_name: "posts", op: "upsert", attempts: 0 });
    await batch.send();
    created = true;
    log(`  demo post ${post.slug}`);
  }

  const orgId = (slug: string) => {
    const id = orgIds.get(slug);
    if (!id) throw new Error(`demo content refers to unknown organisation ${slug}`);
    return id;
  };
  const userId = (email: string) => {
    const id = userIds.get(email);
    if (!id) throw new Error(`demo content refers to unknown account ${email}`);
    return id;
  };
  const descriptor = (slug: string) => {
    const org = orgs.find((o) => o.slug === slug);
    if (!org) throw new Error(`demo content refers to unknown organisation ${slug}`);
    return chooseDescriptor(org, crowd, getConfig().anonymityK).code;
  };
  const postIds = new Map<string, string>();
  const postIdOf = async (slug: string) => {
    const id = postIds.get(slug) ?? (await findId(pb, "posts", "slug", slug));
    if (!id) throw new Error(`demo content refers to unknown post ${slug}`);
    return id;
  };

  // A discussion or a summary with its replies, in the caller's batch: the post, each reply,
  // a moderation event for each, one search outbox row for the thread, then the accepted answer.
  const addThread = async (batch: ReturnType<PocketBase["createBatch"]>, thread: z.infer<typeof threadSchema>, roundTable = "") => {
    const { replies, accepted_reply, about, ...post } = thread;
    const id = randomRecordId();
    batch.collection("posts").create({
      ...post,
      id,
      organization: orgId(post.organization),
      author: userId(post.author),
      about: await Promise.all(about.map(postIdOf)),
      round_table: roundTable,
      body_html: renderMarkdown(post.body_md, { headingOffset: "top" }),
      public_descriptor: post.anonymous ? descriptor(post.organization) : "",
      status: "published",
    });
    batch
      .collection("moderation_events")
      .create({ post: id, action: "demo_import", to_status: "published", note: "Fictional demo content loaded by the seed script." });
    const replyIds = new Map<string, string>();
    for (const reply of replies) {
      const replyId = randomRecordId();
      const inReplyTo = reply.in_reply_to ? replyIds.get(reply.in_reply_to) : "";
      if (inReplyTo === undefined) throw new Error(`${thread.slug}: reply ${reply.key} quotes ${reply.in_reply_to}, which does not come before it`);
      replyIds.set(reply.key, replyId);
      batch.collection("replies").create({
        id: replyId,
        post: id,
        author: userId(reply.author),
        organization: orgId(reply.organization),
        anonymous: reply.anonymous,
        public_descriptor: reply.anonymous ? descriptor(reply.organization) : "",
        body_md: reply.body_md,
        body_html: renderMarkdown(reply.body_md, { headingOffset: 3 }),
        language: reply.language,
        status: "published",
        hold_reasons: [],
        history: [],
        in_reply_to: inReplyTo,
        published_at: reply.published_at,
      });
      batch.collection("moderation_events").create({ post: id, reply: replyId, action: "demo_import", to_status: "published", note: "Fictional demo reply." });
    }
    if (accepted_reply) {
      const answer = replyIds.get(accepted_reply);
      if (!answer) throw new Error(`${thread.slug}: accepted_reply ${accepted_reply} is not one of its replies`);
      batch.collection("posts").update(id, { accepted_reply: answer });
    }
    batch.collection("search_outbox").create({ record: id, collection_name: "posts", op: "upsert", attempts: 0 });
  };

  for (const thread of load("discussions.json", threadSchema)) {
    if (await findId(pb, "posts", "slug", thread.slug)) continue;
    const batch = pb.createBatch();
    await addThread(batch, thread);
    await batch.send();
    created = true;
    log(`  demo discussion ${thread.slug}`);
  }

  // A round table, its sessions, participants, preparation messages and (once summarised) its
  // published summary with replies: one batch, so the slug alone says whether it is all there.
  for (const table of load("round_tables.json", roundTableSchema)) {
    if (await findId(pb, "round_tables", "slug", table.slug)) continue;
    const batch = pb.createBatch();
    const id = randomRecordId();
    const { sessions, participants, preparation, summary, ...fields } = table;
    batch.collection("round_tables").create({
      ...fields,
      id,
      host: orgId(table.host),
      created_by: userId(table.created_by),
      description_html: renderMarkdown(table.description_md),
    });
    const today = new Date().toISOString().slice(0, 10);
    for (const session of sessions) {
      const date = session.date ?? new Date(Date.parse(`${today}T12:00:00Z`) + (session.in_days ?? 0) * 86_400_000).toISOString().slice(0, 10);
      batch.collection("round_table_sessions").create({
        round_table: id,
        starts_at: demoSessionInstant(date, session.start, session.time_zone),
        ends_at: demoSessionInstant(date, session.end, session.time_zone),
        time_zone: session.time_zone,
        place: session.place,
        online_url: session.online_url,
        agenda_md: session.agenda_md,
        agenda_html: renderMarkdown(session.agenda_md),
      });
    }
    for (const p of participants) {
      batch.collection("round_table_participants").create({
        round_table: id,
        organization: orgId(p.organization),
        status: p.status,
        attendees: p.attendees.map(userId),
        responded_by: p.responded_by ? userId(p.responded_by) : "",
        responded_at: p.responded_by ? new Date().toISOString() : "",
        named_in_summary: p.named_in_summary,
        consent_by: p.consent_by ? userId(p.consent_by) : "",
        consent_at: p.consent_by ? new Date().toISOString() : "",
      });
    }
    for (const message of preparation) {
      batch.collection("preparation_messages").create({
        round_table: id,
        author: userId(message.author),
        organization: orgId(message.organization),
        body_md: message.body_md,
        body_html: renderMarkdown(message.body_md),
        attachment_reports: [],
        privacy_findings: [],
      });
    }
    if (summary) await addThread(batch, summary, id);
    await batch.send();
    created = true;
    log(`  demo round table ${table.slug}`);
  }
  return { created, posts: posts.length };
}
