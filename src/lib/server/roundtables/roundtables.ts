// Round tables (issue 14 §3): a verified organisation's editors or admins host one — topic,
// description, languages, contact, Chatham House setting, sessions — and invite verified
// organisations, whose admins accept (naming who attends) or decline. Participants are the
// active members of the host and of accepting organisations; only they see the sessions'
// place and link and the preparation space (preparation.ts). Who was invited or accepted is
// never public: naming needs consent, which is the summary's job (summaries.ts).
import { z } from "astro/zod";
import type { RecordModel } from "pocketbase";
import { say } from "../../../i18n/domain.ts";
import { LANGUAGES } from "../../codelists.ts";
import { assertCan, can, type Subject } from "../can.ts";
import { now } from "../clock.ts";
import { ValidationError } from "../errors.ts";
import { randomRecordId, slugifyText } from "../ids.ts";
import { renderUntrustedMarkdown } from "../markdown.ts";
import { type PlannedNotice, prepareNotices, writeNotices } from "../notify.ts";
import { getPocketBase, isNotFound } from "../pocketbase.ts";
import type { Actor } from "../users.ts";
import { lateNamingRequest, writeNamingRequests } from "./summaries.ts";
import { isTimeZone, zonedToUtc } from "./time.ts";

/** The statuses a host sets (summarised is set by the summary's publication). */
export const ROUND_TABLE_STATUSES = ["planned", "open", "closed"] as const;
/** How many session rows the form offers (a round table has one to this many sessions). */
export const SESSION_ROWS = 3;

const optionalText = (max: number) => z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().max(max));
const sessionRow = (i: number) => ({
  [`s${i}_id`]: z.preprocess((v) => v || "", z.string().regex(/^([a-z0-9]{15})?$/)),
  [`s${i}_date`]: optionalText(10),
  [`s${i}_start`]: optionalText(5),
  [`s${i}_end`]: optionalText(5),
  [`s${i}_zone`]: optionalText(60),
  [`s${i}_place`]: optionalText(500),
  [`s${i}_url`]: optionalText(2000),
  [`s${i}_agenda`]: optionalText(20000),
});

/** The round-table form's fields (hosting and editing), before cross-field checks. */
export const roundTableFieldsSchema = z.object({
  title: z.preprocess(
    (v) => (typeof v === "string" ? v.trim() : ""),
    z
      .string()
      .min(3, { error: say("domain.roundtable.title") })
      .max(200, { error: say("domain.roundtable.title") }),
  ),
  description: optionalText(20000),
  languages: z.preprocess(
    (v) => (v == null ? [] : Array.isArray(v) ? v : [v]),
    z.array(z.enum(LANGUAGES)).min(1, { error: say("domain.roundtable.languages") }),
  ),
  host_contact: optionalText(300),
  chatham_house: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()),
  status: z.enum(ROUND_TABLE_STATUSES, { error: say("domain.roundtable.status") }).default("planned"),
  invite: z.preprocess((v) => (v == null || v === "" ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^[a-z0-9]{15}$/)).max(50)),
  ...Object.assign({}, ...Array.from({ length: SESSION_ROWS }, (_, i) => sessionRow(i))),
});

/** A session as validated from one row of the form. */
export type SessionInput = { id: string; startsAt: Date; endsAt: Date; zone: string; place: string; url: string; agenda: string };

