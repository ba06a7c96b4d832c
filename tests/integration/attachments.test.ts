// Attachments: type by content, size and count limits, neutral names, served only when
// the viewer may see the post, and stored without their metadata (issue 9 §3) with a report
// of what was removed and what the privacy guard found for the author and the moderator.
import { crc32, deflateSync } from "node:zlib";
import type PocketBase from "pocketbase";
import type { RecordModel } from "pocketbase";
import { PDFDocument, PDFName } from "pdf-lib";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { attachmentReports, attachmentResponse, prepareAttachments, sniffAttachmentType } from "../../src/lib/server/attachments.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { getPrivatePost } from "../../src/lib/server/queues.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { MAX_ATTACHMENT_BYTES } from "../../src/lib/limits.ts";
import { NATIONAL_NUMBER, PLANTED, jpegWithMetadata, pdfWithMetadata, pngWithText } from "../helpers/files.ts";
import { say } from "../../src/i18n/domain.ts";
import { createOrganization, createUser, refusalIn, unique, useTestPocketBase } from "./setup.ts";

const PDF_HEAD = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0x25, 0x25, 0x45, 0x4f, 0x46]);
const PNG_HEAD = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const EXE = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]);

/** A PNG of a few hundred bytes that declares 20,000 × 20,000 pixels (1.2 GB once decoded). */
function pixelBomb(): Uint8Array<ArrayBuffer> {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20_000, 0);
  ihdr.writeUInt32BE(20_000, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return new Uint8Array(
    Buffer.concat([Buffer.from(PNG_HEAD.subarray(0, 8)), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(10))), chunk("IEND", Buffer.alloc(0))]),
  );
}

let pb: PocketBase;
beforeAll(async () => {
  pb = await useTestPocketBase();
});

async function editorOfNewOrg(): Promise<{ actor: Actor; orgId: string }> {
  const editor = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: editor.id, role: "editor" }]);
  return { actor: (await loadActor(editor.id))!, orgId: org.id };
}

function draft(orgId: string) {
  return {
    kind: "case_study",
    organization: orgId,
    title: `With attachment ${unique("a")}`,
    summary: "A case study with a report attached to it.",
    body_md: "## Context\n\nSee the attached evaluation report for the numbers.",
    language: "en",
    outcome: "success",
    lifecycle_stage: "pilot",
    care_settings: ["hospital"],
    ai_types: ["nlp"],
  };
}

