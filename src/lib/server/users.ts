// Users of the platform. Accounts arrive with the accounts issue; the foundation only
// needs the shape of the signed-in user that the middleware puts on locals.

/** The signed-in user as the app sees it (never the PocketBase record itself). */
export type SessionUser = {
  id: string;
  name: string;
  email: string;
  role: "member" | "moderator" | "admin";
  locale: "en" | "fr" | "nl";
};
