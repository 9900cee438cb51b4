import type { BudgetDoc } from './rules.js';

/**
 * Storage of the relay's partner budget: one document for the whole relay (every firm's grant), read and
 * replaced under one lock, so that two relay instances on one PostgreSQL database decide one renewal after
 * the other and never hand out more than the total between them.
 */
export interface BudgetStorage {
  /** Runs `decide` on the budget document under the lock and commits what it returns. */
  transact<T>(decide: (doc: BudgetDoc) => { doc: BudgetDoc; result: T }): Promise<T>;
  read(): Promise<BudgetDoc>;
}
