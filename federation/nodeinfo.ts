/** NodeInfo 2.1 with real usage counts. */
import type { FederationBuilder } from "@fedify/fedify";
import { countLocalPosts } from "../db/posts.ts";
import { usageCounts } from "../db/stats.ts";
import { type ContextData, SOFTWARE } from "./context.ts";
import { DIRECTORY_METADATA_KEY, DIRECTORY_PATH } from "./group-directory.ts";

export function registerNodeInfo(builder: FederationBuilder<ContextData>): void {
  builder.setNodeInfoDispatcher("/nodeinfo/2.1", async (ctx) => {
    const counts = await usageCounts(ctx.data.db);
    const posts = await countLocalPosts(ctx.data.db);
    return {
      software: {
        name: SOFTWARE.name,
        version: SOFTWARE.version,
      },
      protocols: ["activitypub"],
      services: { inbound: [], outbound: [] },
      openRegistrations: false,
      usage: {
        users: {
          total: counts.users,
          activeHalfyear: counts.activeHalfyear,
          activeMonth: counts.activeMonth,
        },
        localPosts: posts.posts,
        localComments: posts.comments,
      },
      // Peers find our group directory here (federation/group-directory.ts).
      metadata: {
        nodeName: ctx.data.instanceName,
        groups: counts.groups,
        [DIRECTORY_METADATA_KEY]: new URL(DIRECTORY_PATH, ctx.origin).href,
      },
    };
  });
}
