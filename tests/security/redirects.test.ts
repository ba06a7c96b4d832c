// Finding 11 (issue 9): after a real sign-in, `next` sends the browser only to a path on
// this site. The attacker observes the Location header the victim's browser would follow.
import { describe, expect, it } from "vitest";
import { Client, baseUrl, type Scenario } from "./scenarios.ts";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";

const VICTIM = "member@casebook.example";

// `next` as it appears, percent-encoded, in the link the attacker sends.
const scenarios: Scenario<{ next: string }, { location: string }>[] = [
  { name: "the reported attack: /%5C", actor: "phisher", request: { next: "/%5Cevil.example/phish" }, expected: { location: "/dashboard" } },
  { name: "lower-case %5c", actor: "phisher", request: { next: "/%5cevil.example" }, expected: { location: "/dashboard" } },
  { name: "double-encoded backslash", actor: "phisher", request: { next: "/%255Cevil.example" }, expected: { location: "/dashboard" } },
  { name: "protocol-relative //", actor: "phisher", request: { next: "//evil.example/phish" }, expected: { location: "/dashboard" } },
  { name: "encoded //", actor: "phisher", request: { next: "%2F%2Fevil.example" }, expected: { location: "/dashboard" } },
  { name: "/ then encoded /", actor: "phisher", request: { next: "/%2Fevil.example" }, expected: { location: "/dashboard" } },
  { name: "tab inside //", actor: "phisher", request: { next: "/%09/evil.example" }, expected: { location: "/dashboard" } },
  { name: "newline inside //", actor: "phisher", request: { next: "/%0A/evil.example" }, expected: { location: "/dashboard" } },
  { name: "NUL byte", actor: "phisher", request: { next: "/%00/evil.example" }, expected: { location: "/dashboard" } },
  { name: "absolute URL", actor: "phisher", request: { next: "https%3A%2F%2Fevil.example%2Fphish" }, expected: { location: "/dashboard" } },
  { name: "scheme-relative with credentials", actor: "phisher", request: { next: "//evil.example@127.0.0.1/" }, expected: { location: "/dashboard" } },
  { name: "javascript: URL", actor: "phisher", request: { next: "javascript:alert(document.cookie)" }, expected: { location: "/dashboard" } },
  { name: "dot segments to //", actor: "phisher", request: { next: "/%2e%2e/%2e%2e//evil.example" }, expected: { location: "/dashboard" } },
  { name: "a real page of the site (not the fallback)", actor: "member", request: { next: "/account" }, expected: { location: "/account" } },
  { name: "no page at all: the dashboard", actor: "member", request: { next: "" }, expected: { location: "/dashboard" } },
  {
    name: "a path with a query",
    actor: "member",
    request: { next: `/write?kind=funding_application` },
    expected: { location: "/write?kind=funding_application" },
  },
];

describe("open redirect after sign-in (issue 9, finding 11)", () => {
  it.each(scenarios)("$name ($actor): Location $expected.location", async ({ request, expected }) => {
    const victim = new Client();
    const res = await victim.form(`/signin?_action=signIn&next=${request.next}`, { email: VICTIM, password: DEMO_PASSWORD });
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toBe(expected.location);
    // What the browser does with it: stay on this site.
    expect(new URL(location, baseUrl()).origin).toBe(new URL(baseUrl()).origin);
  });

  // From a language's sign-in page the next page keeps that language (issue 12 §3), and the
  // same refusals hold: the prefix is added to the checked path only, never to a foreign one.
  const prefixed: Scenario<{ next: string }, { location: string }>[] = [
    { name: "protocol-relative // from /fr/signin", actor: "phisher", request: { next: "//evil.example/phish" }, expected: { location: "/fr/dashboard" } },
    { name: "backslash from /fr/signin", actor: "phisher", request: { next: "/%5Cevil.example" }, expected: { location: "/fr/dashboard" } },
    { name: "no page from /fr/signin: the French dashboard", actor: "member", request: { next: "" }, expected: { location: "/fr/dashboard" } },
    { name: "a plain page from /fr/signin", actor: "member", request: { next: "/account" }, expected: { location: "/fr/account" } },
    { name: "a prefixed page stays as asked", actor: "member", request: { next: "%2Fnl%2Fsearch%3Fq%3Dval" }, expected: { location: "/nl/search?q=val" } },
  ];
  it.each(prefixed)("$name ($actor): Location $expected.location", async ({ request, expected }) => {
    const res = await new Client().form(`/fr/signin?_action=signIn&next=${request.next}`, { email: VICTIM, password: DEMO_PASSWORD });
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toBe(expected.location);
    expect(new URL(location, baseUrl()).origin).toBe(new URL(baseUrl()).origin);
  });

  it("the sign-in form never carries a foreign `next` into its action", async () => {
    const res = await new Client().fetch("/signin?next=/%5Cevil.example/phish");
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).not.toContain("evil.example");
  });
});
