// Attachments of posts: PDF, PNG or JPEG only — recognised by their first bytes, not by
// their name — at most 5 per post and 10 MB each. Stored as protected PocketBase files
// under neutral names, so an original file name can never reveal who wrote the post.
import type { RecordModel } from "pocketbase";
import { ValidationError } from "./errors.ts";
import { getPocketBase } from "./pocketbase.ts";

/** Most attachments a post may carry. */
export const MAX_ATTACHMENTS = 5;
/** Largest attachment, in bytes. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

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

/** Checks new uploads against the rules; returns them renamed to neutral names. */
export async function prepareAttachments(files: File[], existingCount: number): Promise<File[]> {
  const real = files.filter((f) => f.size > 0);
  if (existingCount + real.length > MAX_ATTACHMENTS) throw new ValidationError("attachments", `A post can have at most ${MAX_ATTACHMENTS} attachments.`);
  const out: File[] = [];
  for (const [i, file] of real.entries()) {
    if (file.size > MAX_ATTACHMENT_BYTES) throw new ValidationError("attachments", `“${file.name.slice(0, 80)}” is larger than 10 MB.`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const sniffed = sniffAttachmentType(bytes.subarray(0, 16));
    if (!sniffed) throw new ValidationError("attachments", `“${file.name.slice(0, 80)}” is not a PDF, PNG or JPEG file (checked by its content, not its name).`);
    out.push(new File([bytes], `attachment-${existingCount + i + 1}.${sniffed.ext}`, { type: sniffed.type }));
  }
  return out;
}

/** Adds and removes attachments of a post that is not published (published posts keep theirs). */
export async function updateAttachments(post: RecordModel, add: File[], remove: string[]): Promise<void> {
  const existing: string[] = Array.isArray(post.attachments) ? post.attachments : [];
  const removing = remove.filter((name) => existing.includes(name));
  const prepared = await prepareAttachments(add, existing.length - removing.length);
  if (prepared.length === 0 && removing.length === 0) return;
  const pb = await getPocketBase();
  await pb.collection("posts").update(post.id, { ...(prepared.length ? { "attachments+": prepared } : {}), ...(removing.length ? { "attachments-": removing } : {}) });
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
  return { body, type: sniffed.type, ext: sniffed.ext };
}

/** An allowed attachment type. */
export type AttachmentType = "application/pdf" | "image/png" | "image/jpeg";

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
