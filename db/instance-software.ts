/** What software remote servers run (from their NodeInfo), by host. */
import type { Kysely } from "kysely";
import type { Schema } from "./schema.ts";

/** The known software of each of `hosts` (null: none readable); hosts never checked are absent. */
export async function findInstanceSoftware(db: Kysely<Schema>, hosts: string[]): Promise<Map<string, string | null>> {
  const known = new Map<string, string | null>();
  for (let i = 0; i < hosts.length; i += 1000) {
    const rows = await db.selectFrom("instance_software").select(["host", "software"])
      .where("host", "in", hosts.slice(i, i + 1000)).execute();
    for (const r of rows) known.set(r.host, r.software);
  }
  return known;
}

/** Hosts checked longer than `maxAgeMs` ago. */
export async function staleInstanceHosts(db: Kysely<Schema>, hosts: string[], maxAgeMs: number): Promise<Set<string>> {
  const stale = new Set<string>();
  if (hosts.length === 0) return stale;
  const rows = await db.selectFrom("instance_software").select("host")
    .where("host", "in", hosts).where("checked_at", "<", new Date(Date.now() - maxAgeMs)).execute();
  for (const r of rows) stale.add(r.host);
  return stale;
}

export async function saveInstanceSoftware(db: Kysely<Schema>, host: string, software: string | null): Promise<void> {
  await db.insertInto("instance_software").values({ host, software, checked_at: new Date() })
    .onConflict((oc) => oc.column("host").doUpdateSet({ software, checked_at: new Date() }))
    .execute();
}
