// The sign-up, sign-in and password-reset forms accept an address as people paste it (spaces around it, capitals) and refuse a
// malformed one with the form's own message.
import { describe, expect, it } from "vitest";
import { resetRequestSchema, signInSchema, signUpSchema } from "../../src/lib/server/users.ts";
import { say } from "../../src/i18n/domain.ts";

const password = "a long enough passphrase";

describe("account forms", () => {
  it.each([" Jan.Peeters@AZ-Groeninge.be ", "\tjan.peeters@az-groeninge.be\n", "JAN.PEETERS@AZ-GROENINGE.BE"])(
    "sign-up, sign-in and the reset request take %j as jan.peeters@az-groeninge.be",
    (email) => {
      expect(signUpSchema.parse({ name: "Jan Peeters", email, password }).email).toBe("jan.peeters@az-groeninge.be");
      expect(signInSchema.parse({ email, password }).email).toBe("jan.peeters@az-groeninge.be");
      expect(resetRequestSchema.parse({ email }).email).toBe("jan.peeters@az-groeninge.be");
    },
  );

  it.each(["jan peeters@az-groeninge.be", "jan.peeters", "", "   "])("refuses %j with the form's message", (email) => {
    const up = signUpSchema.safeParse({ name: "Jan Peeters", email, password });
    expect(up.success).toBe(false);
    expect(up.error?.issues.find((issue) => issue.path[0] === "email")?.message).toBe(say("domain.email.invalid"));
    const inn = signInSchema.safeParse({ email, password });
    expect(inn.success).toBe(false);
    expect(inn.error?.issues.find((issue) => issue.path[0] === "email")?.message).toBe(say("domain.signin.email"));
  });

  it("refuses an address longer than an address can be", () => {
    const email = `${"a".repeat(250)}@example.org`;
    expect(signUpSchema.safeParse({ name: "Jan Peeters", email, password }).success).toBe(false);
  });
});
