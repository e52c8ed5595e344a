import { describe, expect, it } from 'vitest';
import { brokerFromUrl } from '../../src/cli/broker-url.js';
import { parseServeArgs } from '../../src/cli/serve.js';

/*
 * `--cluster-secret` and SOCKWIRE_CLUSTER_SECRET: where the secret comes from, and that it is refused where it
 * would do nothing (a flag silently ignored would look like protection).
 */

const base = ['--port', '0'];
const redis = ['--broker', 'redis://127.0.0.1:6379'];

describe('sockwire serve --cluster-secret', () => {
  it('takes the flag, or else the environment variable, for a Redis broker', () => {
    expect(parseServeArgs([...base, ...redis, '--cluster-secret', 'flag'], {}).clusterSecret).toBe('flag');
    const env = { SOCKWIRE_CLUSTER_SECRET: 'env' };
    expect(parseServeArgs([...base, ...redis], env).clusterSecret).toBe('env');
    expect(parseServeArgs([...base, ...redis, '--cluster-secret', 'flag'], env).clusterSecret).toBe('flag');
    expect(parseServeArgs([...base, '--broker', 'rediss://h:6380'], env).clusterSecret).toBe('env');
  });

  it('leaves the environment variable alone when it is empty or there is no Redis broker', () => {
    const env = { SOCKWIRE_CLUSTER_SECRET: 'env' };
    expect(parseServeArgs([...base, ...redis], { SOCKWIRE_CLUSTER_SECRET: '' })).not.toHaveProperty(
      'clusterSecret',
    );
    expect(parseServeArgs(base, env)).not.toHaveProperty('clusterSecret');
    expect(parseServeArgs([...base, '--broker', 'stomp://u:p@h:61613'], env)).not.toHaveProperty(
      'clusterSecret',
    );
  });

  it('refuses the flag when empty or without a Redis broker', () => {
    const refusal = /--cluster-secret needs a non-empty secret and --broker redis:\/\//;
    expect(() => parseServeArgs([...base, ...redis, '--cluster-secret', ''], {})).toThrow(refusal);
    expect(() => parseServeArgs([...base, '--cluster-secret', 's'], {})).toThrow(refusal);
    expect(() => parseServeArgs([...base, '--broker', 'stomp://h:1', '--cluster-secret', 's'], {})).toThrow(
      refusal,
    );
  });

  it('is refused by brokerFromUrl for a relay, before connecting', async () => {
    // Nothing listens on port 1: a refusal after connecting would fail differently.
    await expect(brokerFromUrl('stomp://u:p@127.0.0.1:1', 'n', undefined, 's')).rejects.toThrow(
      /--cluster-secret applies only to --broker redis:\/\//,
    );
  });
});
