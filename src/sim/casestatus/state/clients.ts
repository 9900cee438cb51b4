import type { ClientInput } from '../schemas.js';
import type { ClientUpsertResult, ClientView } from '../wire.js';

/** Clients by external id (the Smokeball contact id), in creation order for paging. */
export interface ClientRecord extends ClientView {
  seq: number;
}

const FIELDS = ['firstName', 'lastName', 'email', 'cellPhone', 'companyName'] as const;

export class ClientStore {
  private readonly byExternalId = new Map<string, ClientRecord>();
  readonly ordered: ClientRecord[] = [];

  constructor(
    private readonly newId: () => string,
    private readonly now: () => string,
  ) {}

  get(externalId: string): ClientRecord | undefined {
    return this.byExternalId.get(externalId);
  }

  has(externalId: string): boolean {
    return this.byExternalId.has(externalId);
  }

  get size(): number {
    return this.ordered.length;
  }

  upsert(externalId: string, input: ClientInput): ClientUpsertResult {
    const existing = this.byExternalId.get(externalId);
    const at = this.now();
    if (!existing) {
      const record: ClientRecord = {
        seq: this.ordered.length + 1,
        id: this.newId(),
        externalId,
        firstName: input.firstName,
        lastName: input.lastName,
        email: input.email,
        cellPhone: input.cellPhone,
        companyName: input.companyName,
        textable: input.cellPhone !== null,
        createdAt: at,
        updatedAt: at,
      };
      this.byExternalId.set(externalId, record);
      this.ordered.push(record);
      return { externalId, id: record.id, created: true, changed: true, textable: record.textable };
    }
    const changed = FIELDS.some((f) => existing[f] !== input[f]);
    if (changed) {
      existing.firstName = input.firstName;
      existing.lastName = input.lastName;
      existing.email = input.email;
      existing.cellPhone = input.cellPhone;
      existing.companyName = input.companyName;
      existing.textable = input.cellPhone !== null;
      existing.updatedAt = at;
    }
    return { externalId, id: existing.id, created: false, changed, textable: existing.textable };
  }
}

export function clientView(record: ClientRecord): ClientView {
  const { seq: _seq, ...view } = record;
  return view;
}