async function storedBytes(record: RecordModel, n: number): Promise<Buffer> {
  const res = await attachmentResponse(record, String(n), "casebook-x");
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

function expectNothingPlanted(bytes: Buffer) {
  for (const planted of Object.values(PLANTED)) expect(bytes.includes(planted), `"${planted}" survived`).toBe(false);
  expect(bytes.includes("Heidebloem")).toBe(false);
}

describe("attachments", () => {
  it("recognises PDF, PNG and JPEG by content only", () => {
    expect(sniffAttachmentType(PDF_HEAD)?.type).toBe("application/pdf");
    expect(sniffAttachmentType(PNG_HEAD)?.type).toBe("image/png");
    expect(sniffAttachmentType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))?.type).toBe("image/jpeg");
    expect(sniffAttachmentType(EXE)).toBeNull();
  });

  it("refuses a renamed executable, an unreadable file, too many files and oversized files", async () => {
    await expect(prepareAttachments([new File([EXE], "report.pdf", { type: "application/pdf" })], 0)).rejects.toThrow(/not a PDF, PNG or JPEG/);
    await expect(prepareAttachments([new File([PNG_HEAD], "broken.png")], 0)).rejects.toThrow(/“broken.png” could not be read as an image/);
    await expect(prepareAttachments([new File([PDF_HEAD], "broken.pdf")], 0)).rejects.toThrow(/“broken.pdf” could not be read as a PDF/);
    await expect(prepareAttachments([new File([pixelBomb()], "bomb.png")], 0)).rejects.toThrow(/“bomb.png” has more than 100 million pixels/);
    await expect(prepareAttachments([new File([await pdfWithMetadata()], "a.pdf")], 5)).rejects.toBeInstanceOf(ValidationError);
    const big = new Uint8Array(MAX_ATTACHMENT_BYTES + 1);
    big.set(PDF_HEAD);
    await expect(prepareAttachments([new File([big], "big.pdf")], 0)).rejects.toThrow(/larger than 10 MB/);
    const [renamed] = await prepareAttachments([new File([await pngWithText()], "AZ Heidebloem - patient Janssens.png")], 2);
    expect(renamed!.file.name).toBe("attachment-3.png");
  });

  it("stores neutral names and serves the file only to those who may see the post", async () => {
    const { actor, orgId } = await editorOfNewOrg();
    const saved = await saveDraft(actor, draft(orgId), undefined, {
      add: [new File([await pdfWithMetadata()], "Confidential report of AZ Secret.pdf", { type: "application/pdf" })],
    });
    const record = await pb.collection("posts").getOne(saved.id);
    expect(record.attachments).toHaveLength(1);
    expect(record.attachments[0]).toMatch(/^attachment_1_\w+\.pdf$/);
    const ok = await attachmentResponse(record, "1", "casebook-x");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/pdf");
    expect(ok.headers.get("content-disposition")).toBe('attachment; filename="casebook-x-1.pdf"');
    expect((await attachmentResponse(null, "1", "x")).status).toBe(404);
    expect((await attachmentResponse(record, "2", "x")).status).toBe(404);
    // Protected in PocketBase: no direct download without a token.
    const direct = await fetch(pb.files.getURL(record, record.attachments[0]));
    expect(direct.status).not.toBe(200);
  });

  it("stores a JPEG without EXIF, XMP or comment, turned upright, and reports what was removed", async () => {
    const { actor, orgId } = await editorOfNewOrg();
    const saved = await saveDraft(actor, draft(orgId), undefined, { add: [new File([await jpegWithMetadata()], "photo.jpg", { type: "image/jpeg" })] });
    const record = await pb.collection("posts").getOne(saved.id);
    const bytes = await storedBytes(record, 1);
    expectNothingPlanted(bytes);
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe("jpeg");
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    // Stored 60×30 with orientation 6: the pixels are turned, not the flag kept.
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([30, 60, 1]);

    const [report] = attachmentReports(record);
    expect(report).toMatchObject({ file: record.attachments[0], original: "photo.jpg", type: "image/jpeg", textChecked: null });
    const removed = report!.removed.map((r) => `${r.kind}=${r.value}`);
    expect(removed).toEqual(
      expect.arrayContaining([
        `camera=${PLANTED.camera}`,
        `author=${PLANTED.author}`,
        `software=${PLANTED.software}`,
        `comment=${PLANTED.comment}`,
        "gps=51 12 30 N, 4 24 0 E",
      ]),
    );
  });

  it("stores a PNG without its text chunks", async () => {
    const { actor, orgId } = await editorOfNewOrg();
    const saved = await saveDraft(actor, draft(orgId), undefined, { add: [new File([await pngWithText()], "chart.png", { type: "image/png" })] });
    const record = await pb.collection("posts").getOne(saved.id);
    const bytes = await storedBytes(record, 1);
    expectNothingPlanted(bytes);
    expect(bytes.includes("tEXt")).toBe(false);
    expect((await sharp(bytes).metadata()).comments).toBeUndefined();
    expect(attachmentReports(record)[0]!.removed).toEqual(expect.arrayContaining([{ kind: "author", value: `Author: ${PLANTED.author}` }]));
  });

  it("stores a PDF without Info or XMP (and without a producer of its own), runs the guard over metadata and text", async () => {
    const { actor, orgId } = await editorOfNewOrg();
    const saved = await saveDraft(actor, draft(orgId), undefined, {
      add: [new File([await pdfWithMetadata("Evaluation report of the triage pilot, ward 3B.")], "report.pdf", { type: "application/pdf" })],
    });
    const record = await pb.collection("posts").getOne(saved.id);
    const bytes = await storedBytes(record, 1);
    expectNothingPlanted(bytes);
    const text = bytes.toString("latin1");
    for (const key of ["/Author", "/Creator", "/Producer", "/Keywords", "/Company", "/Metadata", "/Info", "pdf-lib"])
      expect(text.includes(key), key).toBe(false);
    expect(text).toContain("/Type /Page");
    const reloaded = await PDFDocument.load(bytes, { updateMetadata: false });
    expect([reloaded.getAuthor(), reloaded.getCreator(), reloaded.getProducer(), reloaded.getKeywords(), reloaded.getTitle()]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(reloaded.catalog.get(PDFName.of("Metadata"))).toBeUndefined();

    const [report] = attachmentReports(record);
    expect(report!.textChecked).toBe(true);
    expect(report!.removed.map((r) => r.kind)).toEqual(expect.arrayContaining(["author", "software", "keywords", "company", "title", "subject"]));
    // The e-mail address in the Subject is a (non-blocking) finding of the guard.
    expect(report!.findings).toEqual([expect.objectContaining({ field: "attachment.metadata", kind: "email", blocking: false })]);
    // The author and the moderator see the report through the private view.
    const view = await getPrivatePost(actor, saved.id);
    expect(view!.attachmentReports).toEqual(attachmentReports(record));
    await expect(submitPost(actor, saved.id)).resolves.toEqual({ status: "submitted" });
  });

  it("blocks submission when a PDF's text holds a national register number, until the attachment is removed", async () => {
    const { actor, orgId } = await editorOfNewOrg();
    const input = draft(orgId);
    const saved = await saveDraft(actor, input, undefined, {
      add: [new File([await pdfWithMetadata(`Patient ${NATIONAL_NUMBER} was admitted twice.`)], "notes.pdf", { type: "application/pdf" })],
    });
    const record = await pb.collection("posts").getOne(saved.id);
    expect(attachmentReports(record)[0]!.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: "attachment.text", kind: "national_number", match: NATIONAL_NUMBER, blocking: true })]),
    );
    expect(await refusalIn(submitPost(actor, saved.id))).toEqual({ field: "privacy", message: say("domain.privacy.nrn_attachment") });
    expect(say("domain.privacy.nrn_attachment")).toMatch(/attachment contains a Belgian national register number/);
    expect((await pb.collection("posts").getOne(saved.id)).status).toBe("draft");

    await saveDraft(actor, input, saved.id, { remove: record.attachments });
    const after = await pb.collection("posts").getOne(saved.id);
    expect(after.attachments).toEqual([]);
    expect(attachmentReports(after)).toEqual([]);
    await expect(submitPost(actor, saved.id)).resolves.toEqual({ status: "submitted" });
  });

  it("strips a file stored before uploads were stripped (no report) when serving it", async () => {
    const { actor, orgId } = await editorOfNewOrg();
    const saved = await saveDraft(actor, draft(orgId));
    // What an upload looked like before the fix: the file as sent, no report.
    const legacy = await pb
      .collection("posts")
      .update(saved.id, { "attachments+": [new File([await jpegWithMetadata()], "attachment-1.jpg", { type: "image/jpeg" })] });
    expect(attachmentReports(legacy)).toEqual([]);
    const bytes = await storedBytes(legacy, 1);
    expectNothingPlanted(bytes);
    expect((await sharp(bytes).metadata()).exif).toBeUndefined();
  });

  it("keeps the reports of the files that stay when files are added and removed", async () => {
    const { actor, orgId } = await editorOfNewOrg();
    const input = draft(orgId);
    const saved = await saveDraft(actor, input, undefined, {
      add: [new File([await pngWithText()], "one.png"), new File([await jpegWithMetadata()], "two.jpg")],
    });
    const first = await pb.collection("posts").getOne(saved.id);
    await saveDraft(actor, input, saved.id, { add: [new File([await pdfWithMetadata()], "three.pdf")], remove: [first.attachments[0]] });
    const after = await pb.collection("posts").getOne(saved.id);
    expect(after.attachments).toHaveLength(2);
    expect(attachmentReports(after).map((r) => [r.file, r.original])).toEqual([
      [after.attachments[0], "two.jpg"],
      [after.attachments[1], "three.pdf"],
    ]);
  });
});
