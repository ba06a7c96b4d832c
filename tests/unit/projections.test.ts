// Which PocketBase requests empty the public projection cache (issue 15 §2): writes to collections
// a public page reads, never reads, auth flows or writes to private bookkeeping.
import { describe, expect, it } from "vitest";
import { isPublicCollection } from "../../src/lib/server/projections.ts";
import { writtenCollections } from "../../src/lib/server/pocketbase.ts";

const PB = "http://127.0.0.1:8090";

// A batch as the PocketBase SDK sends it: FormData whose "@jsonPayload" holds the requests.
function batchForm(urls: string[]): FormData {
  const form = new FormData();
  form.append("@jsonPayload", JSON.stringify({ requests: urls.map((url) => ({ method: "PATCH", url, body: {} })) }));
  return form;
}

describe("writtenCollections", () => {
  it.each([
    ["GET", `${PB}/api/collections/posts/records?filter=x`, undefined, []],
    ["HEAD", `${PB}/api/collections/posts/records/abc`, undefined, []],
    ["POST", `${PB}/api/collections/posts/records`, undefined, ["posts"]],
    ["PATCH", `${PB}/api/collections/organizations/records/abc123`, undefined, ["organizations"]],
    ["DELETE", `${PB}/api/collections/replies/records/abc123?expand=x`, undefined, ["replies"]],
    ["POST", `${PB}/api/collections/users/auth-with-password`, undefined, []],
    ["POST", `${PB}/api/collections/_superusers/auth-refresh`, undefined, []],
    ["POST", `${PB}/api/realtime`, undefined, []],
    [
      "POST",
      `${PB}/api/batch`,
      { requests: [{ url: "/api/collections/search_outbox/records" }, { url: "/api/collections/posts/records/abc?expand=a" }] },
      ["search_outbox", "posts"],
    ],
    [
      "POST",
      `${PB}/api/batch`,
      batchForm(["/api/collections/mail_outbox/records/a", "/api/collections/notifications/records"]),
      ["mail_outbox", "notifications"],
    ],
    ["POST", `${PB}/api/batch`, batchForm(["/api/collections/posts/records/a"]), ["posts"]],
    ["POST", `${PB}/api/batch`, new FormData(), ["*"]],
    ["POST", `${PB}/api/batch`, { requests: [{ url: "/api/somewhere-else" }] }, ["*"]],
  ])("%s %s → %j", (method, url, body, expected) => {
    expect(writtenCollections(url, { method, body })).toEqual(expected);
  });

  it("reads a method given in lower case as the same method", () => {
    expect(writtenCollections(`${PB}/api/collections/posts/records`, { method: "post" })).toEqual(["posts"]);
    expect(writtenCollections(`${PB}/api/collections/posts/records`, {})).toEqual([]);
  });
});

describe("isPublicCollection", () => {
  it.each([
    ["posts", true],
    ["organizations", true],
    ["funding_calls", true],
    ["replies", true],
    ["round_tables", true],
    ["users", true],
    // A collection nobody listed yet counts as public: forgetting one must not leave a stale page.
    ["something_new", true],
    ["*", true],
    ["sessions", false],
    ["rate_limits", false],
    ["search_outbox", false],
    ["mail_outbox", false],
    ["notifications", false],
    ["flags", false],
    ["moderation_events", false],
    ["_superusers", false],
    ["_otps", false],
  ])("%s → %s", (name, expected) => {
    expect(isPublicCollection(name)).toBe(expected);
  });
});