/** Cross-field checks of the form: each filled session row is complete and consistent; at least one session. */
export function refineRoundTable(v: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (Array.isArray(v.languages) && v.languages.length === 0)
    ctx.addIssue({ code: "custom", path: ["languages"], message: say("domain.roundtable.languages") });
  let sessions = 0;
  for (let i = 0; i < SESSION_ROWS; i++) {
    const row = (f: string) => String(v[`s${i}_${f}`] ?? "");
    const filled = ["date", "start", "end", "place", "url", "agenda"].some((f) => row(f) !== "");
    if (!filled) continue;
    sessions++;
    const zone = row("zone") || "Europe/Brussels";
    if (!isTimeZone(zone)) ctx.addIssue({ code: "custom", path: [`s${i}_zone`], message: say("domain.roundtable.zone") });
    const start = zonedToUtc(row("date"), row("start"), zone);
    const end = zonedToUtc(row("date"), row("end"), zone);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(row("date"))) ctx.addIssue({ code: "custom", path: [`s${i}_date`], message: say("domain.roundtable.date") });
    else if (!start) ctx.addIssue({ code: "custom", path: [`s${i}_start`], message: say("domain.roundtable.time") });
    else if (!end) ctx.addIssue({ code: "custom", path: [`s${i}_end`], message: say("domain.roundtable.time") });
    else if (end <= start) ctx.addIssue({ code: "custom", path: [`s${i}_end`], message: say("domain.roundtable.end_before_start") });
    const url = row("url");
    if (url && !isWebLink(url)) ctx.addIssue({ code: "custom", path: [`s${i}_url`], message: say("domain.roundtable.url") });
  }
  if (sessions === 0) ctx.addIssue({ code: "custom", path: ["s0_date"], message: say("domain.roundtable.no_session") });
}

/** The form, validated. */
export const roundTableSchema = roundTableFieldsSchema.superRefine(refineRoundTable);
type RoundTableForm = {
  title: string;
  description: string;
  languages: string[];
  host_contact: string;
  chatham_house: boolean;
  status: (typeof ROUND_TABLE_STATUSES)[number];
  invite: string[];
} & Record<string, unknown>;

/** Whether a link is an absolute http(s) address (never javascript:, data: or a relative path). */
export function isWebLink(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "https:" || parsed.protocol === "http:") && Boolean(parsed.hostname);
  } catch {
    return false;
  }
}

/** The session rows of a validated form (filled rows only), in the order typed. */
export function sessionsOf(form: Record<string, unknown>): (SessionInput & { row: number })[] {
  const out: (SessionInput & { row: number })[] = [];
  for (let i = 0; i < SESSION_ROWS; i++) {
    const row = (f: string) => String(form[`s${i}_${f}`] ?? "");
    const zone = row("zone") || "Europe/Brussels";
    const startsAt = zonedToUtc(row("date"), row("start"), zone);
    const endsAt = zonedToUtc(row("date"), row("end"), zone);
    if (!startsAt || !endsAt) continue;
    out.push({ row: i, id: row("id"), startsAt, endsAt, zone, place: row("place"), url: row("url"), agenda: row("agenda") });
  }
  return out;
}

/** One session as loaded. */
export type Session = {
  id: string;
  startsAt: string;
  endsAt: string;
  timeZone: string;
  place: string;
  onlineUrl: string;
  agendaMd: string;
  agendaHtml: string;
  reminderSentAt: string | null;
};

/** One invited organisation and its answer. */
export type Participation = {
  id: string;
  organizationId: string;
  organizationName: string;
  organizationSlug: string;
  status: "invited" | "accepted" | "declined";
  attendees: string[];
  namedInSummary: string;
};

/** A round table with its host, sessions and invited organisations (never all of it public: see publicView). */
export type RoundTable = {
  id: string;
  slug: string;
  title: string;
  descriptionMd: string;
  descriptionHtml: string;
  languages: string[];
  hostContact: string;
  status: "planned" | "open" | "closed" | "summarised";
  chathamHouse: boolean;
  host: { id: string; name: string; slug: string; verified: boolean };
  sessions: Session[];
  participants: Participation[];
  created: string;
};

function toSession(r: RecordModel): Session {
  return {
    id: r.id,
    startsAt: iso(r.starts_at),
    endsAt: iso(r.ends_at),
    timeZone: String(r.time_zone || "Europe/Brussels"),
    place: String(r.place ?? ""),
    onlineUrl: String(r.online_url ?? ""),
    agendaMd: String(r.agenda_md ?? ""),
    agendaHtml: String(r.agenda_html ?? ""),
    reminderSentAt: r.reminder_sent_at ? iso(r.reminder_sent_at) : null,
  };
}

/** PocketBase's "2026-01-01 10:00:00.000Z" as ISO 8601. */
function iso(value: unknown): string {
  return String(value ?? "").replace(" ", "T");
}

