/// <reference path="../pb_data/types.d.ts" />
// Issue 15 §2: indexes for the public listings at 20,000 posts. A post row holds its Markdown and
// HTML (kilobytes each), and the columns that listings filter on (kind, outcome, published_by…)
// were added after them, so every filter on them read each row's overflow pages: the home page's
// newest stories and discussions took 0.8 s, and a post page's "discussed in" 0.4 s (0 post pages
// per second at 16 connections in `npm run bench`). With these the filters are index lookups.
migrate(
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    // Home (stories, discussions), /discussions, a post's "discussed in", funders' decisions.
    posts.addIndex("idx_posts_kind_status", false, "kind, status, published_at", "");
    // An organisation's page and the directory's "posts under its name" counts.
    posts.addIndex("idx_posts_organization_status", false, "organization, status", "");
    // /outcomes/<value> pages and the failures page's counts per outcome.
    posts.addIndex("idx_posts_outcome_status", false, "outcome, status, published_at", "");
    app.save(posts);
  },
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    for (const name of ["idx_posts_kind_status", "idx_posts_organization_status", "idx_posts_outcome_status"]) posts.removeIndex(name);
    app.save(posts);
  },
);
