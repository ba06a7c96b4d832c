// What an uploaded file says about its author besides its content (issue 9 §3): EXIF
// (camera, GPS, owner, software), XMP, IPTC and comments in images; the Info dictionary
// and XMP stream in PDFs. `scrubFile` reads all of it — so the author and the moderator
// can be told what was there — and returns the file without it: images re-encoded by
// sharp (orientation applied, nothing else kept), PDFs rewritten by pdf-lib with the
// metadata objects deleted and every object no longer reachable from the document dropped
// (older revisions of an incrementally saved PDF keep their own Info dictionaries).
import exifReader from "exif-reader";
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFRef, PDFStream, PDFString, decodePDFRawStream, type PDFObject } from "pdf-lib";
import sharp, { type Metadata } from "sharp";
import { getDocumentProxy } from "unpdf";
import { ValidationError } from "./errors.ts";
import { processRunner, serveInProcess } from "./offthread.ts";
import { say } from "../../i18n/domain.ts";

/** Kinds of metadata reported to the author; the UI names each with `attachment.meta.<kind>`. */
export const METADATA_KINDS = [
  "camera",
  "gps",
  "author",
  "company",
  "software",
  "title",
  "subject",
  "keywords",
  "description",
  "comment",
  "copyright",
  "date",
  "serial",
  "xmp",
  "iptc",
  "other",
] as const;

// Decoding an image bigger than this would take hundreds of MB; no legitimate attachment needs it.
const MAX_PIXELS = 100_000_000;
// The guard's regular expressions are linear, but a 10 MB PDF can hold far more text than any report needs checking at once.
const MAX_SCANNED_TEXT = 2_000_000;
// Time for extracting a PDF's text; ordinary reports take well under a second.
const TEXT_BUDGET_MS = 10_000;

/**
 * Removes the metadata of a PDF, PNG or JPEG; returns the clean bytes, what was removed and the
 * text that was in it. A PDF is read in a process of its own (offthread.ts): on the server's
 * thread a slow one held every request (a 4.7 MB one-page PDF: 0.7 s at a stretch), and a 1 MB
 * one whose Flate streams inflate to a gigabyte took 3.9 GB. One over PDF_BUDGET is refused.
 * Images are decoded by sharp, off the thread already and within MAX_PIXELS.
 */
export async function scrubFile(bytes: Uint8Array, type: "application/pdf" | "image/png" | "image/jpeg", displayName: string): Promise<ScrubResult> {
  if (type !== "application/pdf") return scrubImage(bytes, type, displayName);
  const result = await scrubPdfElsewhere({ bytes, displayName });
  if (!result) throw new ValidationError("attachments", say("domain.attachment.pdf_too_complex", { name: displayName }));
  return result;
}

/** What reading one PDF may take: wall time (text extraction stops at TEXT_BUDGET_MS of it) and resident memory. */
export const PDF_BUDGET = { timeoutMs: 30_000, memoryMb: 1024 } as const;
const PDF_TAG = "casebook-pdf";
type PdfJob = { bytes: Uint8Array; displayName: string };
// The process ends after a minute without a PDF: pdf-lib and pdf.js need not stay in memory.
const scrubPdfElsewhere = processRunner<PdfJob, ScrubResult>({ tag: PDF_TAG, moduleUrl: import.meta.url, ...PDF_BUDGET, idleMs: 60_000 });
serveInProcess<PdfJob, ScrubResult>(PDF_TAG, (job) => scrubPdf(job.bytes, job.displayName));

async function scrubImage(bytes: Uint8Array, type: "image/png" | "image/jpeg", displayName: string): Promise<ScrubResult> {
  const removed: RemovedMetadata[] = [];
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_PIXELS }).metadata();
  } catch (error) {
    throw unreadableImage(error, displayName);
  }
  if (meta.exif) removed.push(...describeExif(meta.exif));
  if (meta.xmpAsString ?? meta.xmp) removed.push(...describeXmp(meta.xmpAsString ?? meta.xmp!.toString("utf8")));
  if (meta.iptc) removed.push({ kind: "iptc", value: printableRuns(meta.iptc).join(" · ") });
  for (const c of meta.comments ?? []) removed.push({ kind: PNG_TEXT_KINDS[c.keyword] ?? "comment", value: `${c.keyword}: ${c.text}` });
  if (type === "image/jpeg") for (const text of jpegComments(bytes)) removed.push({ kind: "comment", value: text });

  let clean: Buffer;
  try {
    // Without keepMetadata()/withMetadata() sharp writes no EXIF, XMP, IPTC, ICC or text
    // chunks; autoOrient() turns the pixels first so the photo still stands upright.
    const pipeline = sharp(bytes, { limitInputPixels: MAX_PIXELS }).autoOrient();
    clean = await (type === "image/jpeg" ? pipeline.jpeg({ quality: 90 }) : pipeline.png({ compressionLevel: 9 })).toBuffer();
  } catch (error) {
    throw unreadableImage(error, displayName);
  }
  return { bytes: new Uint8Array(clean), removed: dedupe(removed), metadataText: metadataText(removed), contentText: null, textComplete: true };
}

