// A bad environment stops start-up with a message naming the variable and the fix.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/lib/server/config.ts";

describe("parseConfig", () => {
  it("uses the documented defaults", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 4321,
      publicUrl: "http://127.0.0.1:4321",
      pocketbaseUrl: "http://127.0.0.1:8090",
      pocketbaseExternal: false,
      demo: true,
      meili: undefined,
    });
    expect(config.dataDir).toMatch(/\.data$/);
  });

  it.each([
    [{ PORT: "eighty" }, /PORT/],
    [{ PORT: "70000" }, /PORT must be between 1 and 65535/],
    [{ POCKETBASE_URL: "localhost:8090" }, /POCKETBASE_URL must (be a full URL|start with http)/],
    [{ PUBLIC_URL: "ftp://x.example" }, /PUBLIC_URL must start with http/],
    [{ MEILI_URL: "not a url" }, /MEILI_URL/],
    [{ MEILI_MASTER_KEY: "k" }, /MEILI_MASTER_KEY is set but MEILI_URL is not/],
    [{ PB_SUPERUSER_EMAIL: "su@example.org" }, /PB_SUPERUSER_EMAIL and PB_SUPERUSER_PASSWORD must be set together/],
    [{ PB_SUPERUSER_EMAIL: "nope", PB_SUPERUSER_PASSWORD: "long-enough-password" }, /PB_SUPERUSER_EMAIL must be an e-mail/],
    [{ SMTP_URL: "mail.example.org" }, /SMTP_URL must look like smtp:/],
    [{ CASEBOOK_DEMO: "yes" }, /CASEBOOK_DEMO must be 0/],
    [{ CONTACT_EMAIL: "moderation team" }, /CONTACT_EMAIL must be an e-mail address/],
  ])("rejects %j", (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  it("takes the appeal address from CONTACT_EMAIL, else from the first administrator's (issue 11 §24)", () => {
    expect(parseConfig({}).contactEmail).toBeUndefined();
    expect(parseConfig({ CASEBOOK_ADMIN_EMAIL: "admin@example.org" }).contactEmail).toBe("admin@example.org");
    expect(parseConfig({ CASEBOOK_ADMIN_EMAIL: "admin@example.org", CONTACT_EMAIL: "moderation@example.org" }).contactEmail).toBe("moderation@example.org");
  });

  it("keeps rate-limit counts in memory unless told to share them through PocketBase (issue 16 §7)", () => {
    expect(parseConfig({}).rateLimits).toBe("memory");
    expect(parseConfig({ CASEBOOK_RATE_LIMITS: "pocketbase" }).rateLimits).toBe("pocketbase");
    expect(() => parseConfig({ CASEBOOK_RATE_LIMITS: "redis" })).toThrow(/CASEBOOK_RATE_LIMITS must be memory .* or pocketbase/);
  });

  it("treats empty variables as unset and honours overrides", () => {
    const config = parseConfig({
      PORT: "",
      HOST: "0.0.0.0",
      POCKETBASE_URL: "http://127.0.0.1:9999/",
      CASEBOOK_DEMO: "0",
      MEILI_URL: "http://127.0.0.1:7700",
      MEILI_MASTER_KEY: "secret",
    });
    expect(config).toMatchObject({
      port: 4321,
      publicUrl: "http://localhost:4321",
      pocketbaseUrl: "http://127.0.0.1:9999",
      pocketbaseExternal: true,
      demo: false,
      meili: { url: "http://127.0.0.1:7700", apiKey: "secret" },
    });
  });
});
