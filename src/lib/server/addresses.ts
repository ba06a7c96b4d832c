// Client addresses: which one to believe behind a reverse proxy, and which key to rate-limit
// it under. Pure functions, so the rules are tested without a server (issue 9, finding 20).
import { BlockList, isIP } from "node:net";

/** A parsed TRUSTED_PROXIES entry: one address or a CIDR range. */
export type ProxyRange = { address: string; prefix: number; family: "ipv4" | "ipv6" };

/**
 * Parses a comma-separated list of IPs and CIDR ranges (`10.0.0.1, 192.168.0.0/16, ::1`).
 * Returns the ranges, or a message naming the first entry that is not one.
 */
export function parseProxyList(value: string): { ok: true; ranges: ProxyRange[] } | { ok: false; message: string } {
  const ranges: ProxyRange[] = [];
  for (const raw of value.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const [address = "", bits, ...rest] = entry.split("/");
    const version = isIP(address);
    const max = version === 6 ? 128 : 32;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
    if (version === 0 || rest.length > 0 || !(prefix >= 0 && prefix <= max)) {
      return { ok: false, message: `"${entry}" is neither an IP address nor a CIDR range like 10.0.0.0/8 or fd00::/8` };
    }
    ranges.push({ address: normalizeIp(address), prefix, family: version === 6 ? "ipv6" : "ipv4" });
  }
  return { ok: true, ranges };
}

/** A matcher for the given ranges (node:net's BlockList, which knows both families). */
export function proxyMatcher(ranges: readonly ProxyRange[]): (ip: string) => boolean {
  if (ranges.length === 0) return () => false;
  const list = new BlockList();
  for (const r of ranges) list.addSubnet(r.address, r.prefix, r.family);
  return (ip) => {
    const version = isIP(ip);
    return version !== 0 && list.check(ip, version === 6 ? "ipv6" : "ipv4");
  };
}

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy; then the
 * right-most X-Forwarded-For entry that is not a trusted proxy. Entries left of it are
 * whatever the client chose to send, so they are never believed.
 */
export function resolveClientIp(peer: string, forwardedFor: string | null, isTrusted: (ip: string) => boolean): string {
  let current = normalizeIp(peer);
  if (!forwardedFor || !isTrusted(current)) return current;
  const hops = forwardedFor.split(",").map((hop) => hop.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeIp(hops[i] ?? "");
    // Garbage from the chain: stay with the last address a trusted hop vouched for.
    if (isIP(hop) === 0) return current;
    current = hop;
    if (!isTrusted(current)) return current;
  }
  return current;
}

/**
 * The key an address is rate-limited under: an IPv4 address as is, an IPv6 address by its
 * /64 — one subscriber usually holds a whole /64, so per-address keys would be free to rotate.
 */
export function addressKey(ip: string): string {
  const normalized = normalizeIp(ip);
  if (isIP(normalized) !== 6) return normalized;
  const groups = expandIpv6(normalized);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : normalized;
}

/** Lower-case, zone-free, and IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as plain IPv4. */
export function normalizeIp(ip: string): string {
  let value = ip.trim().toLowerCase();
  if (value.startsWith("[") && value.endsWith("]")) value = value.slice(1, -1);
  const zone = value.indexOf("%");
  if (zone >= 0) value = value.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(value);
  if (mapped?.[1] && isIP(mapped[1]) === 4) return mapped[1];
  return value;
}

// Eight 4-digit groups; the embedded-IPv4 form (`64:ff9b::1.2.3.4`) is converted too.
function expandIpv6(ip: string): string[] | null {
  let value = ip;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(value);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    value = `${value.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = value.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? left.length !== 8 : missing < 1) return null;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  return groups.map((g) => g.padStart(4, "0"));
}
