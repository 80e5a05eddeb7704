import { execFileSync } from "node:child_process";
import { writeFileSync, rmSync, mkdirSync, statfsSync } from "node:fs";
import { migrateToLatest, openDatabase } from "../db/database.ts";
import { createAccount } from "../src/accounts.ts";
import { logIn } from "../src/auth.ts";
import { createGroup } from "../src/groups.ts";
import { freePort } from "../tests/helpers/instance.ts";
import { startServerProcess } from "../tests/helpers/process.ts";
const mnt = "/tmp/kindred-disk-try";
mkdirSync(mnt, { recursive: true });
execFileSync("mount", ["-t", "tmpfs", "-o", "size=96m", "tmpfs", mnt]);
try {
  const dataDir = `${mnt}/data`;
  const port = await freePort();
  const origin = new URL(`http://127.0.0.1:${port}`);
  const db = await openDatabase({ dataDir });
  await migrateToLatest(db.db);
  await createGroup(db.db, origin, { slug: "gg", name: "G", description: "x" });
  await createAccount(db.db, origin, { username: "ada", password: "ada has a long password" });
  const token = (await logIn(db.db, "ada", "ada has a long password"))!;
  await db.close();
  const s = statfsSync(mnt); console.log("free MB", (s.bavail * s.bsize) / 2 ** 20);
  const server = await startServerProcess({ DATA_DIR: dataDir, ORIGIN: origin.href, LOG_LEVEL: "warning" }, port);
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(new URL(`/api/v1${path}`, origin), { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  const { json } = await api("POST", "/groups/follow", { handle: new URL("/@gg", origin).href });
  const gid = json.group.id;
  console.log("first", (await api("POST", `/groups/${gid}/threads`, { title: "one", body: "first post" })).status);
  const free = statfsSync(mnt); const bytes = free.bavail * free.bsize;
  try { writeFileSync(`${mnt}/filler`, Buffer.alloc(bytes)); } catch (e) { console.log("filler", String(e)); }
  console.log("free after", statfsSync(mnt).bavail);
  for (let i = 0; i < 30; i++) {
    const r = await api("POST", `/groups/${gid}/threads`, { title: `full ${i}`, body: "x".repeat(2000) });
    if (i % 5 === 0 || r.status >= 300) console.log("full", i, r.status, JSON.stringify(r.json).slice(0, 200));
    if (r.status >= 300) break;
  }
  const h = await fetch(new URL("/healthz", origin)).then((r) => r.status).catch((e) => String(e));
  console.log("healthz", h, "alive", server.child.exitCode);
  rmSync(`${mnt}/filler`);
  console.log("after space back", (await api("POST", `/groups/${gid}/threads`, { title: "after", body: "back" })).status);
  console.log("exit", await server.stop());
  console.log(server.output().slice(-3000));
  const db2 = await openDatabase({ dataDir });
  const rows = await db2.db.selectFrom("posts").select(["title"]).orderBy("id").execute();
  console.log("titles", rows.map((r) => r.title).join(","));
  await db2.close();
} finally {
  execFileSync("umount", ["-l", mnt]);
}
