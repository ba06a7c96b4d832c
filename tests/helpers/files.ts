// Real files carrying identifying metadata, built with the same libraries a camera app or
// a word processor would leave traces from (issue 9 §3): a JPEG with EXIF (camera, author,
// software, GPS, orientation), XMP and a comment segment; a PNG with a tEXt chunk; a PDF
// with Info fields, an XMP stream and a national register number in its text.
import { crc32, createDeflate } from "node:zlib";
import { type PDFDict, PDFDocument, PDFName, PDFRawStream, PDFString, StandardFonts } from "pdf-lib";
import sharp from "sharp";

/** Strings planted in every file's metadata; none may survive an upload. */
export const PLANTED = {
  author: "Jan Peeters",
  camera: "Canon EOS 5D",
  software: "GIMP 2.10 on AZ-HEIDEBLOEM-PC42",
  company: "AZ Heidebloem",
  producer: "Acrobat Distiller 11 (Heidebloem)",
  keyword: "Heidebloem-internal",
  comment: "Scanned by Jan Peeters, ward 3B",
  email: "jan.peeters@heidebloem.be",
} as const;

/** A valid Belgian national register number (the guard's blocking kind). */
export const NATIONAL_NUMBER = "85.07.30-033.28";

const XMP = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="${PLANTED.software}"><dc:creator><rdf:Seq><rdf:li>${PLANTED.author}</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

/** A 60×30 JPEG (stored with orientation 6, so it displays 30×60) with EXIF incl. GPS, XMP and a COM segment. */
export async function jpegWithMetadata(): Promise<Uint8Array<ArrayBuffer>> {
  const base = await sharp({ create: { width: 60, height: 30, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Artist: PLANTED.author, Make: "Canon", Model: PLANTED.camera, Software: PLANTED.software, Copyright: PLANTED.company },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "51/1 12/1 3000/100", GPSLongitudeRef: "E", GPSLongitude: "4/1 24/1 0/1" },
    })
    .withXmp(XMP)
    .toBuffer();
  // A COM segment right after SOI (sharp writes none of its own).
  const text = Buffer.from(PLANTED.comment, "utf8");
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, (text.length + 2) >> 8, (text.length + 2) & 0xff]), text]);
  return new Uint8Array(Buffer.concat([base.subarray(0, 2), com, base.subarray(2)]));
}

/** A PNG with a tEXt chunk (Author) and an iTXt-free body. */
export async function pngWithText(): Promise<Uint8Array<ArrayBuffer>> {
  const base = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 90, b: 200 } } })
    .png()
    .toBuffer();
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length);
    return out;
  };
  const ihdrEnd = 8 + 25;
  const texts = [chunk("tEXt", Buffer.from(`Author\0${PLANTED.author}`, "latin1")), chunk("tEXt", Buffer.from(`Software\0${PLANTED.software}`, "latin1"))];
  return new Uint8Array(Buffer.concat([base.subarray(0, ihdrEnd), ...texts, base.subarray(ihdrEnd)]));
}

/** A one-page PDF with Author, Creator, Producer, Keywords, a Company entry and XMP; `body` is its text. */
export async function pdfWithMetadata(body = "Evaluation report of the triage pilot."): Promise<Uint8Array<ArrayBuffer>> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const page = doc.addPage([400, 300]);
  page.drawText(body, { x: 20, y: 250, size: 10, font: await doc.embedFont(StandardFonts.Helvetica) });
  doc.setTitle("Internal review");
  doc.setAuthor(PLANTED.author);
  doc.setCreator(`Microsoft Word - ${PLANTED.company}`);
  doc.setProducer(PLANTED.producer);
  doc.setKeywords([PLANTED.keyword]);
  // A custom Info entry, as Office writes one (pdf-lib has no setter for it).
  (doc as unknown as { getInfoDict(): PDFDict }).getInfoDict().set(PDFName.of("Company"), PDFString.of(PLANTED.company));
  doc.setSubject(`Contact: ${PLANTED.email}`);
  const xmp = doc.context.stream(XMP, { Type: "Metadata", Subtype: "XML" });
  doc.catalog.set(PDFName.of("Metadata"), doc.context.register(xmp));
  return new Uint8Array(await doc.save({ useObjectStreams: false }));
}

/**
 * A one-page PDF of about 1 MB whose page content is a Flate stream that inflates to `gigabytes`
 * GB of spaces (a "decompression bomb"): compressed a megabyte at a time, so building it never
 * holds the inflated text.
 */
export async function pdfInflatingTo(gigabytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => parts.push(chunk));
  const done = new Promise((resolve) => deflate.on("end", resolve));
  const megabyte = Buffer.alloc(1024 * 1024, 0x20);
  for (let i = 0; i < gigabytes * 1024; i++) if (!deflate.write(megabyte)) await new Promise((resolve) => deflate.once("drain", resolve));
  deflate.end();
  await done;
  const packed = Buffer.concat(parts);
  const doc = await PDFDocument.create({ updateMetadata: false });
  const page = doc.addPage([400, 300]);
  const content = doc.context.register(PDFRawStream.of(doc.context.obj({ Filter: "FlateDecode", Length: packed.byteLength }), packed));
  page.node.set(PDFName.of("Contents"), content);
  return new Uint8Array(await doc.save({ useObjectStreams: false }));
}
