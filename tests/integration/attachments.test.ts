// Attachments: type by content, size and count limits, neutral names, served only when
// the viewer may see the post.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { attachmentResponse, prepareAttachments, sniffAttachmentType } from "../../src/lib/server/attachments.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { saveDraft } from "../../src/lib/server/moderation.ts";
import { loadActor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

const PDF = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0x25, 0x25, 0x45, 0x4f, 0x46]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const EXE = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]);

let pb: PocketBase;
beforeAll(async () => {
  pb = await useTestPocketBase();
});

describe("attachments", () => {
  it("recognises PDF, PNG and JPEG by content only", () => {
    expect(sniffAttachmentType(PDF)?.type).toBe("application/pdf");
    expect(sniffAttachmentType(PNG)?.type).toBe("image/png");
    expect(sniffAttachmentType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))?.type).toBe("image/jpeg");
    expect(sniffAttachmentType(EXE)).toBeNull();
  });

  it("refuses a renamed executable, too many files and oversized files", async () => {
    await expect(prepareAttachments([new File([EXE], "report.pdf", { type: "application/pdf" })], 0)).rejects.toThrow(/not a PDF, PNG or JPEG/);
    await expect(prepareAttachments([new File([PDF], "a.pdf")], 5)).rejects.toBeInstanceOf(ValidationError);
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    big.set(PDF);
    await expect(prepareAttachments([new File([big], "big.pdf")], 0)).rejects.toThrow(/larger than 10 MB/);
    const [renamed] = await prepareAttachments([new File([PNG], "AZ Heidebloem - patient Janssens.png")], 2);
    expect(renamed!.name).toBe("attachment-3.png");
  });

  it("stores neutral names and serves the file only to those who may see the post", async () => {
    const editor = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: editor.id, role: "editor" }]);
    const actor = (await loadActor(editor.id))!;
    const saved = await saveDraft(actor, {
      kind: "case_study", organization: org.id, title: `With attachment ${unique("a")}`, summary: "A case study with a PDF report attached to it.",
      body_md: "## Context\n\nSee the attached evaluation report for the numbers.", language: "en", outcome: "success", lifecycle_stage: "pilot", care_settings: ["hospital"], ai_types: ["nlp"],
    }, undefined, { add: [new File([PDF], "Confidential report of AZ Secret.pdf", { type: "application/pdf" })] });
    const record = await pb.collection("posts").getOne(saved.id);
    expect(record.attachments).toHaveLength(1);
    expect(record.attachments[0]).toMatch(/^attachment_1_\w+\.pdf$/);
    expect(JSON.stringify(record)).not.toContain("AZ Secret");
    const ok = await attachmentResponse(record, "1", "casebook-x");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/pdf");
    expect(ok.headers.get("content-disposition")).toBe('attachment; filename="casebook-x-1.pdf"');
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(PDF);
    expect((await attachmentResponse(null, "1", "x")).status).toBe(404);
    expect((await attachmentResponse(record, "2", "x")).status).toBe(404);
    // Protected in PocketBase: no direct download without a token.
    const direct = await fetch(pb.files.getURL(record, record.attachments[0]));
    expect(direct.status).not.toBe(200);
  });
});
