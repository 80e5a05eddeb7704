/**
 * Embedded PGlite is one process's database: two processes opening the same
 * data directory would corrupt it.  The process that opens it holds a lock
 * file with its pid; a lock whose process is gone is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const lockPath = (dataDir: string) => join(dataDir, "kindred.lock");
export const adminSocketPath = (dataDir: string) => join(dataDir, "kindred-admin.sock");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid holding the data directory, if a live process does. */
export function lockHolder(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath(dataDir), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class DataDirBusyError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`Another Kindred process (pid ${pid}) is using the embedded database in ${dataDir}`);
    this.name = "DataDirBusyError";
  }
}

/** Takes the lock or throws DataDirBusyError; returns the release function. */
export function acquireDataDirLock(dataDir: string): () => void {
  const holder = lockHolder(dataDir);
  if (holder) throw new DataDirBusyError(dataDir, holder);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(lockPath(dataDir), `${process.pid}\n`, { mode: 0o600 });
  return () => {
    try {
      if (readFileSync(lockPath(dataDir), "utf8").trim() === String(process.pid)) {
        rmSync(lockPath(dataDir));
      }
    } catch {
      // already gone
    }
  };
}
