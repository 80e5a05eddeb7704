/**
 * Every federation route and callback is registered here on a builder;
 * the entry point builds it with the real KV store, queue and origin.
 */
import { createFederationBuilder } from "@fedify/fedify";
import { registerActors } from "./actors.ts";
import { registerCollections } from "./collections.ts";
import type { ContextData } from "./context.ts";
import { registerInbox } from "./inbox.ts";
import { registerNodeInfo } from "./nodeinfo.ts";
import { registerObjects } from "./objects.ts";

export const builder = createFederationBuilder<ContextData>();

registerActors(builder);
registerCollections(builder);
registerInbox(builder);
registerNodeInfo(builder);
registerObjects(builder);
