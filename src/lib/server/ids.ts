// Identifiers shared by every module: PocketBase-shaped record ids (so one batch can
// create records that refer to each other) and URL slugs. Pure, no I/O.
import { randomBytes } from "node:crypto";

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A random 15-character [a-z0-9] id, the shape PocketBase gives its records (~77 bits). */
export function randomRecordId(): string {
  return Array.from(randomBytes(15), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join("");
}

/** Lower-case ASCII words joined by dashes, at most `max` characters ("" when nothing is left). */
export function slugifyText(text: string, max = 100): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/, "");
}
