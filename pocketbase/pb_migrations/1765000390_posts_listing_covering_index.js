/// <reference path="../pb_data/types.d.ts" />
// Issue 15 §2: the listings by care setting, AI technique, tag and the failures page filter on
// columns no index held (`care_settings ~ "x"` is a LIKE over the JSON text), and count their
// matches for the page's "N posts": SQLite read every published row — Markdown and HTML,
// kilobytes each, through overflow pages — for every count, ~75 ms per listing at 20,000 posts.
// After any public change every listing is loaded again, and the first visits to the 23 listing
// pages kept PocketBase busy for 3.6–4.7 s (`npm run bench`). This index holds every column those
// filters and counts read, in the order the lists are sorted: counts read the index alone
// (~5 ms), pages walk it newest first. It starts with (status, published_at), so the older index
// on exactly those two columns is dropped.
migrate(
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    posts.addIndex(
      "idx_posts_listing",
      false,
      "status, published_at, created, id, outcome, kind, decision, organization, anonymous, care_settings, ai_types, tags",
      "",
    );
    posts.removeIndex("idx_posts_status_published");
    app.save(posts);
  },
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    posts.removeIndex("idx_posts_listing");
    posts.addIndex("idx_posts_status_published", false, "status, published_at", "");
    app.save(posts);
  },
);
