// A round table's published summary (issue 14 §4): a `posts` record of kind
// `round_table_summary` written by the host's editors or admins after a session, through the
// whole post lifecycle (moderation.ts calls the hooks below). Participating organisations are
// named in it only with their admins' consent, asked on submission; until every request is
// answered the summary cannot be approved, and whoever did not consent appears only by its
// descriptor (anonymity.ts), on every surface — the names are projected here, read live from
// round_table_participants, never copied into the post.
import type { RecordModel } from "pocketbase";
import { type Locale, formatDate, t } from "../../../i18n/index.ts";
import { say } from "../../../i18n/domain.ts";
import { type Crowd, chooseDescriptor, loadCrowd, renderDescriptor } from "../anonymity.ts";
import { assertCan, can, type Subject } from "../can.ts";
import { now } from "../clock.ts";
import { getConfig } from "../config.ts";
import { ValidationError } from "../errors.ts";
import { type PlannedNotice, prepareNotices } from "../notify.ts";
import { getPocketBase } from "../pocketbase.ts";
import { scanNames } from "../privacy.ts";
import type { Actor } from "../users.ts";

type Batch = ReturnType<Awaited<ReturnType<typeof getPocketBase>>["createBatch"]>;

/** One participating organisation as the summary's rules need it. */
export type ParticipantRow = {
  id: string;
  organizationId: string;
  name: string;
  slug: string;
  kind: string;
  region: string;
  country: string;
  status: string;
  named: "not_asked" | "requested" | "granted" | "refused";
};

/** How a participant appears in public: by name (it consented) or by its descriptor only. */
export type PublicParticipant = { named: true; name: string; slug: string } | { named: false; descriptor: string };

/**
 * The public list of participants: organisations that accepted, named only when their admins
 * granted consent, every other one by its descriptor (k-anonymous among verified organisations).
 * Named ones first by name, then descriptors in alphabetical order (never in invitation order,
 * which would let a reader match a descriptor to a name seen elsewhere).
 */
