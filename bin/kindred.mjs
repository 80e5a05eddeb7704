#!/usr/bin/env node
// `npx kindred ...`: runs the TypeScript CLI through tsx.
import { register } from "tsx/esm/api";
register();
await import("../src/cli/main.ts");
