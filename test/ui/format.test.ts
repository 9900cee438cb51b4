import { describe, expect, it } from 'vitest';
import { withoutIpcPrefix } from '../../renderer/src/errors.js';
import { budgetText, etaText, headline, relativeTime } from '../../renderer/src/format.js';
import { splitValidationError } from '../../renderer/src/settings/validation.js';
import { sampleView } from '../host/fake-core.js';
import { toCsv } from '../../renderer/src/csv.js';

/** The window's wording rules, without a browser. */
describe('window wording', () => {
  it('hides the ETA until the engine has one, and never shows false precision', () => {
    expect(etaText(null)).toBeNull();
    expect(etaText(Number.NaN)).toBeNull();
    expect(etaText(3)).toBe('almost done');
    expect(etaText(37)).toBe('about 40 s left');
    expect(etaText(40)).toBe('about 40 s left');
    expect(etaText(150)).toBe('about 3 min left');
    expect(etaText(4200)).toBe('about 1 h 10 min left');
  });

  it('says how long ago in words', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(relativeTime(null, now)).toBe('never');
    expect(relativeTime('2026-03-01T11:59:55Z', now)).toBe('just now');
    expect(relativeTime('2026-03-01T11:59:30Z', now)).toBe('30 s ago');
    expect(relativeTime('2026-03-01T11:58:00Z', now)).toBe('2 min ago');
    expect(relativeTime('2026-03-01T09:00:00Z', now)).toBe('3 h ago');
    expect(relativeTime('not a date', now)).toBe('unknown');
  });

  it('never calls a firm "Up to date" before its first sync, while starting, or while memos are still being written', () => {
    const view = sampleView();
    expect(headline({ ...view, ready: false })).toBe('Starting…');
    expect(headline({ ...view, setup: { ...view.setup, blockedReason: 'Finish the set-up first: connect Case Status.' } })).toBe('Set-up needed');
    expect(headline({ ...view, initialImportDone: false })).toBe('Not synced yet');
    expect(headline({ ...view, initialImportDone: true, busy: true })).toMatch(/^Copying messages and documents/);
    expect(headline({ ...view, initialImportDone: true })).toBe('Up to date');
    expect(headline({ ...view, status: { ...view.status, phase: 'importing' } })).toBe('First sync in progress…');
    expect(headline({ ...view, status: { ...view.status, phase: 'error' } })).toBe('The last sync failed');
  });

  it("puts the core's validation messages back on the fields they name", () => {
    const split = splitValidationError(
      'Invalid input for updateSettings: connections.smokeballRatePerSecond: Too big: expected number to be <=100; nightlySyncTime: Use a 24-hour time such as 02:00',
    );
    expect(split.fieldErrors).toEqual({
      'connections.smokeballRatePerSecond': 'Too big: expected number to be <=100',
      nightlySyncTime: 'Use a 24-hour time such as 02:00',
    });
    expect(split.rest).toMatch(/see the messages next to the fields/);
    expect(splitValidationError('Smokeball is not reachable')).toEqual({ fieldErrors: {}, rest: 'Smokeball is not reachable' });
    expect(splitValidationError('Invalid input for updateSettings: input: Unrecognized key: "x"').rest).toBe('input: Unrecognized key: "x"');
  });

  it('shows errors from Electron main without the IPC wrapping', () => {
    const wrapped = "Error invoking remote method 'css:invoke': InvalidCommandError: Invalid input for pause: minutes: Too small";
    expect(withoutIpcPrefix(wrapped)).toBe('Invalid input for pause: minutes: Too small');
    expect(withoutIpcPrefix("Error invoking remote method 'css:invoke': Error: Smokeball is not reachable")).toBe('Smokeball is not reachable');
    expect(withoutIpcPrefix('Plain message')).toBe('Plain message');
    expect(splitValidationError(wrapped).fieldErrors).toEqual({ minutes: 'Too small' });
  });
});

describe('CSV export', () => {
  it('quotes commas, quotes and line breaks, and keeps formulas as text', () => {
    expect(
      toCsv(
        ['Name', 'Phone'],
        [
          ['Smith, Jane', '555 "home"'],
          ['=HYPERLINK("x")', 12],
          ['Line\nbreak', '-1'],
        ],
      ),
    ).toBe('Name,Phone\r\n"Smith, Jane","555 ""home"""\r\n"\'=HYPERLINK(""x"")",12\r\n"Line\nbreak",\'-1\r\n');
  });
});

describe('budgetText', () => {
  it('shows the share of the partner budget in force, small floors included', () => {
    expect(budgetText({ ratePerSecond: 0.8, mode: 'shared' })).toBe('Smokeball budget: 0.8 req/s (shared)');
    expect(budgetText({ ratePerSecond: 4.5, mode: 'shared' })).toBe('Smokeball budget: 4.5 req/s (shared)');
    expect(budgetText({ ratePerSecond: 0.005, mode: 'shared' })).toBe('Smokeball budget: 0.005 req/s (shared)');
  });
});
