import { describe, expect, it } from 'vitest';
import { suggestName } from '../../src/sync/preview/suggest.js';
import { notTextable } from '../../src/sync/preview/textable.js';

describe('suggested Case Status names (set-up step 5)', () => {
  const stages = ['Intake', 'Pre-Litigation', 'Settlement Negotiation', 'Closed'];

  it('matches the same name whatever its case, spacing or punctuation', () => {
    expect(suggestName('pre litigation', stages)).toBe('Pre-Litigation');
    expect(suggestName('INTAKE', stages)).toBe('Intake');
  });

  it('suggests a close name and nothing for an unrelated one', () => {
    expect(suggestName('Negotiation', stages)).toBe('Settlement Negotiation');
    expect(suggestName('Awaiting Lien Resolution', stages)).toBeNull();
    expect(suggestName('', stages)).toBeNull();
  });
});

describe('why a client cannot be texted', () => {
  it('tells no number, an invalid cell and a landline only apart', () => {
    expect(notTextable({ id: 'a', person: { cell: { areaCode: '312', number: '555 0100' } } }, '1')).toBeNull();
    expect(notTextable({ id: 'b', person: { cell: { number: '555' } } }, '1')).toEqual({ reason: 'invalid_number', phone: '555' });
    expect(notTextable({ id: 'c', person: { phone: { areaCode: '312', number: '5550100' } } }, '1')).toEqual({ reason: 'landline_only', phone: '312 5550100' });
    expect(notTextable({ id: 'd', company: { name: 'Acme', phone: { number: '0299990000' } } }, '1')).toEqual({ reason: 'landline_only', phone: '0299990000' });
    expect(notTextable({ id: 'e', person: { firstName: 'No', lastName: 'Phone' } }, '1')).toEqual({ reason: 'no_number', phone: '' });
  });
});
