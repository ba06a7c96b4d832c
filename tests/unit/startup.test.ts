// What `npm start` tells an operator about administrators and the appeal address (issue 11 §22, §24).
import { describe, expect, it } from "vitest";
import { startupAdvice } from "../../src/lib/server/admin.ts";

describe("startupAdvice", () => {
  it("says how to create the first administrator while there is none", () => {
    const lines = startupAdvice({ admins: 0, contactEmail: "moderation@example.org", publicUrl: "https://casebook.example.org" });
    expect(lines.join("\n")).toContain("npm run admin:create -- you@example.org");
    expect(lines.join("\n")).toContain("CASEBOOK_ADMIN_EMAIL=");
    expect(lines.join("\n")).toContain("https://casebook.example.org/signin");
  });

  it("is silent once an administrator and a contact address exist", () => {
    expect(startupAdvice({ admins: 1, contactEmail: "moderation@example.org", publicUrl: "http://127.0.0.1:4321" })).toEqual([]);
  });

  it("asks for CONTACT_EMAIL when the moderation policy has no address to appeal to", () => {
    const lines = startupAdvice({ admins: 2, contactEmail: undefined, publicUrl: "http://127.0.0.1:4321" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("CONTACT_EMAIL");
  });
});
