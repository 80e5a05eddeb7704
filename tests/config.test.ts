import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("configuration", () => {
  it("has defaults that run locally on the embedded database", () => {
    const config = loadConfig({});
    expect(config.origin.href).toBe("http://localhost:3000/");
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.nodeType).toBe("all");
    expect(config.logFormat).toBe("pretty");
    expect(config.maxBodyBytes).toBe(1024 * 1024);
  });

  it("logs JSON lines in production", () => {
    expect(loadConfig({ NODE_ENV: "production", ORIGIN: "https://k.example" }).logFormat).toBe("json");
  });

  const bad: [Record<string, string>, string][] = [
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ ORIGIN: "not a url" }, "ORIGIN"],
    [{ ORIGIN: "ftp://example.org" }, "ORIGIN"],
    [{ ORIGIN: "https://example.org/path" }, "ORIGIN"],
    [{ NODE_ENV: "production", ORIGIN: "http://example.org" }, "ORIGIN"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ NODE_TYPE: "frontend" }, "NODE_TYPE"],
    [{ NODE_TYPE: "worker" }, "NODE_TYPE"],
    [{ ALLOW_PRIVATE_ADDRESS: "maybe" }, "ALLOW_PRIVATE_ADDRESS"],
    [{ NODE_ENV: "production", ORIGIN: "https://k.example", ALLOW_PRIVATE_ADDRESS: "true" }, "ALLOW_PRIVATE_ADDRESS"],
    [{ MAX_BODY_BYTES: "-1" }, "MAX_BODY_BYTES"],
  ];
  for (const [env, setting] of bad) {
    it(`refuses ${JSON.stringify(env)} naming ${setting}`, () => {
      let error: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).setting).toBe(setting);
      expect((error as Error).message).toContain(setting);
    });
  }

  it("accepts separate web and worker processes on PostgreSQL", () => {
    const env = { DATABASE_URL: "postgres://localhost/kindred" };
    expect(loadConfig({ ...env, NODE_TYPE: "web" }).nodeType).toBe("web");
    expect(loadConfig({ ...env, NODE_TYPE: "worker" }).nodeType).toBe("worker");
  });
});
