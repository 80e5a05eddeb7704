/**
 * A real Kindred instance for a test: its own fresh database (engine from
 * KINDRED_TEST_DB), served over HTTP on a free 127.0.0.1 port.
 */
import { createServer } from "node:net";
import { loadConfig } from "../../src/config.ts";
import { serveHttp } from "../../src/serve.ts";
import { createKindred, type Kindred } from "../../src/server.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

export interface TestInstance {
  url: URL;
  host: string;
  kindred: Kindred;
  database: TestDatabase;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const GENEROUS_RATE_LIMITS: Record<string, string> = {
  RATE_LIMIT_SIGNUP_PER_IP: "100000/60",
  RATE_LIMIT_LOGIN_PER_IP: "100000/60",
  RATE_LIMIT_LOGIN_PER_ACCOUNT: "100000/60",
  RATE_LIMIT_POSTS_PER_IP: "100000/60",
  RATE_LIMIT_POSTS_PER_ACCOUNT: "100000/60",
  RATE_LIMIT_INBOX_PER_INSTANCE: "100000/60",
};

export async function startInstance(env: Record<string, string> = {}): Promise<TestInstance> {
  const port = await freePort();
  const database = await createTestDatabase();
  const config = loadConfig({
    ORIGIN: `http://127.0.0.1:${port}`,
    PORT: String(port),
    ALLOW_PRIVATE_ADDRESS: "true",
    INSTANCE_NAME: "Test Kindred",
    // Every suite runs from 127.0.0.1: limits generous enough never to
    // throttle them, while still counting (tests/rate-limits.test.ts sets its own).
    ...GENEROUS_RATE_LIMITS,
    ...env,
  });
  const kindred = await createKindred(config, database);
  const server = await serveHttp(kindred.app.fetch, "127.0.0.1", port);
  return {
    url: config.origin,
    host: config.origin.host,
    kindred,
    database,
    async stop() {
      await server.close();
      await kindred.close();
      await database.dispose();
    },
  };
}