function unreadableImage(error: unknown, displayName: string): ValidationError {
  // A few kB of PNG can declare gigapixels; sharp refuses before decoding.
  if (error instanceof Error && /pixel limit/i.test(error.message)) {
    return new ValidationError("attachments", say("domain.attachment.pixels", { name: displayName, millions: MAX_PIXELS / 1_000_000 }));
  }
  return new ValidationError("attachments", say("domain.attachment.unreadable_image", { name: displayName }));
}

async function scrubPdf(bytes: Uint8Array, displayName: string): Promise<ScrubResult> {
  let doc: PDFDocument;
  try {
    // updateMetadata: false — otherwise pdf-lib stamps its own Producer and dates.
    doc = await PDFDocument.load(bytes, { updateMetadata: false });
  } catch (error) {
    const encrypted = error instanceof Error && /encrypted/i.test(error.message);
    throw new ValidationError(
      "attachments",
      encrypted ? say("domain.attachment.pdf_encrypted", { name: displayName }) : say("domain.attachment.pdf_unreadable", { name: displayName }),
    );
  }
  const context = doc.context;
  const removed: RemovedMetadata[] = [];

  const info = context.trailerInfo.Info ? context.lookup(context.trailerInfo.Info) : undefined;
  if (info instanceof PDFDict) {
    for (const [key, value] of info.entries()) {
      const text = pdfText(value);
      if (text) removed.push({ kind: INFO_KINDS[key.decodeText()] ?? "other", value: text });
    }
  }
  context.trailerInfo.Info = undefined;

  // Every /Metadata (XMP) stream — the document's, and any page's or image's — and /PieceInfo (private application data).
  for (const [, object] of context.enumerateIndirectObjects()) {
    const dict = object instanceof PDFDict ? object : object instanceof PDFStream ? object.dict : null;
    if (!dict) continue;
    const xmpRef = dict.get(PDFName.of("Metadata"));
    if (xmpRef) {
      const stream = context.lookup(xmpRef);
      if (stream instanceof PDFRawStream) {
        try {
          removed.push(...describeXmp(new TextDecoder().decode(decodePDFRawStream(stream).decode())));
        } catch {
          removed.push({ kind: "xmp", value: "" });
        }
      }
      dict.delete(PDFName.of("Metadata"));
    }
    dict.delete(PDFName.of("PieceInfo"));
  }
  dropUnreachable(doc);

  let clean: Uint8Array;
  try {
    // Without object streams every remaining string stays readable, so what is left can be checked byte by byte.
    clean = await doc.save({ useObjectStreams: false });
  } catch {
    throw new ValidationError("attachments", say("domain.attachment.pdf_unreadable", { name: displayName }));
  }
  const text = await extractPdfText(clean);
  return { bytes: clean, removed: dedupe(removed), metadataText: metadataText(removed), contentText: text.text, textComplete: text.complete };
}

// Page by page within a time budget: a PDF of thousands of pages must not hold the server
// for minutes. What was read is still checked; the report says the rest was not.
async function extractPdfText(bytes: Uint8Array): Promise<{ text: string | null; complete: boolean }> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>> | null = null;
  try {
    // unpdf bundles pdf.js for servers (no native addon); it takes ownership of the buffer it gets, hence the copy.
    pdf = await getDocumentProxy(new Uint8Array(bytes));
    const deadline = Date.now() + TEXT_BUDGET_MS;
    const pages: string[] = [];
    let length = 0;
    for (let n = 1; n <= pdf.numPages; n++) {
      if (Date.now() > deadline || length > MAX_SCANNED_TEXT) return { text: pages.join("\n"), complete: false };
      const content = await (await pdf.getPage(n)).getTextContent();
      const page = content.items.map((item) => ("str" in item ? item.str + (item.hasEOL ? "\n" : "") : "")).join("");
      pages.push(page);
      length += page.length;
    }
    return { text: pages.join("\n").replace(/[^\S\n]+/g, " "), complete: true };
  } catch {
    return { text: null, complete: false };
  } finally {
    await pdf?.destroy().catch(() => {});
  }
}

