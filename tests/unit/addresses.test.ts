// Which client address the site believes, and the key it is rate-limited under (issue 9, finding 20).
import { describe, expect, it } from "vitest";
import { addressKey, parseProxyList, proxyMatcher, resolveClientIp } from "../../src/lib/server/addresses.ts";
import { ConfigError, parseConfig } from "../../src/lib/server/config.ts";

function trusting(list: string) {
  const parsed = parseProxyList(list);
  if (!parsed.ok) throw new Error(parsed.message);
  return proxyMatcher(parsed.ranges);
}

describe("resolveClientIp", () => {
  it.each([
    // [name, peer, X-Forwarded-For, TRUSTED_PROXIES, expected]
    ["no proxy configured: the header is ignored", "203.0.113.5", "198.51.100.1", "", "203.0.113.5"],
    ["untrusted peer: the header is ignored", "203.0.113.5", "198.51.100.1", "127.0.0.1", "203.0.113.5"],
    ["trusted peer: its view of the client", "127.0.0.1", "198.51.100.1", "127.0.0.1", "198.51.100.1"],
    ["a spoofed left-most entry is not believed", "127.0.0.1", "1.2.3.4, 198.51.100.1", "127.0.0.1", "198.51.100.1"],
    ["two trusted hops", "10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.1", "10.0.0.0/8", "198.51.100.1"],
    ["all hops trusted: the left-most", "10.0.0.2", "10.0.0.9, 10.0.0.1", "10.0.0.0/8", "10.0.0.9"],
    ["garbage in the chain: the last vouched address", "127.0.0.1", "1.2.3.4, not-an-ip", "127.0.0.1", "127.0.0.1"],
    ["IPv4-mapped peer", "::ffff:127.0.0.1", "198.51.100.1", "127.0.0.1", "198.51.100.1"],
    ["IPv6 proxy range", "fd00::2", "2001:db8::7", "fd00::/8", "2001:db8::7"],
    ["trusted peer, no header", "127.0.0.1", null, "127.0.0.1", "127.0.0.1"],
  ])("%s", (_name, peer, header, list, expected) => {
    expect(resolveClientIp(peer as string, header as string | null, trusting(list as string))).toBe(expected);
  });
});

