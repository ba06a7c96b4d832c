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
  return { created, posts: posts.length };
}
