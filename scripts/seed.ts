// `npm run seed`: loads the demo content into the configured PocketBase.
import { getConfig, getSuperuserCredentials } from "../src/lib/server/config.ts";
import { connectAsSuperuser } from "../src/lib/server/pocketbase.ts";
import { seedDemo } from "./lib/seed.ts";

const config = getConfig();
const pb = await connectAsSuperuser(config.pocketbaseUrl, getSuperuserCredentials(config));
const result = await seedDemo(pb, { log: console.log });
console.log(result.created ? `Demo content loaded (${result.posts} posts).` : "Demo content already present.");
