import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';

export interface MatterLink {
  matterId: string;
  caseId: string;
  caseUrl: string | null;
  matterNumber: string | null;
  matterTitle: string | null;
  matterVersion: string;
  status: string;
  stageId: string | null;
  stageName: string | null;
  stageUpdated: string | null;
  clientIds: string[];
  fingerprint: string;
  caseInput: unknown;
  updatedAt: string;
}

export interface ContactLink {
  contactId: string;
  clientId: string;
  version: string | null;
  fingerprint: string;
}

interface MatterLinkRow {
  matter_id: string;
  case_id: string;
  case_url: string | null;
  matter_number: string | null;
  matter_title: string | null;
  matter_version: string;
  status: string;
  stage_id: string | null;
  stage_name: string | null;
  stage_updated: string | null;
  client_ids: string;
  fingerprint: string;
  case_input: string;
  updated_at: string;
}

function toMatterLink(r: MatterLinkRow): MatterLink {
  return {
    matterId: r.matter_id,
    caseId: r.case_id,
    caseUrl: r.case_url,
    matterNumber: r.matter_number,
    matterTitle: r.matter_title,
    matterVersion: r.matter_version,
    status: r.status,
    stageId: r.stage_id,
    stageName: r.stage_name,
    stageUpdated: r.stage_updated,
    clientIds: JSON.parse(r.client_ids) as string[],
    fingerprint: r.fingerprint,
    caseInput: JSON.parse(r.case_input) as unknown,
    updatedAt: r.updated_at,
  };
}

/** matter↔case and contact↔client links. */
export class LinkRepository {
  private readonly getMatter;
  private readonly upsertMatter;
  private readonly getContact;
  private readonly upsertContact;
  private readonly countMatters;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: Now,
  ) {
    this.getMatter = db.prepare<[string], MatterLinkRow>('SELECT * FROM matter_links WHERE matter_id = ?');
    this.upsertMatter = db.prepare(
      `INSERT INTO matter_links(matter_id, case_id, case_url, matter_number, matter_title, matter_version, status,
         stage_id, stage_name, stage_updated, client_ids, fingerprint, case_input, updated_at)
       VALUES (@matterId, @caseId, @caseUrl, @matterNumber, @matterTitle, @matterVersion, @status,
         @stageId, @stageName, @stageUpdated, @clientIds, @fingerprint, @caseInput, @updatedAt)
       ON CONFLICT(matter_id) DO UPDATE SET case_id = excluded.case_id, case_url = excluded.case_url,
         matter_number = excluded.matter_number, matter_title = excluded.matter_title,
         matter_version = excluded.matter_version, status = excluded.status, stage_id = excluded.stage_id,
         stage_name = excluded.stage_name, stage_updated = excluded.stage_updated, client_ids = excluded.client_ids,
         fingerprint = excluded.fingerprint, case_input = excluded.case_input, updated_at = excluded.updated_at`,
    );
    this.getContact = db.prepare<[string], { contact_id: string; client_id: string; version: string | null; fingerprint: string }>(
      'SELECT contact_id, client_id, version, fingerprint FROM contact_links WHERE contact_id = ?',
    );
    this.upsertContact = db.prepare(
      `INSERT INTO contact_links(contact_id, client_id, version, fingerprint, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(contact_id) DO UPDATE SET client_id = excluded.client_id, version = excluded.version,
         fingerprint = excluded.fingerprint, updated_at = excluded.updated_at`,
    );
    this.countMatters = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM matter_links');
  }

  matter(matterId: string): MatterLink | undefined {
    const row = this.getMatter.get(matterId);
    return row ? toMatterLink(row) : undefined;
  }

  saveMatter(link: Omit<MatterLink, 'updatedAt'>): void {
    this.upsertMatter.run({
      ...link,
      clientIds: JSON.stringify(link.clientIds),
      caseInput: JSON.stringify(link.caseInput),
      updatedAt: this.now().toISOString(),
    });
  }

  matterCount(): number {
    return this.countMatters.get()?.n ?? 0;
  }

  /** Every link, for the nightly reconcile (20,000 rows is a few MB; iterate to keep memory flat). */
  *allMatters(): IterableIterator<MatterLink> {
    for (const row of this.db.prepare<[], MatterLinkRow>('SELECT * FROM matter_links ORDER BY matter_id').iterate()) {
      yield toMatterLink(row);
    }
  }

  /** Matters whose case lists this contact as a client (for contact.updated). */
  mattersWithClient(contactId: string): MatterLink[] {
    return this.db
      .prepare<[string], MatterLinkRow>('SELECT m.* FROM matter_links m, json_each(m.client_ids) c WHERE c.value = ? ORDER BY m.matter_id')
      .all(contactId)
      .map(toMatterLink);
  }

  contact(contactId: string): ContactLink | undefined {
    const r = this.getContact.get(contactId);
    return r ? { contactId: r.contact_id, clientId: r.client_id, version: r.version, fingerprint: r.fingerprint } : undefined;
  }

  saveContact(link: ContactLink): void {
    this.upsertContact.run(link.contactId, link.clientId, link.version, link.fingerprint, this.now().toISOString());
  }
}