/** Loads a round table by slug or id with its host, sessions (by start) and participants; null when unknown. */
export async function loadRoundTable(slugOrId: string): Promise<RoundTable | null> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slugOrId)) return null;
  const pb = await getPocketBase();
  const record = await pb
    .collection("round_tables")
    .getFirstListItem(pb.filter("slug = {:s} || id = {:s}", { s: slugOrId }), { expand: "host" })
    .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
  if (!record) return null;
  const [sessions, participants] = await Promise.all([
    pb.collection("round_table_sessions").getFullList({ filter: pb.filter("round_table = {:t}", { t: record.id }), sort: "starts_at" }),
    pb
      .collection("round_table_participants")
      .getFullList({ filter: pb.filter("round_table = {:t}", { t: record.id }), expand: "organization", sort: "created" }),
  ]);
  const host = record.expand?.host as RecordModel | undefined;
  return {
    id: record.id,
    slug: record.slug,
    title: record.title,
    descriptionMd: record.description_md ?? "",
    descriptionHtml: record.description_html ?? "",
    languages: Array.isArray(record.languages) ? record.languages : [],
    hostContact: record.host_contact ?? "",
    status: record.status,
    chathamHouse: Boolean(record.chatham_house),
    host: { id: record.host, name: host?.name ?? "", slug: host?.slug ?? "", verified: host?.verified === true },
    sessions: sessions.map(toSession),
    participants: participants.map((p) => {
      const org = p.expand?.organization as RecordModel | undefined;
      return {
        id: p.id,
        organizationId: p.organization,
        organizationName: org?.name ?? "",
        organizationSlug: org?.slug ?? "",
        status: p.status,
        attendees: Array.isArray(p.attendees) ? p.attendees : [],
        namedInSummary: p.named_in_summary,
      };
    }),
    created: iso(record.created),
  };
}

/** The facts can() decides round-table actions on. */
export function roundTableSubject(table: RoundTable): NonNullable<Subject["roundTable"]> {
  const last = table.sessions.at(-1);
  return {
    hostId: table.host.id,
    status: table.status,
    sessionEnded: Boolean(last && new Date(last.endsAt).getTime() <= now()),
    acceptedOrganizationIds: table.participants.filter((p) => p.status === "accepted").map((p) => p.organizationId),
  };
}

/** Whether the actor is a participant: an active member of the host or of an accepting organisation. */
export function isParticipant(actor: Actor | null, table: RoundTable): boolean {
  return can(actor, "roundtable.view_preparation", { roundTable: roundTableSubject(table) });
}

/** Whether the actor is an editor or admin of the host (edits the round table, writes its summary). */
export function isHostManager(actor: Actor | null, table: RoundTable): boolean {
  return can(actor, "roundtable.manage", { organization: { id: table.host.id, verified: table.host.verified }, roundTable: roundTableSubject(table) });
}

/** The organisations the actor answers for (admin of an invited organisation), with their participation. */
export function answerableParticipations(actor: Actor | null, table: RoundTable): Participation[] {
  if (!actor) return [];
  return table.participants.filter((p) => {
    const m = actor.memberships.find((x) => x.organizationId === p.organizationId);
    return (
      m &&
      can(actor, "roundtable.respond", {
        organization: { id: p.organizationId, verified: m.organizationVerified },
        participant: { organizationId: p.organizationId, status: p.status },
        roundTable: roundTableSubject(table),
      })
    );
  });
}

/** Verified organisations a host may invite (every verified one but itself), by name. */
export async function invitableOrganizations(hostId: string): Promise<{ id: string; name: string }[]> {
  const pb = await getPocketBase();
  const rows = await pb
    .collection("organizations")
    .getFullList({ filter: pb.filter("verified = true && id != {:h}", { h: hostId }), fields: "id,name", sort: "name" });
  return rows.map((r) => ({ id: r.id, name: r.name }));
}

