import type { BudgetDoc } from './rules.js';

/** One renewal's decision: pure, it returns the new document (never changes the one it is given) and its answer. */
export type BudgetDecide<T> = (doc: BudgetDoc) => { doc: BudgetDoc; result: T };

/**
 * Storage of the relay's partner budget: one document for the whole relay (every firm's grant), read and
 * replaced under one lock, so that two relay instances on one PostgreSQL database decide renewals one after
 * the other and never hand out more than the total between them. Several renewals may share one lock hold
 * (the SQL storage batches them); each is still decided on the document its predecessor left.
 */
export interface BudgetStorage {
  /** Runs `decide` on the budget document under the lock and commits what it returns. */
  transact<T>(decide: BudgetDecide<T>): Promise<T>;
  read(): Promise<BudgetDoc>;
}
