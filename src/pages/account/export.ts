// Export my data: one JSON download of everything kept about the signed-in person.
import type { APIRoute } from "astro";
import { assertCan, ForbiddenError } from "../../lib/server/can.ts";
import { exportMyData } from "../../lib/server/users.ts";

export const GET: APIRoute = async ({ locals }) => {
  try {
    assertCan(locals.user, "account.manage", { userId: locals.user?.id });
  } catch (error) {
    if (error instanceof ForbiddenError)
      return new Response("Sign in to export your data.", { status: 401, headers: { "content-type": "text/plain; charset=utf-8" } });
    throw error;
  }
  const data = await exportMyData(locals.user.id);
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="casebook-account-${new Date().toISOString().slice(0, 10)}.json"`,
      "cache-control": "no-store",
    },
  });
};