// PNG text chunks' registered keywords.
const PNG_TEXT_KINDS: Record<string, MetadataKind> = {
  Author: "author",
  Software: "software",
  Title: "title",
  Description: "description",
  Copyright: "copyright",
  "Creation Time": "date",
  Source: "camera",
};

const INFO_KINDS: Record<string, MetadataKind> = {
  Title: "title",
  Author: "author",
  Subject: "subject",
  Keywords: "keywords",
  Creator: "software",
  Producer: "software",
  Company: "company",
  Manager: "author",
  CreationDate: "date",
  ModDate: "date",
};

function pdfText(value: PDFObject | undefined): string {
  if (value instanceof PDFString || value instanceof PDFHexString)
    return value
      .decodeText()
      .replace(/\u0000/g, "")
      .trim();
  if (value instanceof PDFName) return value.decodeText();
  return value ? value.toString() : "";
}

// pdf-lib writes every object it parsed, referenced or not: delete what the document no longer reaches.
function dropUnreachable(doc: PDFDocument): void {
  const context = doc.context;
  const seen = new Set<string>();
  const stack: (PDFObject | undefined)[] = [context.trailerInfo.Root, context.trailerInfo.Encrypt, context.trailerInfo.ID];
  while (stack.length) {
    const object = stack.pop();
    if (!object) continue;
    if (object instanceof PDFRef) {
      if (seen.has(object.tag)) continue;
      seen.add(object.tag);
      stack.push(context.lookup(object));
    } else if (object instanceof PDFDict) {
      for (const [, value] of object.entries()) stack.push(value);
    } else if (object instanceof PDFArray) {
      for (let i = 0; i < object.size(); i++) stack.push(object.get(i));
    } else if (object instanceof PDFStream) {
      stack.push(object.dict);
    }
  }
  for (const [ref] of context.enumerateIndirectObjects()) if (!seen.has(ref.tag)) context.delete(ref);
}

const EXIF_KINDS: Record<string, MetadataKind> = {
  Make: "camera",
  Model: "camera",
  LensMake: "camera",
  LensModel: "camera",
  Artist: "author",
  XPAuthor: "author",
  CameraOwnerName: "author",
  Copyright: "copyright",
  Software: "software",
  ProcessingSoftware: "software",
  HostComputer: "software",
  ImageDescription: "description",
  DocumentName: "title",
  XPTitle: "title",
  XPSubject: "subject",
  XPComment: "comment",
  UserComment: "comment",
  XPKeywords: "keywords",
  DateTime: "date",
  DateTimeOriginal: "date",
  DateTimeDigitized: "date",
  BodySerialNumber: "serial",
  LensSerialNumber: "serial",
  ImageUniqueID: "serial",
};

function describeExif(exif: Buffer): RemovedMetadata[] {
  let parsed: ReturnType<typeof exifReader>;
  try {
    parsed = exifReader(exif);
  } catch {
    return [{ kind: "other", value: "" }];
  }
  const out: RemovedMetadata[] = [];
  for (const group of [parsed.Image, parsed.Photo]) {
    for (const [tag, value] of Object.entries(group ?? {})) {
      const kind = EXIF_KINDS[tag];
      const text = exifText(value);
      if (kind && text) out.push({ kind, value: text });
    }
  }
  const gps = parsed.GPSInfo;
  if (gps && Object.keys(gps).length > 0) {
    const where =
      gps.GPSLatitude && gps.GPSLongitude ? `${dms(gps.GPSLatitude)} ${gps.GPSLatitudeRef ?? ""}, ${dms(gps.GPSLongitude)} ${gps.GPSLongitudeRef ?? ""}` : "";
    out.push({ kind: "gps", value: where.trim() });
  }
  if (out.length === 0) out.push({ kind: "other", value: "" });
  return out;
}

function exifText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 19).replace("T", " ");
  // Windows XP* tags are UCS-2 bytes; UserComment starts with an 8-byte character-code header.
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const buf = Buffer.from(value);
    const asAscii = buf.subarray(0, 8).toString("latin1");
    if (/^(ASCII|UNICODE|JIS)?\0*$/.test(asAscii) && buf.length > 8)
      return (asAscii.startsWith("UNICODE") ? buf.subarray(8).toString("utf16le") : buf.subarray(8).toString("utf8")).replace(/\0/g, "").trim();
    return buf.toString("utf16le").replace(/\0/g, "").trim();
  }
  if (Array.isArray(value) && value.every((v) => typeof v === "number") && value.length > 4)
    return Buffer.from(value).toString("utf16le").replace(/\0/g, "").trim();
  if (typeof value === "string") return value.replace(/\0/g, "").trim();
  return "";
}

