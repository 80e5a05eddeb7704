/**
 * Delivery retry policy.  Fedify's default gives up after about half an
 * hour (10 attempts from 1 s, doubling); a peer that is down for a day must
 * still receive what was sent to it.  Ours: 30 s doubling up to 6 h between
 * attempts, 14 attempts, which spans a little over 30 hours.
 */
import { createExponentialBackoffPolicy, type RetryPolicy } from "@fedify/fedify";

export const DELIVERY_RETRY = {
  initialDelay: { seconds: 30 },
  maxDelay: { hours: 6 },
  maxAttempts: 14,
  factor: 2,
} as const;

export function deliveryRetryPolicy(jitter = true): RetryPolicy {
  return createExponentialBackoffPolicy({ ...DELIVERY_RETRY, jitter });
}
