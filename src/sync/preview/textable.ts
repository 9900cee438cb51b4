import type { NotTextableReason } from '../../contract/preview.js';
import { toE164 } from '../mapping.js';
import type { SbContact, SbPhone } from '../smokeball/types.js';

function typed(phone: SbPhone | null | undefined): string {
  return `${phone?.areaCode ?? ''} ${phone?.number ?? ''}`.trim();
}

/**
 * Why Case Status cannot text this contact, or null when it can. The sync sends only the cell number (mapContact):
 * a cell that does not make a dialable number is `invalid_number`; no cell but a phone (home, office, company) is
 * `landline_only`, the one case Smokeball's fields let us tell apart; nothing at all is `no_number`.
 */
export function notTextable(contact: SbContact, defaultCountryCode: string): { reason: NotTextableReason; phone: string } | null {
  const cell = contact.person?.cell;
  if (toE164(cell, defaultCountryCode)) return null;
  if (typed(cell) !== '') return { reason: 'invalid_number', phone: typed(cell) };
  const other = typed(contact.person?.phone) || typed(contact.company?.phone);
  if (other !== '') return { reason: 'landline_only', phone: other };
  return { reason: 'no_number', phone: '' };
}
