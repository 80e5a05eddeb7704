/** What Hono handlers find in `c.var`. */
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.ts";

export interface AppServices {
  db: Kysely<Schema>;
  instanceName: string;
  origin: URL;
}

export interface AppEnv {
  Variables: { kindred: AppServices };
}