async function renderSessions(sessions: SessionInput[]): Promise<(SessionInput & { agendaHtml: string })[]> {
  const out: (SessionInput & { agendaHtml: string })[] = [];
  for (const [i, s] of sessions.entries()) out.push({ ...s, agendaHtml: await renderUntrustedMarkdown(s.agenda, { field: `s${i}_agenda` }) });
  return out;
}

function sessionData(tableId: string, s: SessionInput & { agendaHtml: string }) {
  return {
    round_table: tableId,
    starts_at: s.startsAt.toISOString(),
    ends_at: s.endsAt.toISOString(),
    time_zone: s.zone,
    place: s.place,
    online_url: s.url,
    agenda_md: s.agenda,
    agenda_html: s.agendaHtml,
  };
}

// Invitation notices to each newly invited organisation's admins ("your turn").
async function invitationNotices(actor: Actor, table: { slug: string; title: string }, hostName: string, orgIds: string[]): Promise<PlannedNotice[]> {
  const notices: PlannedNotice[] = [];
  for (const organizationId of orgIds) {
    notices.push(
      ...(await prepareNotices("roundtable_invitation", { organizationId, actorId: actor.id, authorId: null }, () => ({
        params: { title: table.title, host: hostName },
        path: `/round-tables/${table.slug}#answer`,
      }))),
    );
  }
  return notices;
}

async function checkInvitees(hostId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)].filter((id) => id !== hostId);
  if (unique.length === 0) return [];
  const allowed = new Set((await invitableOrganizations(hostId)).map((o) => o.id));
  if (unique.some((id) => !allowed.has(id))) throw new ValidationError("invite", say("domain.roundtable.invitee"));
  return unique;
}

/**
 * Hosts a round table for `hostId` (its editors and admins): the round table, its sessions, its
 * invitations and the invited admins' notices in one batch. Returns its slug.
 */
export async function createRoundTable(actor: Actor | null, hostId: string, raw: unknown): Promise<{ slug: string }> {
  const host = actor?.memberships.find((m) => m.organizationId === hostId);
  assertCan(actor, "roundtable.host", { organization: { id: hostId, verified: Boolean(host?.organizationVerified) } });
  const form = parseForm(raw);
  const descriptionHtml = await renderUntrustedMarkdown(form.description, { field: "description" });
  const sessions = await renderSessions(sessionsOf(form));
  const invitees = await checkInvitees(hostId, form.invite);
  const pb = await getPocketBase();
  let slug = slugifyText(form.title, 90) || "round-table";
  if (slug.length < 3) slug = `round-table-${slug}`;
  const taken = await pb.collection("round_tables").getList(1, 1, { filter: pb.filter("slug = {:s}", { s: slug }), fields: "id" });
  if (taken.totalItems > 0) slug = `${slug}-${now().toString(36)}`;
  const id = randomRecordId();
  const batch = pb.createBatch();
  batch.collection("round_tables").create({
    id,
    slug,
    title: form.title,
    host: hostId,
    created_by: actor.id,
    description_md: form.description,
    description_html: descriptionHtml,
    languages: form.languages,
    host_contact: form.host_contact,
    status: form.status,
    chatham_house: form.chatham_house,
  });
  for (const s of sessions) batch.collection("round_table_sessions").create(sessionData(id, s));
  for (const org of invitees)
    batch.collection("round_table_participants").create({ round_table: id, organization: org, status: "invited", named_in_summary: "not_asked" });
  writeNotices(batch, await invitationNotices(actor, { slug, title: form.title }, host?.organizationName ?? "", invitees));
  await batch.send();
  return { slug };
}

/**
 * Saves the host's changes: fields, status, sessions (a row with an id is updated, an emptied
 * one removed, a new one added) and new invitations (an invitation is never withdrawn here: an
 * organisation that answered keeps its answer). One batch.
 */
