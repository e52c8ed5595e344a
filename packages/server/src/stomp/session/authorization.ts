import type { MaybePromise } from '../../brokers/broker.js';
import { StompError, StompRejection } from '../errors.js';
import type { ResolvedStompOptions } from '../options.js';
import type { Authorize, AuthorizeAction, SessionInfo, StompPrincipal } from '../types.js';
import { describe } from './app-errors.js';

/** Asks the `authorize` hook whether the session's user may do something; a refusal is a thrown StompError. */
export class Authorizer {
  private readonly hook: Authorize | undefined;
  private readonly log: ResolvedStompOptions['log'];
  private readonly principal: StompPrincipal | undefined;
  private readonly session: SessionInfo;

  constructor(
    hook: Authorize | undefined,
    log: ResolvedStompOptions['log'],
    principal: StompPrincipal | undefined,
    session: SessionInfo,
  ) {
    this.hook = hook;
    this.log = log;
    this.principal = principal;
    this.session = session;
  }

  /** Whether there is a hook to ask at all (without one, everything is allowed). */
  get enabled(): boolean {
    return this.hook !== undefined;
  }

  authorize(action: AuthorizeAction, destination: string): MaybePromise<void> {
    const { hook } = this;
    if (hook === undefined) return;
    const denied = (): never => {
      throw new StompError(
        'authorization',
        'Access denied',
        `not allowed to ${action} ${action === 'send' ? 'to ' : ''}${destination}`,
      );
    };
    const failed = (error: unknown): never => {
      if (error instanceof StompRejection)
        throw new StompError('authorization', 'Access denied', error.message);
      this.log('error', `STOMP authorize failed: ${describe(error)}`);
      throw new StompError('authorization', 'Access denied', 'authorization could not be checked');
    };
    let allowed: MaybePromise<boolean>;
    try {
      allowed = hook(this.principal, action, destination, this.session);
    } catch (error) {
      return failed(error);
    }
    if (allowed instanceof Promise) return allowed.then((ok) => (ok ? undefined : denied()), failed);
    if (!allowed) denied();
  }
}
