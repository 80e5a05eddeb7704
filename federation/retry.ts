/**
 * Delivery retry policy and circuit breaker.  Fedify's default gives up
 * after about half an hour (10 attempts from 1 s, doubling); a peer that is
 * down for a day must still receive what was sent to it.  Ours: 30 s
 * doubling up to 6 h between attempts, 14 attempts, which spans a little
 * over 30 hours.
 *
 * Fedify's circuit breaker (2.3) is kept, with its defaults: after 5 failed
 * deliveries to one host within 10 minutes the circuit opens, and later
 * deliveries to that host are held in the queue (not counted as attempts)
 * until a probe every 30 minutes gets through; held activities are dropped
 * after 7 days.  Each change of state is logged (category
 * ["kindred", "federation", "circuit"]).
 *
 * `scale` divides every delay but the circuit's failure window (TIME_SCALE,
 * tests only), so a test can play a day of outage in seconds.
 */
import {
  type CircuitBreakerOptions,
  createExponentialBackoffPolicy,
  type RetryPolicy,
} from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";

export const DELIVERY_RETRY = {
  initialDelay: { seconds: 30 },
  maxDelay: { hours: 6 },
  maxAttempts: 14,
  factor: 2,
} as const;

const circuitLogger = getLogger(["kindred", "federation", "circuit"]);

const ms = (milliseconds: number, scale: number) => ({ milliseconds: Math.max(1, Math.round(milliseconds / scale)) });

export function deliveryRetryPolicy(jitter = true, scale = 1): RetryPolicy {
  return createExponentialBackoffPolicy({
    ...DELIVERY_RETRY,
    initialDelay: ms(30_000, scale),
    maxDelay: ms(6 * 3600_000, scale),
    jitter,
  });
}

export function circuitBreakerOptions(scale = 1): CircuitBreakerOptions {
  return {
    failureThreshold: 5,
    // Not scaled: it counts failures rather than making anyone wait, and a
    // scaled-down window would be shorter than the queue's own latency.
    failureWindow: { minutes: 10 },
    recoveryDelay: ms(30 * 60_000, scale),
    heldActivityTtl: ms(7 * 86_400_000, scale),
    onStateChange(remoteHost, previousState, newState) {
      const properties = { remoteHost, previousState, newState };
      const message = "Circuit for {remoteHost} went from {previousState} to {newState}.";
      if (newState === "open") circuitLogger.warn(message, properties);
      else circuitLogger.info(message, properties);
    },
    onActivityDrop(remoteHost, details) {
      circuitLogger.error("Dropped an activity held for {remoteHost} since {heldSince}: the host " +
        "stayed unreachable.", { remoteHost, heldSince: String(details.heldSince) });
    },
  };
}
