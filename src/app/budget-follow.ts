import { RateLeaseFollower, RelayBudgetClient, type Logger, type PacingGate } from '../sync/index.js';
import type { SmokeballBudgetView } from '../contract/view.js';

/**
 * The Smokeball gate on the relay's partner budget (docs/relay.md): started for a coordinated install with a
 * relay, since the relay is where the budget is divided. In per-firm mode the relay says so and the gate
 * keeps its own rate.
 */
export function startBudgetFollower(options: { gate: PacingGate; relayUrl: string; relayToken: string; logger: Logger }): RateLeaseFollower {
  const follower = new RateLeaseFollower({
    gate: options.gate,
    client: new RelayBudgetClient({ relayUrl: options.relayUrl, relayToken: options.relayToken }),
    logger: options.logger,
  });
  follower.start();
  return follower;
}

/** What the window shows during a sync: the share of the partner budget in force; null in per-firm mode. */
export function budgetView(follower: RateLeaseFollower | undefined, gate: PacingGate | undefined): SmokeballBudgetView | null {
  if (!follower || !gate || follower.mode !== 'shared') return null;
  const rate = gate.snapshot().budgetRatePerSecond;
  return rate === undefined ? null : { ratePerSecond: rate, mode: 'shared' };
}