describe("addressKey", () => {
  it.each([
    ["198.51.100.7", "198.51.100.7"],
    ["::ffff:198.51.100.7", "198.51.100.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:0db8:0001:0002::/64"],
    ["2001:DB8:1:2::ffff", "2001:0db8:0001:0002::/64"],
    ["2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:0db8:0001:0002::/64"],
    ["2001:db8::1", "2001:0db8:0000:0000::/64"],
    ["::1", "0000:0000:0000:0000::/64"],
    ["fe80::1%eth0", "fe80:0000:0000:0000::/64"],
    ["64:ff9b::192.0.2.33", "0064:ff9b:0000:0000::/64"],
    ["unknown", "unknown"],
  ])("%s → %s", (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});

describe("TRUSTED_PROXIES", () => {
  it("defaults to none and accepts addresses and CIDR ranges of both families", () => {
    expect(parseConfig({}).trustedProxies).toEqual([]);
    expect(parseConfig({ TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8,::1,fd00::/8" }).trustedProxies).toEqual([
      { address: "127.0.0.1", prefix: 32, family: "ipv4" },
      { address: "10.0.0.0", prefix: 8, family: "ipv4" },
      { address: "::1", prefix: 128, family: "ipv6" },
      { address: "fd00::", prefix: 8, family: "ipv6" },
    ]);
  });

  it.each(["localhost", "10.0.0.0/33", "fd00::/129", "10.0.0.1/8/8", "10.0.0.0/-1", "1.2.3"])("refuses %j with a message naming the variable", (value) => {
    expect(() => parseConfig({ TRUSTED_PROXIES: value })).toThrow(ConfigError);
    expect(() => parseConfig({ TRUSTED_PROXIES: value })).toThrow(/TRUSTED_PROXIES: .* e\.g\. TRUSTED_PROXIES=/);
  });
});

// From the mutants `npm run mutate` left alive (issue 10 §7).
describe("addresses at their edges", () => {
  it("accepts any prefix length from 0 to the family's maximum", () => {
    const parsed = parseProxyList("192.168.0.0/16, 0.0.0.0/0, 2001:db8::/128");
    expect(parsed).toEqual({
      ok: true,
      ranges: [
        { address: "192.168.0.0", prefix: 16, family: "ipv4" },
        { address: "0.0.0.0", prefix: 0, family: "ipv4" },
        { address: "2001:db8::", prefix: 128, family: "ipv6" },
      ],
    });
  });

  it("names the entry it refuses", () => {
    expect(parseProxyList("10.0.0.1, proxy.internal")).toEqual({
      ok: false,
      message: '"proxy.internal" is neither an IP address nor a CIDR range like 10.0.0.0/8 or fd00::/8',
    });
  });

  it.each([
    ["a bracketed IPv6 hop", "[2001:db8::7]", "2001:db8::7"],
    ["an IPv4-mapped hop", "::ffff:198.51.100.77", "198.51.100.77"],
  ])("reads %s as the plain address", (_name, hop, expected) => {
    expect(resolveClientIp("127.0.0.1", hop, trusting("127.0.0.1"))).toBe(expected);
  });

  it("drops the zone of a link-local peer", () => {
    expect(resolveClientIp("fe80::1%eth0", null, trusting(""))).toBe("fe80::1");
  });

  it.each([
    ["1:2:3:4:5:6:192.168.100.200", "0001:0002:0003:0004::/64"],
    ["2001:db8:1:2:3:4::5", "2001:0db8:0001:0002::/64"],
    ["::ffff:198.51.100.77", "198.51.100.77"],
  ])("keys %s under %s", (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});

// Cases found by mutation testing (issue 10 §7). Equivalent survivors: the defaults of destructuring that
// split() always fills (`address = ""`, `head = ""`, `hops[i] ?? ""`); the hop trim (normalizeIp trims
// again); an IPv4 address sent through the IPv6 expansion (it yields no eight groups, so the address stays
// the key); the zone check `zone > 0` (a value starting with "%" is invalid either way); expandIpv6's
// null return, group count and zero fill (addressKey only expands valid IPv6, and padStart turns "" into
// "0000"); variants of the embedded-IPv4 regex (the IPv4 part is the last 32 bits, outside the /64);
// proxyMatcher's empty-list shortcut and its isIP guard (BlockList answers false for both), the family
// name "" (BlockList defaults to IPv4); an impossible mapped IPv4 part returned bare (invalid either way).
describe("addresses from a proxy chain or a setting that are not quite addresses", () => {
  it.each([
    ["a hop with a stray closing bracket", "2001:db8::1]"],
    ["a hop with a stray opening bracket", "[2001:db8::1"],
    ["an IPv4-mapped hop with trailing junk", "::ffff:198.51.100.77x"],
    ["an IPv4-mapped hop with an impossible IPv4 part", "::ffff:999.51.100.77"],
  ])("%s is garbage: the client is the address the trusted proxy vouched for", (_name, hop) => {
    expect(resolveClientIp("127.0.0.1", `203.0.113.9, ${hop}`, trusting("127.0.0.1"))).toBe("127.0.0.1");
  });

  it("an IPv6 address that embeds an IPv4 one but is not IPv4-mapped stays IPv6, keyed by its /64", () => {
    expect(resolveClientIp("127.0.0.1", "2001:db8::ffff:198.51.100.77", trusting("127.0.0.1"))).toBe("2001:db8::ffff:198.51.100.77");
    expect(addressKey("2001:db8::ffff:198.51.100.77")).toBe("2001:0db8:0000:0000::/64");
  });

  it("an address ending in '::' is keyed by its /64", () => {
    expect(addressKey("2001:db8:1:2:3:4:5::")).toBe("2001:0db8:0001:0002::/64");
  });

  it("upper-case and padded addresses share the key of their canonical form", () => {
    expect(addressKey(" 2001:DB8:1:2:3:4:5:6 ")).toBe("2001:0db8:0001:0002::/64");
    expect(addressKey(" 198.51.100.77 ")).toBe("198.51.100.77");
  });

  it.each(["10.0.0.0/ 8", "10.0.0.0/0x8", "10.0.0.0/1e1", "10.0.0.0/8.0"])("refuses the prefix typo %j instead of reading another range", (value) => {
    expect(parseProxyList(value).ok).toBe(false);
  });

  it("a matcher answers no, without throwing, for something that is not an address", () => {
    const matches = trusting("0.0.0.0/0, ::/0");
    for (const value of ["unknown", "", "10.0.0", "2001:db8::1]"]) expect(matches(value)).toBe(false);
    expect(matches("10.1.2.3")).toBe(true);
    expect(matches("2001:db8::1")).toBe(true);
  });
});
