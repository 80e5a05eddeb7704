/**
 * Dependencies point one way: db/ <- federation/ <- src/.  db/ never
 * imports Fedify or Hono; federation/ never imports Hono or src/.  policy/
 * (content rules on text) is pure: no other layer, framework or Node API.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+["']([^"']+)["']/g)]
    .map((m) => m[1]);
  const dynamic = [...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
  return [...found, ...dynamic];
}

function resolveLayer(file: string, spec: string): string {
  if (!spec.startsWith(".")) return spec;
  return relative(root, join(root, file, "..", spec)).split("/")[0];
}

const rules: Record<string, RegExp> = {
  db: /^(@fedify\/|hono|@hono\/|federation$|src$|tests$)/,
  federation: /^(hono|@hono\/|src$|tests$)/,
  src: /^tests$/,
  policy: /^(@fedify\/|hono|@hono\/|node:|db$|federation$|src$|tests$)/,
};

describe("import graph", () => {
  for (const [layer, forbidden] of Object.entries(rules)) {
    it(`${layer}/ imports only what sits below it`, () => {
      const files = sources(layer);
      expect(files.length).toBeGreaterThan(0);
      const violations = files.flatMap((file) =>
        imports(file)
          .map((spec) => [spec, resolveLayer(file, spec)] as const)
          .filter(([, target]) => forbidden.test(target))
          .map(([spec]) => `${file} imports ${spec}`)
      );
      expect(violations).toEqual([]);
    });
  }

  it("the checker sees a forbidden import when there is one", () => {
    expect(rules.db.test(resolveLayer("db/x.ts", "../federation/keys.ts"))).toBe(true);
    expect(rules.federation.test(resolveLayer("federation/x.ts", "hono"))).toBe(true);
    expect(rules.federation.test(resolveLayer("federation/x.ts", "../db/schema.ts"))).toBe(false);
    expect(rules.policy.test(resolveLayer("policy/x.ts", "../db/posts.ts"))).toBe(true);
    expect(rules.policy.test(resolveLayer("policy/x.ts", "@fedify/vocab"))).toBe(true);
    expect(rules.policy.test(resolveLayer("policy/x.ts", "./crisis-rules/en.json"))).toBe(false);
  });

  it("server code logs through LogTape, not console.log", () => {
    const offenders = ["src", "federation", "db", "policy"].flatMap(sources)
      .filter((f) => /console\.log\(/.test(readFileSync(join(root, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});
