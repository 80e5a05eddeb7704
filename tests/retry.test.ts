import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { deliveryRetryPolicy } from "../federation/retry.ts";

describe("delivery retry policy", () => {
  it("keeps retrying for at least 24 hours, then gives up", () => {
    const policy = deliveryRetryPolicy(false);
    let elapsed = Temporal.Duration.from({ seconds: 0 });
    let attempts = 0;
    for (;;) {
      attempts++;
      const delay = policy({ elapsedTime: elapsed, attempts });
      if (delay == null) break;
      expect(delay.total("hours")).toBeLessThanOrEqual(6);
      elapsed = elapsed.add(delay).round({ largestUnit: "hours" });
      expect(attempts).toBeLessThan(100);
    }
    expect(elapsed.total("hours")).toBeGreaterThanOrEqual(24);
    expect(elapsed.total("hours")).toBeLessThan(48);
  });
});
