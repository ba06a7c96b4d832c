// "Firefox on Windows": a person-readable device name from a User-Agent header.
import { UAParser } from "ua-parser-js";

/** Browser and operating system of a User-Agent, or "Unknown device". */
export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return "Unknown device";
  const { browser, os } = UAParser(userAgent);
  const parts = [browser.name, os.name ? `on ${os.name}` : null].filter(Boolean);
  return parts.length ? parts.join(" ") : "Unknown device";
}
