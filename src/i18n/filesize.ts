// File sizes in the reader's language (issue 12 §2: Intl for numbers): "10 MB", "10 Mo", "2,5 MB".
import { type Locale, intlLocale } from "./index.ts";

const MB = 1024 * 1024;
const formats = new Map<Locale, Intl.NumberFormat>();

/** A size in megabytes to one decimal, with the language's unit and decimal sign ("10 Mo" in French). */
export function formatFileSize(locale: Locale, bytes: number): string {
  let format = formats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(intlLocale(locale), { style: "unit", unit: "megabyte", unitDisplay: "short", maximumFractionDigits: 1 });
    formats.set(locale, format);
  }
  return format.format(Math.round((bytes / MB) * 10) / 10);
}
