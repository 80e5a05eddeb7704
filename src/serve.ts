/**
 * Serves a fetch handler over HTTP on Node (@hono/node-server) or Deno
 * (Deno.serve), so the same app runs on both.
 */
import type { AddressInfo } from "node:net";

export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

type FetchHandler = (request: Request) => Response | Promise<Response>;

interface DenoLike {
  serve(options: { hostname: string; port: number; onListen?: () => void }, handler: FetchHandler): {
    addr: { port: number };
    shutdown(): Promise<void>;
  };
}

export async function serveHttp(fetch: FetchHandler, hostname: string, port: number): Promise<HttpServer> {
  const deno = (globalThis as { Deno?: DenoLike }).Deno;
  if (deno) {
    const server = deno.serve({ hostname, port, onListen: () => {} }, fetch);
    return { port: server.addr.port, close: () => server.shutdown() };
  }
  const { serve } = await import("@hono/node-server");
  return await new Promise((resolve) => {
    const server = serve({ fetch, hostname, port }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