export async function updateRoundTable(actor: Actor | null, tableId: string, raw: unknown): Promise<{ slug: string }> {
  const table = await loadRoundTable(tableId);
  if (!table) throw new ValidationError("table", say("domain.roundtable.unknown"));
  assertCan(actor, "roundtable.manage", { organization: { id: table.host.id, verified: table.host.verified }, roundTable: roundTableSubject(table) });
  if (table.status === "summarised") throw new ValidationError("status", say("domain.roundtable.summarised"));
  const form = parseForm(raw);
  const descriptionHtml = await renderUntrustedMarkdown(form.description, { field: "description" });
  const sessions = await renderSessions(sessionsOf(form));
  const known = new Set(table.sessions.map((s) => s.id));
  if (sessions.some((s) => s.id && !known.has(s.id))) throw new ValidationError("s0_date", say("domain.roundtable.unknown"));
  const already = new Set(table.participants.map((p) => p.organizationId));
  const invitees = (await checkInvitees(table.host.id, form.invite)).filter((id) => !already.has(id));
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  batch.collection("round_tables").update(table.id, {
    title: form.title,
    description_md: form.description,
    description_html: descriptionHtml,
    languages: form.languages,
    host_contact: form.host_contact,
    status: form.status,
    chatham_house: form.chatham_house,
  });
  const kept = new Set<string>();
  for (const s of sessions) {
    if (s.id) {
      kept.add(s.id);
      const before = table.sessions.find((x) => x.id === s.id);
      // A session moved to another time gets its reminder again.
      const moved = before && before.startsAt !== s.startsAt.toISOString();
      batch.collection("round_table_sessions").update(s.id, { ...sessionData(table.id, s), ...(moved ? { reminder_sent_at: "" } : {}) });
    } else batch.collection("round_table_sessions").create(sessionData(table.id, s));
  }
  for (const s of table.sessions) if (!kept.has(s.id)) batch.collection("round_table_sessions").delete(s.id);
  for (const org of invitees)
    batch.collection("round_table_participants").create({ round_table: table.id, organization: org, status: "invited", named_in_summary: "not_asked" });
  writeNotices(batch, await invitationNotices(actor, { slug: table.slug, title: form.title }, table.host.name, invitees));
  await batch.send();
  return { slug: table.slug };
}

function parseForm(raw: unknown): RoundTableForm {
  const parsed = roundTableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(String(issue.path[0] ?? "title"), issue.message);
  }
  return parsed.data as unknown as RoundTableForm;
}

/**
 * An invited organisation's admin answers for it: accept (naming who attends, among its active
 * members) or decline. The participation and the host admins' notices in one batch.
 */
export async function respondToInvitation(
  actor: Actor | null,
  participantId: string,
  answer: "accepted" | "declined",
  attendeeIds: string[],
): Promise<{ slug: string }> {
  const pb = await getPocketBase();
  // Gone when its host withdrew it (withdrawInvitation): said as such, not PocketBase's 404.
  const row = await pb
    .collection("round_table_participants")
    .getOne(participantId)
    .catch(() => null);
  if (!row) throw new ValidationError("answer", say("domain.roundtable.invitation_gone"));
  const table = await loadRoundTable(row.round_table);
  if (!table) throw new ValidationError("answer", say("domain.roundtable.unknown"));
  const membership = actor?.memberships.find((m) => m.organizationId === row.organization);
  assertCan(actor, "roundtable.respond", {
    organization: { id: row.organization, verified: Boolean(membership?.organizationVerified) },
    participant: { organizationId: row.organization, status: row.status },
    roundTable: roundTableSubject(table),
  });
  let attendees: string[] = [];
  if (answer === "accepted") {
    const members = await pb
      .collection("memberships")
      .getFullList({ filter: pb.filter("organization = {:o} && status = 'active'", { o: row.organization }), fields: "user" });
    const active = new Set(members.map((m) => m.user as string));
    attendees = [...new Set(attendeeIds)];
    if (attendees.length === 0) throw new ValidationError("attendees", say("domain.roundtable.attendees"));
    if (attendees.some((id) => !active.has(id))) throw new ValidationError("attendees", say("domain.roundtable.attendee_not_member"));
    if (attendees.length > 20) throw new ValidationError("attendees", say("domain.roundtable.attendees"));
  }
  // Accepting while the summary is in review: asked now whether it may be named, as those who accepted before were.
  const naming =
    answer === "accepted"
      ? await lateNamingRequest(table.id, { id: row.id, organizationId: row.organization, named: row.named_in_summary || "not_asked" })
      : { ask: [], notices: [] };
  const batch = pb.createBatch();
  batch
    .collection("round_table_participants")
    .update(row.id, { status: answer, attendees, responded_by: actor.id, responded_at: new Date(now()).toISOString() });
  writeNamingRequests(batch, naming.ask);
  writeNotices(batch, naming.notices);
  const orgName = membership?.organizationName ?? "";
  writeNotices(
    batch,
    await prepareNotices("roundtable_answer", { organizationId: table.host.id, actorId: actor.id, authorId: null }, () => ({
      params: { title: table.title, org: orgName, answer },
      path: `/round-tables/${table.slug}`,
    })),
  );
  await batch.send();
  return { slug: table.slug };
}

