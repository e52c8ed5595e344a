import type { ConformanceCase } from '../table.js';
import { ackCases } from './acks.js';
import { requiredHeaderCases } from './headers.js';
import { escapingCases, limitCases, parsingCases, repeatedHeaderCases } from './parsing.js';
import { heartbeatCases, receiptCases, versionCases } from './session.js';
import { messageCases, transactionCases } from './transactions.js';

/** Every case of the raw-frame conformance table, in report order. */
export const conformanceTable: readonly ConformanceCase[] = [
  ...versionCases,
  ...heartbeatCases,
  ...parsingCases,
  ...escapingCases,
  ...repeatedHeaderCases,
  ...limitCases,
  ...requiredHeaderCases,
  ...ackCases,
  ...transactionCases,
  ...receiptCases,
  ...messageCases,
];
