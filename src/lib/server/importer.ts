// Bulk import of posts by administrators (`npm run import`): every record is validated
// first (schema, organisation, author, privacy guard) and the whole file is written in
// one PocketBase batch — all or nothing. With `publish`, posts go through the normal
// moderation path with the administrator recorded as moderator.
import type PocketBase from "pocketbase";
import { z } from "zod";
import { chooseDescriptor } from "./anonymity.ts";
import { getConfig } from "./config.ts";
import { ValidationError } from "./errors.ts";
import { randomRecordId } from "./ids.ts";
import { renderContent } from "./moderation.ts";
import { slugify } from "./orgs.ts";
import { CONTENT_FIELDS, postFormSchema } from "./postinput.ts";
import { namesToHide } from "./posts.ts";
import { hasBlockingFindings, type PrivacyFinding } from "./privacy.ts";

const recordSchema = z
  .object({
    organization: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: "organization must be an organisation slug" }),
    author: z.email({ error: "author must be the e-mail address of an account" }),
    slug: z
      .string()
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)
      .max(160)
      .optional(),
    published_at: z.iso.datetime({ offset: true, error: "published_at must be an ISO date-time" }).optional(),
  })
  .loose();

/** Validates a whole file; returns the rows ready to write, or every row error. */
export async function validateImport(
  pb: PocketBase,
  records: unknown,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<{ ok: true; rows: PreparedRow[] } | { ok: false; errors: ImportError[] }> {
  if (!Array.isArray(records)) return { ok: false, errors: [{ index: -1, field: null, message: "The file must contain a JSON array of posts." }] };
  const errors: ImportError[] = [];
  const rows: PreparedRow[] = [];
  const orgCache = new Map<string, Awaited<ReturnType<typeof findOrg>>>();
  // Imported posts may be published at once: their descriptors come from the crowd of verified organisations (anonymity.ts).
  const crowd = (await pb.collection("organizations").getFullList({ filter: "verified = true", fields: "kind,region,country" })).map((o) => ({
    kind: String(o.kind),
    region: String(o.region ?? ""),
    country: String(o.country || "BE"),
  }));
  const userCache = new Map<string, Awaited<ReturnType<typeof findUser>>>();
  const slugs = new Set<string>();
  for (const [index, raw] of records.entries()) {
    onProgress(index, records.length);
    const head = recordSchema.safeParse(raw);
    if (!head.success) {
      for (const issue of head.error.issues) errors.push({ index, field: String(issue.path[0] ?? ""), message: issue.message });
      continue;
    }
    const rec = head.data as Record<string, unknown> & z.infer<typeof recordSchema>;
    if (!orgCache.has(rec.organization)) orgCache.set(rec.organization, await findOrg(pb, rec.organization));
    const org = orgCache.get(rec.organization);
    if (!org) {
      errors.push({ index, field: "organization", message: `unknown or unverified organisation "${rec.organization}"` });
      continue;
    }
    if (!userCache.has(rec.author)) userCache.set(rec.author, await findUser(pb, rec.author));
    const author = userCache.get(rec.author);
    if (!author) {
      errors.push({ index, field: "author", message: `no account with the address ${rec.author}` });
      continue;
    }
    const membership = await pb.collection("memberships").getList(1, 1, {
      filter: pb.filter("user = {:u} && organization = {:o} && status = 'active' && (role = 'editor' || role = 'admin')", { u: author.id, o: org.id }),
    });
    if (membership.totalItems === 0) {
      errors.push({ index, field: "author", message: `${rec.author} is not an editor of ${rec.organization}` });
      continue;
    }
    const form = postFormSchema.safeParse({ ...rec, organization: org.id, tags: Array.isArray(rec.tags) ? (rec.tags as string[]).join(",") : rec.tags });
    if (!form.success) {
      for (const issue of form.error.issues) errors.push({ index, field: String(issue.path[0] ?? ""), message: issue.message });
      continue;
    }
    const input = form.data;
    let content: Record<string, unknown>;
    try {
      content = await renderContent(input, [], namesToHide(input, { organization: org.name }));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push({ index, field: error.field, message: error.message });
      continue;
    }
    content.public_descriptor = input.anonymous
      ? chooseDescriptor({ kind: org.kind, region: org.region, country: org.country }, crowd, getConfig().anonymityK).code
      : "";
    const findings = content.privacy_findings as PrivacyFinding[];
    if (hasBlockingFindings(findings)) {
      const blocking = findings.find((f) => f.blocking)!;
      errors.push({
        index,
        field: blocking.field,
        message: blocking.kind === "hidden_name" ? "names the organisation it is published without" : "contains a Belgian national register number",
      });
      continue;
    }
    let slug = rec.slug ?? slugify(input.title, 80);
    if (slugs.has(slug)) {
      errors.push({ index, field: "slug", message: `slug "${slug}" appears twice in the file` });
      continue;
    }
    const taken = await pb.collection("posts").getList(1, 1, { filter: pb.filter("slug = {:s}", { s: slug }), fields: "id" });
    if (taken.totalItems > 0) {
      if (rec.slug) {
        errors.push({ index, field: "slug", message: `a post with slug "${slug}" already exists` });
        continue;
      }
      slug = `${slug}-${randomRecordId().slice(0, 6)}`;
    }
    slugs.add(slug);
    const cs = input.kind === "case_study";
    rows.push({
      index,
      authorId: author.id,
      publishedAt: rec.published_at ?? null,
      data: {
        ...content,
        kind: input.kind,
        slug,
        organization: org.id,
        author: author.id,
        published_by: cs ? "" : "applicant",
        consent: cs ? "" : "not_needed",
      },
    });
  }
  onProgress(records.length, records.length);
  return errors.length ? { ok: false, errors } : { ok: true, rows };
}

/** Writes validated rows in one batch: submitted to moderation, or published by `publisher`. */
export async function writeImport(
  pb: PocketBase,
  rows: PreparedRow[],
  options: { publishAs?: { id: string; role: string } } = {},
): Promise<{ created: number }> {
  if (options.publishAs && options.publishAs.role !== "admin") throw new Error("--publish needs a platform administrator");
  const batch = pb.createBatch();
  const now = new Date().toISOString();
  for (const row of rows) {
    const id = randomRecordId();
    const published = Boolean(options.publishAs);
    batch
      .collection("posts")
      .create({ id, ...row.data, status: published ? "published" : "submitted", submitted_at: now, published_at: published ? (row.publishedAt ?? now) : "" });
    batch.collection("revisions").create({
      post: id,
      version: 1,
      data: Object.fromEntries(CONTENT_FIELDS.map((f) => [f, row.data[f]])),
      author: row.authorId,
      status: "superseded",
      note: "Imported",
    });
    batch.collection("moderation_events").create({ post: id, actor: row.authorId, action: "import", from_status: "", to_status: "submitted" });
    if (published) {
      for (const [action, from, to] of [
        ["claim", "submitted", "in_review"],
        ["approve", "in_review", "published"],
      ] as const) {
        batch
          .collection("moderation_events")
          .create({ post: id, actor: options.publishAs!.id, action, from_status: from, to_status: to, note: "Bulk import published by an administrator" });
      }
      batch.collection("search_outbox").create({ record: id, collection_name: "posts", op: "upsert", attempts: 0 });
    }
  }
  await batch.send();
  return { created: rows.length };
}

async function findOrg(pb: PocketBase, slug: string) {
  const found = await pb.collection("organizations").getList(1, 1, { filter: pb.filter("slug = {:s} && verified = true", { s: slug }) });
  const o = found.items[0];
  return o ? { id: o.id, name: String(o.name), kind: String(o.kind), region: String(o.region ?? ""), country: String(o.country || "BE") } : null;
}

async function findUser(pb: PocketBase, email: string) {
  const found = await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:e}", { e: email.toLowerCase() }) });
  const u = found.items[0];
  return u ? { id: u.id, role: String(u.role) } : null;
}

/** One validated post, ready to write. */
export type PreparedRow = { index: number; authorId: string; publishedAt: string | null; data: Record<string, unknown> };
/** A problem in one record of the file (index is 0-based; -1 for the file). */
export type ImportError = { index: number; field: string | null; message: string };
