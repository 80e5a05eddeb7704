/** What software remote servers run (from their NodeInfo), by host. */
import type { Kysely } from "kysely";
import type { Schema } from "./schema.ts";

/** What is known of each of `hosts`: its software (null: none readable) and when it was checked; hosts never checked are absent. */
export async function findInstanceSoftware(
  db: Kysely<Schema>,
  hosts: string[],
): Promise<Map<string, { software: string | null; checkedAt: Date }>> {
  const known = new Map<string, { software: string | null; checkedAt: Date }>();
  for (let i = 0; i < hosts.length; i += 1000) {
    const rows = await db.selectFrom("instance_software").select(["host", "software", "checked_at"])
      .where("host", "in", hosts.slice(i, i + 1000)).execute();
    for (const r of rows) known.set(r.host, { software: r.software, checkedAt: r.checked_at });
  }
  return known;
}

export async function saveInstanceSoftware(db: Kysely<Schema>, host: string, software: string | null): Promise<void> {
  await db.insertInto("instance_software").values({ host, software, checked_at: new Date() })
    .onConflict((oc) => oc.column("host").doUpdateSet({ software, checked_at: new Date() }))
    .execute();
}
