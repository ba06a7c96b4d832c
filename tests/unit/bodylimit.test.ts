// Body limits (issue 9 §8): which limit applies to which request, judged by Content-Length
// without reading, or by counting a chunked body only up to the limit.
import { describe, expect, it } from "vitest";
import { oversizeBody, tooLargeResponse } from "../../src/lib/server/bodylimit.ts";
import { ACTION_BODY_LIMITS, FORM_TEXT_BYTES, MAX_REQUEST_BYTES, bodyLimitFor } from "../../src/lib/limits.ts";

const MB = 1024 * 1024;

function chunked(url: string, total: number, onPull: (n: number) => void): Request {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const chunk = new Uint8Array(Math.min(64 * 1024, total - sent));
      sent += chunk.byteLength;
      onPull(sent);
      controller.enqueue(chunk);
    },
  });
  return new Request(url, { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("body limits", () => {
  it("gives the file-carrying actions their room and every other request a text form's", () => {
    expect(bodyLimitFor(new URL("http://x/write?_action=savePost"))).toBe(5 * 10 * MB + MB);
    expect(bodyLimitFor(new URL("http://x/calls/c/decisions?_action=importDecisions"))).toBe(6 * MB);
    expect(bodyLimitFor(new URL("http://x/_actions/requestOrganization"))).toBe(3 * MB);
    expect(bodyLimitFor(new URL("http://x/signin?_action=signIn"))).toBe(FORM_TEXT_BYTES);
    expect(bodyLimitFor(new URL("http://x/signin"))).toBe(FORM_TEXT_BYTES);
    expect(MAX_REQUEST_BYTES).toBe(ACTION_BODY_LIMITS.savePost);
  });

  it("judges a declared length without reading, and anonymous visitors by the text-form limit", async () => {
    const post = (url: string, length: number) => new Request(url, { method: "POST", body: "x", headers: { "content-length": String(length) } });
    expect(await oversizeBody(post("http://x/signin?_action=signIn", MB), new URL("http://x/signin?_action=signIn"), false)).toBeNull();
    expect(await oversizeBody(post("http://x/signin?_action=signIn", MB + 1), new URL("http://x/signin?_action=signIn"), false)).toBe(MB);
    const write = new URL("http://x/write?_action=savePost");
    expect(await oversizeBody(post(write.href, 20 * MB), write, true)).toBeNull();
    expect(await oversizeBody(post(write.href, 20 * MB), write, false)).toBe(FORM_TEXT_BYTES);
    expect(await oversizeBody(post(write.href, 51 * MB + 1), write, true)).toBe(51 * MB);
    expect(await oversizeBody(new Request("http://x/", { method: "GET" }), new URL("http://x/"), false)).toBeNull();
  });

  it("counts a chunked body and stops reading just past the limit", async () => {
    let pulled = 0;
    const big = chunked("http://x/signin", 300 * MB, (n) => (pulled = n));
    expect(await oversizeBody(big, new URL("http://x/signin"), false)).toBe(FORM_TEXT_BYTES);
    expect(pulled).toBeLessThan(2 * MB);
    const small = chunked("http://x/signin", 100_000, () => {});
    expect(await oversizeBody(small, new URL("http://x/signin"), false)).toBeNull();
    // What was counted is still there for the action.
    expect((await small.arrayBuffer()).byteLength).toBe(100_000);
  });

  it("answers 413 with a readable HTML page that names the limit and closes the connection", async () => {
    const request = new Request("http://x/signin", { method: "POST", body: "x", headers: { "content-length": String(2 * MB) } });
    await oversizeBody(request, new URL("http://x/signin"), false);
    const res = tooLargeResponse(request, FORM_TEXT_BYTES, "en");
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("connection")).toBe("close");
    const html = await res.text();
    expect(html).toContain("<h1>Too large</h1>");
    expect(html).toContain("larger than this form accepts (1 MB)");
    expect(html).not.toMatch(/<script|style=/);
  });
});
