// A round table's preparation space (issue 14 §3): messages between participants only —
// agenda suggestions and documents. Markdown is sanitized, the privacy guard refuses blocking
// patient identifiers (in the text and in attachments), attachments follow the posts' rules
// (attachments.ts: type sniffed, metadata removed, protected files). Never indexed: nothing
// here writes to the search outbox, and no feed, listing or API reads this collection.
import type { RecordModel } from "pocketbase";
import { say } from "../../../i18n/domain.ts";
import { attachmentFindings, attachmentResponse, prepareAttachments } from "../attachments.ts";
import { assertCan, can } from "../can.ts";
import { ValidationError } from "../errors.ts";
import { renderUntrustedMarkdown } from "../markdown.ts";
import { getPocketBase, isNotFound } from "../pocketbase.ts";
import { hasBlockingFindings, scanText } from "../privacy.ts";
import type { Actor } from "../users.ts";
import { loadRoundTable, type RoundTable, roundTableSubject } from "./roundtables.ts";

/** One message as participants see it. */
export type PreparationMessage = {
  id: string;
  authorName: string;
  organizationName: string;
  bodyHtml: string;
  attachments: { n: number; name: string }[];
  created: string;
};

/** The organisations the actor speaks for in this space (host first, then accepting ones), by name. */
export function speakingFor(actor: Actor, table: RoundTable): { id: string; name: string }[] {
  const accepted = new Set(table.participants.filter((p) => p.status === "accepted").map((p) => p.organizationId));
  return actor.memberships
    .filter((m) => m.organizationId === table.host.id || accepted.has(m.organizationId))
    .sort((a, b) => Number(b.organizationId === table.host.id) - Number(a.organizationId === table.host.id))
    .map((m) => ({ id: m.organizationId, name: m.organizationName }));
}

/** The preparation messages, oldest first, for a participant; throws ForbiddenError for anyone else. */
export async function listPreparationMessages(actor: Actor | null, table: RoundTable): Promise<PreparationMessage[]> {
  assertCan(actor, "roundtable.view_preparation", { roundTable: roundTableSubject(table) });
  const pb = await getPocketBase();
  const rows = await pb
    .collection("preparation_messages")
    .getFullList({ filter: pb.filter("round_table = {:t}", { t: table.id }), sort: "created", expand: "author,organization" });
  return rows.map((r) => ({
    id: r.id,
    authorName: String((r.expand?.author as RecordModel | undefined)?.name ?? ""),
    organizationName: String((r.expand?.organization as RecordModel | undefined)?.name ?? ""),
    bodyHtml: String(r.body_html ?? ""),
    attachments: (Array.isArray(r.attachments) ? (r.attachments as string[]) : []).map((_, i) => ({ n: i + 1, name: `${i + 1}` })),
    created: String(r.created ?? "").replace(" ", "T"),
  }));
}

/**
 * A participant writes in the preparation space, for one of the organisations it takes part
 * for. Refused (nothing stored) when the text or an attachment holds a blocking identifier.
 */
export async function postPreparationMessage(
  actor: Actor | null,
  tableId: string,
  input: { body: string; organizationId?: string | undefined; attachments?: File[] | undefined },
): Promise<{ slug: string; id: string }> {
  const table = await loadRoundTable(tableId);
  if (!table) throw new ValidationError("body", say("domain.roundtable.unknown"));
  assertCan(actor, "roundtable.post_preparation", { roundTable: roundTableSubject(table) });
  const orgs = speakingFor(actor, table);
  const organization = input.organizationId ? orgs.find((o) => o.id === input.organizationId) : orgs[0];
  if (!organization) throw new ValidationError("organizationId", say("domain.roundtable.speak_for"));
  const body = input.body.trim();
  if (body.length < 2) throw new ValidationError("body", say("domain.roundtable.message_empty"));
  if (body.length > 20000) throw new ValidationError("body", say("domain.roundtable.message_long"));
  if (hasBlockingFindings(scanText("body", body))) throw new ValidationError("body", say("domain.roundtable.patient_data"));
  const html = await renderUntrustedMarkdown(body, { field: "body" });
  const prepared = await prepareAttachments(input.attachments ?? [], 0);
  const reports = prepared.map((p) => p.report);
  if (hasBlockingFindings(attachmentFindings({ attachment_reports: reports })))
    throw new ValidationError("attachments", say("domain.roundtable.patient_data_file"));
  const pb = await getPocketBase();
  const created = await pb.collection("preparation_messages").create({
    round_table: table.id,
    author: actor.id,
    organization: organization.id,
    body_md: body,
    body_html: html,
    attachments: prepared.map((p) => p.file),
    privacy_findings: [],
  });
  // PocketBase stores the files under names of its own, in the order sent: the reports follow them.
  const names: string[] = Array.isArray(created.attachments) ? created.attachments : [];
  if (names.length > 0) {
    await pb.collection("preparation_messages").update(created.id, { attachment_reports: names.map((file, i) => ({ file, ...reports[i]! })) });
  }
  return { slug: table.slug, id: created.id };
}

/**
 * The HTTP response for attachment `n` of a preparation message: the file (with the posts'
 * download headers) for a participant of its round table, 404 for anyone else — the same answer
 * as for a message that does not exist, so an outsider learns nothing.
 */
export async function preparationAttachmentResponse(actor: Actor | null, tableSlug: string, messageId: string, n: string): Promise<Response> {
  const table = await loadRoundTable(tableSlug);
  const allowed = table && can(actor, "roundtable.view_preparation", { roundTable: roundTableSubject(table) });
  let message: RecordModel | null = null;
  if (allowed && /^[a-z0-9]{15}$/.test(messageId)) {
    const pb = await getPocketBase();
    message = await pb
      .collection("preparation_messages")
      .getFirstListItem(pb.filter("id = {:m} && round_table = {:t}", { m: messageId, t: table.id }))
      .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
  }
  return attachmentResponse(message, n, `casebook-preparation-${tableSlug}`);
}
