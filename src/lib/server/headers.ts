// Response hardening for every answer the site gives (DESIGN.md §5.7, issue 9 §6 and §20):
// a strict Content-Security-Policy while the site ships no script, isolation headers, and
// the Host check that makes DNS rebinding against a loopback deployment fail.
import { createHash } from "node:crypto";
import { EDITOR_SCRIPT } from "../editorscript.ts";
import type { Config } from "./config.ts";

// No page ships JavaScript, so no script may run at all. If a feature ever needs one, it
// gets a hash or nonce through Astro's CSP support — never 'unsafe-inline'.
const CSP = [
  "default-src 'none'",
  "script-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

const PERMISSIONS = [
  "accelerometer=()",
  "autoplay=()",
  "camera=()",
  "display-capture=()",
  "geolocation=()",
  "gyroscope=()",
  "magnetometer=()",
  "microphone=()",
  "midi=()",
  "payment=()",
  "publickey-credentials-get=()",
  "screen-wake-lock=()",
  "serial=()",
  "usb=()",
  "xr-spatial-tracking=()",
].join(", ");

/** The headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CSP,
  "permissions-policy": PERMISSIONS,
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

/**
 * The CSP of the writing pages (issue 11 §4: a live word count, an unsaved-changes
 * warning): the one inline script whose hash this is may run — no other inline script,
 * no file, no eval, no foreign origin.
 */
export const EDITOR_CSP = CSP.replace("script-src 'none'", `script-src 'sha256-${createHash("sha256").update(EDITOR_SCRIPT).digest("base64")}'`);

/** Sets the security headers on a response; a route's own CSP (attachments: `sandbox`) is stricter and stays. */
export function applySecurityHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (name === "content-security-policy" && headers.has(name)) continue;
    headers.set(name, value);
  }
}

/** Host names the site answers to: its public address, its listening address and loopback. */
export function allowedHosts(config: Pick<Config, "publicUrl" | "host" | "port" | "allowedHosts">): Set<string> {
  const hosts = new Set<string>();
  const publicUrl = new URL(config.publicUrl);
  hosts.add(publicUrl.host.toLowerCase());
  const loopback = ["127.0.0.1", "localhost", "[::1]"];
  const listening = config.host === "0.0.0.0" || config.host === "::" ? [] : [config.host.includes(":") ? `[${config.host}]` : config.host];
  for (const name of [...loopback, ...listening]) hosts.add(`${name.toLowerCase()}:${config.port}`);
  for (const extra of config.allowedHosts) hosts.add(extra.toLowerCase());
  return hosts;
}

/** True when the request's Host header names this site (a rebinding attacker's domain does not). */
export function isAllowedHost(hostHeader: string | null, hosts: Set<string>): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.trim().toLowerCase();
  // URL.host leaves default ports out, so "example.org:443" is the same host as "example.org".
  return hosts.has(host) || hosts.has(host.replace(/:(80|443)$/, ""));
}