function dms(value: unknown): string {
  return Array.isArray(value) ? value.map((v) => Math.round(Number(v) * 1000) / 1000).join(" ") : String(value);
}

// XMP is RDF/XML; what identifies people sits in element text and attribute values.
const XMP_KINDS: Record<string, MetadataKind> = {
  "dc:creator": "author",
  "pdf:Author": "author",
  "photoshop:AuthorsPosition": "author",
  "xmp:CreatorTool": "software",
  "pdf:Producer": "software",
  "dc:title": "title",
  "dc:description": "description",
  "dc:subject": "keywords",
  "pdf:Keywords": "keywords",
  "dc:rights": "copyright",
  "photoshop:City": "gps",
  "exif:GPSLatitude": "gps",
  "exif:GPSLongitude": "gps",
};

function describeXmp(full: string): RemovedMetadata[] {
  // Real XMP packets are a few kB; the cap keeps the owner look-up below from going quadratic on a crafted one.
  const xml = full.slice(0, 64_000);
  const out: RemovedMetadata[] = [];
  const add = (name: string, raw: string) => {
    const value = decodeXmlText(raw).trim();
    if (!value || /^(uuid:|xmp\.(i|d)id:)/i.test(value)) return;
    out.push({ kind: XMP_KINDS[name] ?? "xmp", value: `${name}: ${value}` });
  };
  // Element text: <dc:creator><rdf:Seq><rdf:li>Jan</rdf:li>… reports the property, not rdf:li.
  const elementText = /<([\w-]+:[\w-]+)\b[^>]*>([^<]+)</g;
  for (const m of xml.matchAll(elementText)) {
    const name = m[1]!.startsWith("rdf:") ? (ownerOf(xml, m.index!) ?? m[1]!) : m[1]!;
    add(name, m[2]!);
  }
  for (const m of xml.matchAll(/\s([\w-]+:[\w-]+)="([^"]*)"/g)) if (!/^(xmlns|rdf|x):/.test(m[1]!)) add(m[1]!, m[2]!);
  if (out.length === 0 && xml.trim()) out.push({ kind: "xmp", value: "" });
  return out;
}

// The nearest enclosing property element that is not RDF structure.
function ownerOf(xml: string, index: number): string | null {
  const before = xml.slice(0, index);
  const open = [...before.matchAll(/<(\/?)([\w-]+:[\w-]+)\b[^>]*?(\/?)>/g)];
  const stack: string[] = [];
  for (const tag of open) {
    if (tag[3]) continue;
    if (tag[1]) stack.pop();
    else stack.push(tag[2]!);
  }
  for (let i = stack.length - 1; i >= 0; i--) if (!stack[i]!.startsWith("rdf:")) return stack[i]!;
  return null;
}

function decodeXmlText(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

// JPEG COM segments (sharp does not report them): walk the markers up to the image data.
function jpegComments(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let i = 2;
  while (i + 4 <= bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1]!;
    if (marker === 0xda || marker === 0xd9) break;
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    if (marker === 0xfe)
      out.push(
        Buffer.from(bytes.subarray(i + 4, i + 2 + length))
          .toString("utf8")
          .replace(/\0/g, "")
          .trim(),
      );
    i += 2 + length;
  }
  return out.filter(Boolean);
}

function printableRuns(buf: Buffer): string[] {
  return buf.toString("latin1").match(/[\x20-\x7e\xa0-\xff]{3,}/g) ?? [];
}

function dedupe(items: RemovedMetadata[]): RemovedMetadata[] {
  const seen = new Set<string>();
  return items
    .filter((r) => {
      const key = `${r.kind}\u0000${r.value}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => ({ kind: r.kind, value: r.value.slice(0, 300) }));
}

function metadataText(items: RemovedMetadata[]): string {
  return items
    .map((r) => r.value)
    .filter(Boolean)
    .join("\n");
}

/** A kind of removed metadata. */
export type MetadataKind = (typeof METADATA_KINDS)[number];

/** One piece of metadata that was removed, with its text (cut to 300 characters). */
export type RemovedMetadata = { kind: MetadataKind; value: string };

/** A file without its metadata, what was removed, and the text to give the privacy guard. */
export type ScrubResult = {
  bytes: Uint8Array;
  removed: RemovedMetadata[];
  /** Every text value that was in the metadata, one a line. */
  metadataText: string;
  /** A PDF's extractable text; null for images, or when the text could not be extracted. */
  contentText: string | null;
  /** Whether all of a PDF's text was extracted (true for images). */
  textComplete: boolean;
};
