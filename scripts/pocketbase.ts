// `npm run pocketbase`: find or build the pinned PocketBase and print its path.
import { ensurePocketBaseBinary, POCKETBASE_VERSION } from "./lib/pocketbase-binary.ts";

try {
  const bin = await ensurePocketBaseBinary((line) => console.log(`[pocketbase] ${line}`));
  console.log(`[pocketbase] PocketBase ${POCKETBASE_VERSION}: ${bin}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
