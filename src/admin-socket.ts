/**
 * A running server on embedded PGlite owns its database, so the `kindred`
 * CLI hands its command to the server over a Unix socket in the data
 * directory (mode 0600: only the server's own user can use it).
 */
import { chmodSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import { type CliIo, runCommand } from "./cli/commands.ts";

interface CommandRequest {
  argv: string[];
  password?: string;
}

interface CommandResponse {
  code: number;
  stdout: string[];
  stderr: string[];
}

/** Serves CLI commands on `path`; resolves to a closer. */
export async function listenAdminSocket(
  path: string,
  services: Pick<CliIo, "db" | "origin" | "fedify" | "retentionInactiveDays" | "mail" | "instanceName">,
): Promise<() => Promise<void>> {
  rmSync(path, { force: true });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const result: CommandResponse = { code: 0, stdout: [], stderr: [] };
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as CommandRequest;
      result.code = await runCommand(body.argv, {
        ...services,
        out: (l) => result.stdout.push(l),
        err: (l) => result.stderr.push(l),
        readPassword: async () => body.password ?? "",
      });
    } catch (error) {
      result.code = 1;
      result.stderr.push(`kindred: ${(error as Error).message}`);
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(result));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  chmodSync(path, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        rmSync(path, { force: true });
        resolve();
      });
    });
}

/** Sends a command to the server listening on `path`. */
export function sendAdminCommand(path: string, body: CommandRequest): Promise<CommandResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, method: "POST", path: "/" }, async (res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch (error) {
        reject(error);
      }
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