export function projectParticipants(rows: readonly ParticipantRow[], describe: (row: ParticipantRow) => string): PublicParticipant[] {
  const accepted = rows.filter((r) => r.status === "accepted");
  const named = accepted
    .filter((r) => r.named === "granted")
    .map((r) => ({ named: true as const, name: r.name, slug: r.slug }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const described = accepted
    .filter((r) => r.named !== "granted")
    .map((r) => ({ named: false as const, descriptor: describe(r) }))
    .sort((a, b) => a.descriptor.localeCompare(b.descriptor));
  return [...named, ...described];
}

/** The descriptor code of a participant that is not named, from the crowd of verified organisations. */
export function participantDescriptor(row: Pick<ParticipantRow, "kind" | "region" | "country">, crowd: Crowd, k = getConfig().anonymityK): string {
  return chooseDescriptor({ kind: row.kind || null, region: row.region || null, country: row.country || null }, crowd, k).code;
}

/**
 * The names (of those given) that a text mentions, read as the privacy guard reads a name a post
 * keeps from readers (privacy.ts scanNames): without case, accents, punctuation or Markdown, as
 * whole words — "AZ Sint-Jan" is found in "…az sint jan said…", "Jan" alone is no organisation's name.
 */
export function mentionedNames(text: string, names: readonly string[]): string[] {
  return names.filter((name) => scanNames("text", text, [name]).length > 0);
}

/**
 * The organisation names a summary's text may not contain. Under the Chatham House rule no
 * participant is named in the text at all (names appear only in the participants list, so no
 * statement is attributed); otherwise, at publication, no participant that has not consented.
 * The host is public as the author and may always name itself.
 */
export function forbiddenNames(rows: readonly ParticipantRow[], options: { chathamHouse: boolean; hostId: string; atPublication: boolean }): string[] {
  return rows
    .filter((r) => r.organizationId !== options.hostId && (r.status === "accepted" || r.status === "invited" || r.status === "declined"))
    .filter((r) => options.chathamHouse || (options.atPublication && r.named !== "granted"))
    .map((r) => r.name);
}

/** A round table record by id or slug (host expanded), or null. */
async function findRoundTable(ref: string): Promise<RecordModel | null> {
  if (!ref || ref.length > 120 || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(ref)) return null;
  const pb = await getPocketBase();
  const found = await pb.collection("round_tables").getList(1, 1, { filter: pb.filter("id = {:r} || slug = {:r}", { r: ref }), expand: "host" });
  return found.items[0] ?? null;
}

/** The sessions of a round table, earliest first. */
async function sessionsOf(roundTableId: string): Promise<RecordModel[]> {
  const pb = await getPocketBase();
  return pb.collection("round_table_sessions").getFullList({ filter: pb.filter("round_table = {:r}", { r: roundTableId }), sort: "starts_at" });
}

/** The participants of a round table with their organisations. */
export async function loadParticipants(roundTableId: string): Promise<ParticipantRow[]> {
  const pb = await getPocketBase();
  const rows = await pb
    .collection("round_table_participants")
    .getFullList({ filter: pb.filter("round_table = {:r}", { r: roundTableId }), expand: "organization", sort: "created" });
  return rows.map((r) => {
    const org = r.expand?.organization as RecordModel | undefined;
    return {
      id: r.id,
      organizationId: r.organization,
      name: String(org?.name ?? ""),
      slug: String(org?.slug ?? ""),
      kind: String(org?.kind ?? ""),
      region: String(org?.region ?? ""),
      country: String(org?.country || "BE"),
      status: r.status,
      named: (r.named_in_summary || "not_asked") as ParticipantRow["named"],
    };
  });
}

/** The can() subject of writing a summary of this round table. */
export function summarySubject(table: RecordModel, sessions: readonly RecordModel[], at = now()): Subject {
  const host = table.expand?.host as RecordModel | undefined;
  return {
    organization: { id: table.host, verified: Boolean(host?.verified) },
    roundTable: { hostId: table.host, status: table.status, sessionEnded: sessions.some((s) => Date.parse(String(s.ends_at).replace(" ", "T")) <= at) },
  };
}

/** The round table a new summary may be written for by this actor (for the write page), or null. */
export async function summaryTarget(
  actor: Actor | null,
  ref: string,
): Promise<{ id: string; slug: string; title: string; hostId: string; hostName: string; chathamHouse: boolean } | null> {
  const table = await findRoundTable(ref);
  if (!table) return null;
  if (!can(actor, "summary.write", summarySubject(table, await sessionsOf(table.id)))) return null;
  return {
    id: table.id,
    slug: table.slug,
    title: table.title,
    hostId: table.host,
    hostName: String(table.expand?.host?.name ?? ""),
    chathamHouse: Boolean(table.chatham_house),
  };
}

/** Whether a round table already has a summary under way or published (one per round table). */
export async function hasSummary(roundTableId: string): Promise<boolean> {
  const pb = await getPocketBase();
  const found = await pb.collection("posts").getList(1, 1, {
    filter: pb.filter("round_table = {:r} && kind = 'round_table_summary' && status != 'rejected' && status != 'withdrawn'", { r: roundTableId }),
    fields: "id",
  });
  return found.totalItems > 0;
}

/**
 * Checks a summary as it is saved (moderation.saveDraft) and returns the round table's id to
 * store: on creation the actor may write one (summary.write) for the host it writes as, and the
 * round table has no other summary under way; always, under Chatham House, the text names no
 * participating organisation.
 */
export async function checkSummaryDraft(
  actor: Actor | null,
  input: { organization: string; round_table: string; title: string; summary: string; body_md: string },
  existing: RecordModel | null,
): Promise<string> {
  const table = await findRoundTable(existing ? existing.round_table : input.round_table);
  if (!table) throw new ValidationError("round_table", say("domain.summary.round_table"));
  if (existing && input.round_table && input.round_table !== table.id && input.round_table !== table.slug)
    throw new ValidationError("round_table", say("domain.summary.round_table_fixed"));
  if (!existing) {
    assertCan(actor, "summary.write", summarySubject(table, await sessionsOf(table.id)));
    if (table.host !== input.organization) throw new ValidationError("organization", say("domain.summary.host_only"));
    if (await hasSummary(table.id)) throw new ValidationError("round_table", say("domain.summary.exists"));
  }
  if (table.chatham_house) {
    const named = mentionedNames(
      [input.title, input.summary, input.body_md].join("\n"),
      forbiddenNames(await loadParticipants(table.id), { chathamHouse: true, hostId: table.host, atPublication: false }),
    );
    if (named.length > 0) throw new ValidationError("body_md", say("domain.summary.chatham_names", { names: named.join(", ") }));
  }
  return table.id;
}

/**
 * On submission: every accepting participant not yet asked is asked whether the summary may
 * name it. Returns the participant updates and the admins' notices, for the caller's batch.
 */
export async function namingRequests(post: RecordModel, actor: Actor | null): Promise<{ ask: string[]; notices: PlannedNotice[] }> {
  const table = await findRoundTable(post.round_table);
  if (!table) throw new ValidationError("round_table", say("domain.summary.round_table"));
  const rows = (await loadParticipants(table.id)).filter((r) => r.status === "accepted" && r.named === "not_asked" && r.organizationId !== table.host);
  return askToName(table, rows, actor);
}

/**
 * An organisation that accepts once the summary is in review (its participants were asked when it
 * was submitted) is asked at once too, as if it had accepted before: otherwise the summary would
 * be published without asking it, and it could never be named. Returns what to add to the
 * acceptance's batch (nothing while there is no summary under review, or when it was asked before).
 */
export async function lateNamingRequest(
  roundTableId: string,
  participant: { id: string; organizationId: string; named: string },
): Promise<{ ask: string[]; notices: PlannedNotice[] }> {
  const none = { ask: [], notices: [] };
  if (participant.named !== "not_asked") return none;
  const table = await findRoundTable(roundTableId);
  if (!table || table.host === participant.organizationId) return none;
  const pb = await getPocketBase();
  const inReview = await pb.collection("posts").getList(1, 1, {
    // Every state between its submission and the moderator's decision: with its DPO, waiting, claimed, sent back.
    filter: pb.filter(
      "round_table = {:r} && kind = 'round_table_summary' && (status = 'dpo_review' || status = 'submitted' || status = 'in_review' || status = 'changes_requested')",
      { r: table.id },
    ),
    fields: "id",
  });
  if (inReview.totalItems === 0) return none;
  const row = (await loadParticipants(table.id)).find((r) => r.id === participant.id);
  // Every admin is told, the one accepting too: whether to be named is a question they have not seen yet.
  return row ? askToName(table, [row], null) : none;
}

// The requests and the admins' notices for these participants.
async function askToName(table: RecordModel, rows: readonly ParticipantRow[], actor: Actor | null): Promise<{ ask: string[]; notices: PlannedNotice[] }> {
  const notices: PlannedNotice[] = [];
  for (const row of rows) {
    notices.push(
      ...(await prepareNotices("summary_consent", { organizationId: row.organizationId, actorId: actor?.id ?? null, authorId: null }, () => ({
        params: { title: String(table.title), host: String(table.expand?.host?.name ?? ""), org: row.name },
        path: `/dashboard/summary-consent#participant-${row.id}`,
      }))),
    );
  }
  return { ask: rows.map((r) => r.id), notices };
}

/** Adds the submission's naming requests to its batch. */
export function writeNamingRequests(batch: Batch, ask: readonly string[]): void {
  for (const id of ask) batch.collection("round_table_participants").update(id, { named_in_summary: "requested", consent_by: "", consent_at: "" });
}

/**
 * Refuses to publish a summary while any participant's consent request is unanswered, or when
 * its text names a participant that has not consented (or any participant, under Chatham House).
 */
export async function assertSummaryPublishable(post: RecordModel, text: string): Promise<void> {
  const table = await findRoundTable(post.round_table);
  if (!table) throw new ValidationError("round_table", say("domain.summary.round_table"));
  const rows = await loadParticipants(table.id);
  const pending = rows.filter((r) => r.status === "accepted" && r.named === "requested");
  if (pending.length > 0) throw new ValidationError("consent", say("domain.summary.consent_pending", { count: pending.length }));
  const named = mentionedNames(text, forbiddenNames(rows, { chathamHouse: Boolean(table.chatham_house), hostId: table.host, atPublication: true }));
  if (named.length > 0) throw new ValidationError("consent", say("domain.summary.names_without_consent", { names: named.join(", ") }));
}

/** Publication marks the round table summarised, in the approval's batch. */
export function writeSummarised(batch: Batch, post: RecordModel): void {
  if (post.round_table) batch.collection("round_tables").update(post.round_table, { status: "summarised" });
}

/** A consent request as its organisation's admins see it, with what would be published. */
export type NamingRequest = {
  participantId: string;
  organization: string;
  roundTable: string;
  host: string;
  answer: ParticipantRow["named"];
  summary: { title: string; summary: string; bodyHtml: string; status: string } | null;
  chathamHouse: boolean;
};

/** The naming requests of the organisations this actor administers (asked, or already answered). */
export async function listNamingRequests(actor: Actor): Promise<NamingRequest[]> {
  const orgs = actor.memberships.filter((m) => m.role === "admin").map((m) => m.organizationId);
  if (orgs.length === 0) return [];
  const pb = await getPocketBase();
  const params = Object.fromEntries(orgs.map((id, i) => [`o${i}`, id]));
  const rows = await pb.collection("round_table_participants").getFullList({
    filter: pb.filter(`status = 'accepted' && named_in_summary != 'not_asked' && (${orgs.map((_, i) => `organization = {:o${i}}`).join(" || ")})`, params),
    expand: "organization,round_table,round_table.host",
    sort: "-updated",
  });
  const out: NamingRequest[] = [];
  for (const r of rows) {
    const table = r.expand?.round_table as RecordModel | undefined;
    if (!table) continue;
    const summary = await pb
      .collection("posts")
      .getFirstListItem(pb.filter("round_table = {:r} && kind = 'round_table_summary' && status != 'rejected' && status != 'withdrawn'", { r: table.id }), {
        fields: "title,summary,body_html,status",
      })
      .catch(() => null);
    out.push({
      participantId: r.id,
      organization: String(r.expand?.organization?.name ?? ""),
      roundTable: table.title,
      host: String(table.expand?.host?.name ?? ""),
      answer: r.named_in_summary,
      summary: summary ? { title: summary.title, summary: summary.summary, bodyHtml: summary.body_html, status: summary.status } : null,
      chathamHouse: Boolean(table.chatham_house),
    });
  }
  return out;
}

/** How many naming requests wait for this actor's answer (as an admin of a participating organisation), for the dashboard. */
export async function countOpenNamingRequests(actor: Actor): Promise<number> {
  const orgs = actor.memberships.filter((m) => m.role === "admin").map((m) => m.organizationId);
  if (orgs.length === 0) return 0;
  const pb = await getPocketBase();
  const params = Object.fromEntries(orgs.map((id, i) => [`o${i}`, id]));
  const found = await pb.collection("round_table_participants").getList(1, 1, {
    filter: pb.filter(`status = 'accepted' && named_in_summary = 'requested' && (${orgs.map((_, i) => `organization = {:o${i}}`).join(" || ")})`, params),
    fields: "id",
  });
  return found.totalItems;
}

/**
 * An admin of a participating organisation grants or refuses its naming. They may change their
 * mind later: the public page reads consent live, and a published summary is re-indexed.
 */
export async function answerNamingRequest(actor: Actor | null, participantId: string, answer: "grant" | "refuse"): Promise<void> {
  if (!/^[a-z0-9]{15}$/.test(participantId)) throw new ValidationError("participant", say("domain.summary.request_gone"));
  const pb = await getPocketBase();
  const row = await pb
    .collection("round_table_participants")
    .getOne(participantId, { expand: "organization" })
    .catch(() => null);
  if (!row || row.named_in_summary === "not_asked") throw new ValidationError("participant", say("domain.summary.request_gone"));
  const org = row.expand?.organization as RecordModel | undefined;
  assertCan(actor, "summary.consent", {
    organization: { id: row.organization, verified: Boolean(org?.verified) },
    participant: { organizationId: row.organization, status: row.status },
  });
  const batch = pb.createBatch();
  batch
    .collection("round_table_participants")
    .update(row.id, { named_in_summary: answer === "grant" ? "granted" : "refused", consent_by: actor.id, consent_at: new Date(now()).toISOString() });
  const published = await pb
    .collection("posts")
    .getList(1, 5, { filter: pb.filter("round_table = {:r} && kind = 'round_table_summary' && status = 'published'", { r: row.round_table }), fields: "id" });
  // The search document lists the named participants: it follows the answer.
  for (const p of published.items) batch.collection("search_outbox").create({ record: p.id, collection_name: "posts", op: "upsert", attempts: 0 });
  await batch.send();
}

/** What a published summary's page shows about its round table. */
export type SummaryContext = {
  roundTable: { slug: string; title: string; status: string; chathamHouse: boolean; host: { name: string; slug: string } };
  sessions: { startsAt: string; endsAt: string; timeZone: string }[];
  participants: PublicParticipant[];
};

/** The round table of a published summary record and its participants as the public may see them. */
export async function summaryContext(locale: Locale, record: RecordModel, crowd?: Crowd): Promise<SummaryContext | null> {
  if (record.kind !== "round_table_summary" || !record.round_table) return null;
  const table = await findRoundTable(record.round_table);
  if (!table) return null;
  const rows = await loadParticipants(table.id);
  const people = crowd ?? (await loadCrowd());
  const sessions = await sessionsOf(table.id);
  return {
    roundTable: {
      slug: table.slug,
      title: table.title,
      status: table.status,
      chathamHouse: Boolean(table.chatham_house),
      host: { name: String(table.expand?.host?.name ?? ""), slug: String(table.expand?.host?.slug ?? "") },
    },
    sessions: sessions.map((s) => ({ startsAt: s.starts_at, endsAt: s.ends_at, timeZone: s.time_zone })),
    participants: projectParticipants(rows, (r) => renderDescriptor(locale, participantDescriptor(r, people))),
  };
}

/** The public words of a summary's participants for its search document: the named ones' names only. */
export async function namedParticipantsText(roundTableId: string): Promise<string> {
  if (!roundTableId) return "";
  const rows = await loadParticipants(roundTableId);
  return projectParticipants(rows, () => "")
    .flatMap((p) => (p.named ? [p.name] : []))
    .join(" ");
}

/**
 * For search documents: per summary record (id, kind, round_table), the names of the participants
 * its page names — those that consented, never one shown by its descriptor. One query for all.
 */
export async function namedParticipantsTexts(records: readonly { id: string; kind?: string; round_table?: string }[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const summaries = records.filter((r) => r.kind === "round_table_summary" && r.round_table);
  const tables = [...new Set(summaries.map((r) => r.round_table as string))];
  if (tables.length === 0) return found;
  const pb = await getPocketBase();
  const params = Object.fromEntries(tables.map((id, i) => [`r${i}`, id]));
  const rows = await pb.collection("round_table_participants").getFullList({
    filter: pb.filter(`status = 'accepted' && named_in_summary = 'granted' && (${tables.map((_, i) => `round_table = {:r${i}}`).join(" || ")})`, params),
    expand: "organization",
    fields: "round_table,expand.organization.name",
  });
  for (const r of summaries) {
    const names = rows.filter((p) => p.round_table === r.round_table).map((p) => String(p.expand?.organization?.name ?? ""));
    if (names.length > 0) found.set(r.id, names.filter(Boolean).join(" "));
  }
  return found;
}

/** The published summary of a round table (for /round-tables' past entries), or null. */
export async function publishedSummaryFor(roundTableId: string): Promise<{ slug: string; title: string; language: string } | null> {
  if (!/^[a-z0-9]{15}$/.test(roundTableId)) return null;
  const pb = await getPocketBase();
  const found = await pb.collection("posts").getList(1, 1, {
    filter: pb.filter("round_table = {:r} && kind = 'round_table_summary' && status = 'published' && translation_of = ''", { r: roundTableId }),
    fields: "slug,title,language",
  });
  const p = found.items[0];
  return p ? { slug: p.slug, title: p.title, language: p.language } : null;
}

/** The published summaries that name this organisation as a participant (it consented), newest first: "Round tables it took part in". */
export async function summariesNaming(
  organizationId: string,
): Promise<{ slug: string; title: string; language: string; roundTable: string; roundTableLanguage: string; publishedAt: string }[]> {
  if (!/^[a-z0-9]{15}$/.test(organizationId)) return [];
  const pb = await getPocketBase();
  const rows = await pb.collection("round_table_participants").getFullList({
    filter: pb.filter("organization = {:o} && status = 'accepted' && named_in_summary = 'granted'", { o: organizationId }),
    fields: "round_table",
  });
  if (rows.length === 0) return [];
  const params = Object.fromEntries(rows.map((r, i) => [`r${i}`, r.round_table]));
  const posts = await pb.collection("posts").getFullList({
    filter: pb.filter(`kind = 'round_table_summary' && status = 'published' && (${rows.map((_, i) => `round_table = {:r${i}}`).join(" || ")})`, params),
    expand: "round_table",
    fields: "slug,title,language,published_at,expand.round_table.title,expand.round_table.languages",
    sort: "-published_at",
  });
  return posts.map((p) => ({
    slug: p.slug,
    title: p.title,
    language: p.language,
    roundTable: String(p.expand?.round_table?.title ?? ""),
    // A round table's title is written in its first language (the form lists the main one first).
    roundTableLanguage: String(p.expand?.round_table?.languages?.[0] ?? p.language),
    publishedAt: p.published_at,
  }));
}

/** A session's dates as the summary page shows them ("12 March 2026"). */
export function sessionDates(locale: Locale, sessions: readonly { startsAt: string }[]): string {
  return sessions.map((s) => formatDate(locale, s.startsAt)).join(", ") || t(locale, "summary.no_sessions");
}
