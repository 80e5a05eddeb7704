/**
 * What every Fedify callback receives as context data.  Built by the entry
 * point; federation code never reads the environment itself.
 */
import type { MessageQueue } from "@fedify/fedify";
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.ts";

export interface ContextData {
  db: Kysely<Schema>;
  /** Shown in NodeInfo and on the instance actor. */
  instanceName: string;
  /** The queue Fedify uses; groups queue their fan-outs on it (group-fanout.ts). */
  queue: MessageQueue;
  /** ALLOW_PRIVATE_ADDRESS: our own fetches (the group directory) may reach private addresses (development, tests). */
  allowPrivateAddress?: boolean;
}

/** Identifier of the instance (Application) actor; `_` keeps it out of the name space of members and groups. */
export const INSTANCE_ACTOR = "_instance";

export const SOFTWARE = { name: "kindred", version: "0.1.0" } as const;
