import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Waiting assertions on Playwright locators for vitest (playwright-core has no `expect`): each polls until the page
 * reaches the state or the timeout passes, then fails with what it last saw.
 */
const DEFAULT_TIMEOUT = 15_000;

export async function visible(locator: Locator, timeout = DEFAULT_TIMEOUT): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout });
}

export async function hidden(locator: Locator, timeout = DEFAULT_TIMEOUT): Promise<void> {
  await locator.first().waitFor({ state: 'hidden', timeout });
}

export async function count(locator: Locator, expected: number, timeout = DEFAULT_TIMEOUT): Promise<void> {
  await expect.poll(() => locator.count(), { timeout, interval: 100 }).toBe(expected);
}

async function textOf(locator: Locator): Promise<string | null> {
  if ((await locator.count()) === 0) return null;
  return ((await locator.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

export async function text(locator: Locator, expected: string | RegExp, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const poll = expect.poll(() => textOf(locator), { timeout, interval: 100 });
  await (typeof expected === 'string' ? poll.toBe(expected) : poll.toMatch(expected));
}

export async function attribute(locator: Locator, name: string, expected: string, timeout = DEFAULT_TIMEOUT): Promise<void> {
  await expect
    .poll(
      () =>
        locator
          .first()
          .getAttribute(name, { timeout: 1000 })
          .catch(() => null),
      { timeout, interval: 100 },
    )
    .toBe(expected);
}

export async function value(locator: Locator, expected: string, timeout = DEFAULT_TIMEOUT): Promise<void> {
  await expect
    .poll(
      () =>
        locator
          .first()
          .inputValue({ timeout: 1000 })
          .catch(() => null),
      { timeout, interval: 100 },
    )
    .toBe(expected);
}