/**
 * The host takes back an invitation nobody has answered yet (the wrong organisation, or one no
 * longer wanted): the invitation is gone, and the organisation can no longer answer it. One that
 * was answered stays — an accepting organisation's people already see the preparation space.
 */
export async function withdrawInvitation(actor: Actor | null, participantId: string): Promise<{ slug: string }> {
  const pb = await getPocketBase();
  const row = await pb
    .collection("round_table_participants")
    .getOne(participantId)
    .catch(() => null);
  const table = row ? await loadRoundTable(row.round_table) : null;
  if (!row || !table) throw new ValidationError("participant", say("domain.roundtable.unknown"));
  assertCan(actor, "roundtable.manage", { organization: { id: table.host.id, verified: table.host.verified }, roundTable: roundTableSubject(table) });
  if (table.status === "summarised") throw new ValidationError("participant", say("domain.roundtable.summarised"));
  if (row.status !== "invited") throw new ValidationError("participant", say("domain.roundtable.withdraw_answered"));
  await pb.collection("round_table_participants").delete(row.id);
  return { slug: table.slug };
}

/** The active members of an organisation (id and name), for naming attendees. */
export async function activeMembers(organizationId: string): Promise<{ id: string; name: string }[]> {
  const pb = await getPocketBase();
  const rows = await pb
    .collection("memberships")
    .getFullList({ filter: pb.filter("organization = {:o} && status = 'active'", { o: organizationId }), expand: "user", sort: "created" });
  return rows.map((r) => ({ id: r.user as string, name: String((r.expand?.user as RecordModel | undefined)?.name ?? "") }));
}

/** A line of a listing: what anyone may see of a round table. */
export type RoundTableListItem = {
  slug: string;
  title: string;
  hostName: string;
  hostSlug: string;
  status: string;
  languages: string[];
  sessions: { startsAt: string; endsAt: string; timeZone: string }[];
  /** The slug of its published summary, if any. */
  summarySlug: string | null;
};

async function listItems(records: RecordModel[]): Promise<RoundTableListItem[]> {
  if (records.length === 0) return [];
  const pb = await getPocketBase();
  const params = Object.fromEntries(records.map((r, i) => [`t${i}`, r.id]));
  const ors = records.map((_, i) => `round_table = {:t${i}}`).join(" || ");
  const [sessions, summaries] = await Promise.all([
    pb.collection("round_table_sessions").getFullList({ filter: pb.filter(ors, params), sort: "starts_at", fields: "round_table,starts_at,ends_at,time_zone" }),
    pb
      .collection("posts")
      .getFullList({ filter: pb.filter(`kind = 'round_table_summary' && status = 'published' && (${ors})`, params), fields: "round_table,slug" }),
  ]);
  return records.map((r) => ({
    slug: r.slug,
    title: r.title,
    hostName: (r.expand?.host as RecordModel | undefined)?.name ?? "",
    hostSlug: (r.expand?.host as RecordModel | undefined)?.slug ?? "",
    status: r.status,
    languages: Array.isArray(r.languages) ? r.languages : [],
    sessions: sessions
      .filter((s) => s.round_table === r.id)
      .map((s) => ({ startsAt: iso(s.starts_at), endsAt: iso(s.ends_at), timeZone: String(s.time_zone || "Europe/Brussels") })),
    summarySlug: summaries.find((p) => p.round_table === r.id)?.slug ?? null,
  }));
}

