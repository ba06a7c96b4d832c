// Session times (issue 14 §3): a host plans in a wall-clock time of an IANA zone; we store the
// instant in UTC with the zone, and show it back in that zone. Pure, so DST is unit-tested.
import { intlLocale, type Locale } from "../../../i18n/index.ts";

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+){0,2}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// Minutes `zone` is ahead of UTC at the instant `ms`.
function offsetMinutes(zone: string, ms: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

/**
 * The UTC instant of a wall-clock `date` (YYYY-MM-DD) and `time` (HH:MM) in `zone`, or null when
 * either is malformed. A time skipped by a spring-forward change is read with the offset before it.
 */
export function zonedToUtc(date: string, time: string, zone: string): Date | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t || !isTimeZone(zone)) return null;
  const [y, mo, da, h, mi] = [Number(d[1]), Number(d[2]), Number(d[3]), Number(t[1]), Number(t[2])];
  if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59) return null;
  const wall = Date.UTC(y, mo - 1, da, h, mi);
  if (new Date(wall).getUTCDate() !== da) return null;
  // Two passes: the offset at the first guess may differ from the offset at the answer around a change.
  const first = wall - offsetMinutes(zone, wall) * 60000;
  return new Date(wall - offsetMinutes(zone, first) * 60000);
}

/** The wall-clock date (YYYY-MM-DD) and time (HH:MM) of an instant in `zone` (for editing forms). */
export function utcToZoned(instant: Date, zone: string): { date: string; time: string } {
  const local = new Date(instant.getTime() + offsetMinutes(zone, instant.getTime()) * 60000);
  const iso = local.toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/** A session's time span for a reader, in the zone it was planned in, with the zone named. */
export function formatSessionSpan(locale: Locale, start: Date, end: Date, zone: string): string {
  const day = new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: "full", timeZone: zone }).format(start);
  const hour = new Intl.DateTimeFormat(intlLocale(locale), { hour: "2-digit", minute: "2-digit", timeZone: zone });
  return `${day}, ${hour.format(start)}–${hour.format(end)} (${zone.replace(/_/g, " ")})`;
}

/** Zones offered in the form (Belgian users first); any valid IANA zone is accepted. */
export const COMMON_ZONES = ["Europe/Brussels", "Europe/Amsterdam", "Europe/Paris", "Europe/Luxembourg", "Europe/Berlin", "Europe/London", "UTC"] as const;
