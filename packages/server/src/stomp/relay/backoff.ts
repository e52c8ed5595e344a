/**
 * Full-jitter exponential backoff: a delay drawn uniformly from [0, min(maxDelay, minDelay × factor^attempt)).
 * When the broker restarts, every node's system connection drops at the same moment; drawing from the whole
 * window keeps them from all knocking again at the same moment. `attempt` counts from 0.
 */
export function backoffDelay(
  attempt: number,
  policy: { readonly minDelay: number; readonly maxDelay: number; readonly factor: number },
  random: () => number,
): number {
  const window = Math.min(policy.maxDelay, policy.minDelay * policy.factor ** attempt);
  return Math.floor(random() * window);
}
