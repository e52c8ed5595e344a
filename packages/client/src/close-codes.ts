import type { CloseCode } from '@sockwire/protocol';

/*
 * The close codes the client raises itself, as plain constants whose types tie them to `CloseCode` (a value
 * that drifts from the table fails to compile). A minifier inlines a constant (`1006`) where it must keep a
 * property read of the exported `CloseCode` object (`t.ABNORMAL`) at every use.
 */
export const NORMAL: typeof CloseCode.NORMAL = 1000;
export const PROTOCOL_ERROR: typeof CloseCode.PROTOCOL_ERROR = 1002;
export const ABNORMAL: typeof CloseCode.ABNORMAL = 1006;
export const ALL_TRANSPORTS_FAILED: typeof CloseCode.ALL_TRANSPORTS_FAILED = 2000;
export const HEARTBEAT_TIMEOUT: typeof CloseCode.HEARTBEAT_TIMEOUT = 2011;
