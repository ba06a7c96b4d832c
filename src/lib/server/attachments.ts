// Attachments of posts: PDF, PNG or JPEG only — recognised by their first bytes, not by
// their name — at most MAX_ATTACHMENTS per post of MAX_ATTACHMENT_BYTES each (src/lib/limits.ts).
// Stored as protected PocketBase files under neutral names, so an original file name can
// never reveal who wrote the post, and without their metadata (issue 9 §3): what was
// removed, and what the privacy guard found in it and in a PDF's text, is kept on the post
// (`attachment_reports`) for the author and the moderator only.
import type { RecordModel } from "pocketbase";
import { MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES, megabytes } from "../limits.ts";
import { ValidationError } from "./errors.ts";
import { scrubFile, type RemovedMetadata } from "./filemetadata.ts";
import { getPocketBase } from "./pocketbase.ts";
import { scanText, type PrivacyFinding } from "./privacy.ts";
import { say } from "../../i18n/domain.ts";

export { MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES };

const SIGNATURES: { type: AttachmentType; ext: string; bytes: number[] }[] = [
  { type: "application/pdf", ext: "pdf", bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { type: "image/png", ext: "png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: "image/jpeg", ext: "jpg", bytes: [0xff, 0xd8, 0xff] },
];

/** The real type of a file from its first bytes, or null when it is none of the allowed ones. */
export function sniffAttachmentType(head: Uint8Array): { type: AttachmentType; ext: string } | null {
  const match = SIGNATURES.find((s) => s.bytes.every((b, i) => head[i] === b));
  return match ? { type: match.type, ext: match.ext } : null;
}

/**
 * Checks new uploads against the rules and removes their metadata; returns them renamed
 * to neutral names, each with its report (what was removed, what the guard found).
 */
export async function prepareAttachments(files: File[], existingCount: number): Promise<PreparedAttachment[]> {
  const real = files.filter((f) => f.size > 0);
  if (existingCount + real.length > MAX_ATTACHMENTS) throw new ValidationError("attachments", say("domain.attachment.too_many", { max: MAX_ATTACHMENTS }));
  const limit = megabytes(MAX_ATTACHMENT_BYTES);
  // Sizes and types first, so a bad file is refused before any slow re-encoding.
  const checked = await Promise.all(
    real.map(async (file) => {
      const name = file.name.slice(0, 80);
      if (file.size > MAX_ATTACHMENT_BYTES) throw new ValidationError("attachments", say("domain.attachment.too_large", { name, megabytes: limit }));
      const bytes = new Uint8Array(await file.arrayBuffer());
      const sniffed = sniffAttachmentType(bytes.subarray(0, 16));
      if (!sniffed) throw new ValidationError("attachments", say("domain.attachment.not_type", { name }));
      return { name, bytes, sniffed };
    }),
  );
  const out: PreparedAttachment[] = [];
  // One at a time: decoding images and PDFs is memory-hungry.
  for (const [i, { name, bytes, sniffed }] of checked.entries()) {
    const scrubbed = await scrubFile(bytes, sniffed.type, name);
    if (scrubbed.bytes.byteLength > MAX_ATTACHMENT_BYTES)
      throw new ValidationError("attachments", say("domain.attachment.too_large_resaved", { name, megabytes: limit }));
    const findings = [
      ...scanText("attachment.metadata", scrubbed.metadataText),
      ...(scrubbed.contentText ? scanText("attachment.text", scrubbed.contentText) : []),
    ].map((f) => ({ ...f, excerpt: f.excerpt.slice(0, 300) }));
    out.push({
      file: new File([scrubbed.bytes as Uint8Array<ArrayBuffer>], `attachment-${existingCount + i + 1}.${sniffed.ext}`, { type: sniffed.type }),
      report: {
        original: name,
        type: sniffed.type,
        removed: scrubbed.removed,
        findings,
        textChecked: sniffed.type === "application/pdf" ? scrubbed.textComplete : null,
      },
    });
  }
  return out;
}

/** Adds (already prepared) and removes attachments of a post that is not published (published posts keep theirs). */
export async function updateAttachments(post: RecordModel, add: PreparedAttachment[], remove: string[]): Promise<void> {
  const existing: string[] = Array.isArray(post.attachments) ? post.attachments : [];
  const removing = remove.filter((name) => existing.includes(name));
  if (add.length === 0 && removing.length === 0) return;
  if (existing.length - removing.length + add.length > MAX_ATTACHMENTS)
    throw new ValidationError("attachments", say("domain.attachment.too_many", { max: MAX_ATTACHMENTS }));
  const pb = await getPocketBase();
  const updated = await pb.collection("posts").update(post.id, {
    ...(add.length ? { "attachments+": add.map((a) => a.file) } : {}),
    ...(removing.length ? { "attachments-": removing } : {}),
  });
  // PocketBase appends new files in order under names of its own: the ones not there before are ours, in order.
  const names: string[] = Array.isArray(updated.attachments) ? updated.attachments : [];
  const kept = new Set(existing.filter((n) => !removing.includes(n)));
  const added = names.filter((n) => !kept.has(n));
  const reports = [...attachmentReports(post).filter((r) => kept.has(r.file)), ...added.map((file, i) => ({ file, ...add[i]!.report }))];
  await pb.collection("posts").update(post.id, { attachment_reports: reports });
}

/** What was removed from each stored attachment of a post and what the privacy guard found (author and moderators only). */
export function attachmentReports(post: Record<string, unknown>): AttachmentReport[] {
  return Array.isArray(post.attachment_reports) ? (post.attachment_reports as AttachmentReport[]) : [];
}

/** The privacy findings in a post's attachments (metadata and PDF text). */
export function attachmentFindings(post: Record<string, unknown>): PrivacyFinding[] {
  return attachmentReports(post).flatMap((r) => r.findings);
}

/** Downloads one attachment for a viewer already allowed to see the post. */
export async function fetchAttachment(post: RecordModel, index: number): Promise<{ body: ArrayBuffer; type: string; ext: string } | null> {
  const files: string[] = Array.isArray(post.attachments) ? post.attachments : [];
  const name = files[index];
  if (!name) return null;
  const pb = await getPocketBase();
  const token = await pb.files.getToken();
  const res = await fetch(pb.files.getURL(post, name, { token }));
  if (!res.ok) return null;
  const body = await res.arrayBuffer();
  const sniffed = sniffAttachmentType(new Uint8Array(body.slice(0, 16)));
  if (!sniffed) return null;
  // A file stored before uploads were stripped has no report: strip it on the way out, and
  // serve nothing rather than its metadata when that fails.
  if (!attachmentReports(post).some((r) => r.file === name)) {
    const scrubbed = await scrubFile(new Uint8Array(body), sniffed.type, name).catch(() => null);
    if (!scrubbed) return null;
    return { body: scrubbed.bytes.slice().buffer, type: sniffed.type, ext: sniffed.ext };
  }
  return { body, type: sniffed.type, ext: sniffed.ext };
}

/** An allowed attachment type. */
export type AttachmentType = "application/pdf" | "image/png" | "image/jpeg";

/** What happened to one uploaded file: kept on the post, never public. */
export type AttachmentReport = {
  /** The stored (neutral) file name. */
  file: string;
  /** The uploader's file name, cut to 80 characters. */
  original: string;
  type: AttachmentType;
  removed: RemovedMetadata[];
  /** Findings in the removed metadata (`attachment.metadata`) and in a PDF's text (`attachment.text`). */
  findings: PrivacyFinding[];
  /** PDFs: whether all of the text could be extracted and checked; null for images. */
  textChecked: boolean | null;
};

/** A new upload without its metadata, ready to store, and its report. */
export type PreparedAttachment = { file: File; report: Omit<AttachmentReport, "file"> };

/** The HTTP response for attachment number `n` (1-based) of a post the viewer may see. */
export async function attachmentResponse(post: RecordModel | null, n: string, baseName: string): Promise<Response> {
  const index = /^[1-9]$/.test(n) ? Number(n) - 1 : -1;
  const file = post && index >= 0 ? await fetchAttachment(post, index) : null;
  if (!file) return new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  return new Response(file.body, {
    headers: {
      "content-type": file.type,
      "content-disposition": `attachment; filename="${baseName}-${index + 1}.${file.ext}"`,
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "cache-control": "private, no-store",
    },
  });
}