/** Whether a listed round table is over (its last session ended, or it is closed or summarised). */
export function isPast(item: Pick<RoundTableListItem, "status" | "sessions">, at = now()): boolean {
  if (item.status === "closed" || item.status === "summarised") return true;
  const last = item.sessions.at(-1);
  return Boolean(last && new Date(last.endsAt).getTime() <= at);
}

/** Every round table of verified hosts, split into upcoming (soonest first) and past (latest first). */
export async function listRoundTables(): Promise<{ upcoming: RoundTableListItem[]; past: RoundTableListItem[] }> {
  const pb = await getPocketBase();
  const records = await pb.collection("round_tables").getFullList({ filter: "host.verified = true", expand: "host", sort: "-created" });
  const items = await listItems(records);
  const first = (i: RoundTableListItem) => i.sessions[0]?.startsAt ?? "";
  const last = (i: RoundTableListItem) => i.sessions.at(-1)?.startsAt ?? "";
  return {
    upcoming: items.filter((i) => !isPast(i)).sort((a, b) => first(a).localeCompare(first(b))),
    past: items.filter((i) => isPast(i)).sort((a, b) => last(b).localeCompare(last(a))),
  };
}

/** The round tables an organisation hosts (its page's section). */
export async function roundTablesHostedBy(organizationId: string): Promise<RoundTableListItem[]> {
  const pb = await getPocketBase();
  const records = await pb
    .collection("round_tables")
    .getFullList({ filter: pb.filter("host = {:o}", { o: organizationId }), expand: "host", sort: "-created" });
  return listItems(records);
}

/** The round tables the actor takes part in (member of the host or of an accepting organisation). */
export async function roundTablesOf(actor: Actor): Promise<RoundTableListItem[]> {
  const orgs = actor.memberships.map((m) => m.organizationId);
  if (orgs.length === 0) return [];
  const pb = await getPocketBase();
  const params = Object.fromEntries(orgs.map((o, i) => [`o${i}`, o]));
  const accepted = await pb.collection("round_table_participants").getFullList({
    filter: pb.filter(`status = 'accepted' && (${orgs.map((_, i) => `organization = {:o${i}}`).join(" || ")})`, params),
    fields: "round_table",
  });
  const ids = [...new Set(accepted.map((a) => a.round_table as string))];
  const idParams = Object.fromEntries(ids.map((id, i) => [`t${i}`, id]));
  const filter = [...orgs.map((_, i) => `host = {:o${i}}`), ...ids.map((_, i) => `id = {:t${i}}`)].join(" || ");
  const records = await pb.collection("round_tables").getFullList({ filter: pb.filter(filter, { ...params, ...idParams }), expand: "host", sort: "-created" });
  return listItems(records);
}

/** Invitations waiting for an answer from an organisation the actor administers. */
export async function invitationsToAnswer(actor: Actor): Promise<{ slug: string; title: string; hostName: string; organizationName: string }[]> {
  const orgs = actor.memberships.filter((m) => m.role === "admin").map((m) => m.organizationId);
  if (orgs.length === 0) return [];
  const pb = await getPocketBase();
  const params = Object.fromEntries(orgs.map((o, i) => [`o${i}`, o]));
  const rows = await pb.collection("round_table_participants").getFullList({
    filter: pb.filter(
      `status = 'invited' && round_table.status != 'closed' && round_table.status != 'summarised' && (${orgs.map((_, i) => `organization = {:o${i}}`).join(" || ")})`,
      params,
    ),
    expand: "round_table.host,organization",
    sort: "-created",
  });
  return rows.map((r) => {
    const table = r.expand?.round_table as RecordModel | undefined;
    return {
      slug: table?.slug ?? "",
      title: table?.title ?? "",
      hostName: (table?.expand?.host as RecordModel | undefined)?.name ?? "",
      organizationName: (r.expand?.organization as RecordModel | undefined)?.name ?? "",
    };
  });
}
