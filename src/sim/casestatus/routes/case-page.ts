import type { FastifyInstance } from 'fastify';
import type { FirmState } from '../state/firm-state.js';

/**
 * The page a case URL opens (`{publicUrl}/cases/{id}`), so links written into Smokeball memos lead
 * somewhere during demos. Not part of the API: no auth, faults or stats.
 */
export function registerCasePage(app: FastifyInstance, state: FirmState): void {
  app.get<{ Params: { id: string } }>('/cases/:id', async (request, reply) => {
    const record = state.cases.getById(request.params.id);
    if (!record) return reply.code(404).type('text/html; charset=utf-8').send(page('Case not found', '<p>No such case.</p>'));
    const messages = state.messages
      .forCase(record.externalId)
      .map((v) => `<li><b>${esc(v.item.senderName)}</b> (${esc(v.item.senderRole)}, ${esc(v.item.createdAt)}): ${esc(v.item.body)}</li>`)
      .join('');
    const documents = state.documents
      .forCase(record.externalId)
      .map((v) => `<li>${esc(v.item.fileName)} (${v.item.sizeBytes} bytes)</li>`)
      .join('');
    const body = `
      <p>Readable ID <b>${esc(record.readableId)}</b> · ${esc(record.practiceArea)} · status <b>${esc(record.status)}</b>
      · stage <b>${esc(record.stage ?? '—')}</b></p>
      <p>Primary attorney: ${esc(record.primaryAttorney?.name ?? '—')} · Clients: ${esc(record.clientExternalIds.join(', '))}</p>
      <h2>Messages</h2><ul>${messages}</ul><h2>Documents</h2><ul>${documents}</ul>`;
    return reply.type('text/html; charset=utf-8').send(page(record.title, body));
  });
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)} · Case Status (simulator)</title></head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
