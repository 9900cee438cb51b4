import type { ContactLink, MatterLink } from '../../store/index.js';
import type { CsCaseInput, CsClientInput } from '../casestatus/types.js';
import type { SyncConfig } from '../config.js';
import { clientIdsOf, fingerprint, isEligible, mapContact, mapMatter, type ReferenceData } from '../mapping.js';
import type { SbContact, SbMatter } from '../smokeball/types.js';
import type { MatterWithStage } from './case-writer.js';
import type { RunContext } from './run-context.js';

/**
 * What the sync decides to send, apart from the sending. The case writer sends these decisions and the dry-run
 * preview (src/sync/preview) counts them: one copy of the decision logic, so the preview says what the import
 * then does. Reads links, writes nothing.
 */
export interface LinkReader {
  matter(matterId: string): MatterLink | undefined;
  contact(contactId: string): ContactLink | undefined;
}

export interface ContactWrite {
  input: CsClientInput;
  fp: string;
  version: string | null;
  /** The contact's client link before this write (undefined: the client is new to this install). */
  link: ContactLink | undefined;
}

export interface CaseWrite {
  matter: SbMatter;
  input: CsCaseInput;
  stageId: string | null;
  stageUpdated: string | null;
  clientIds: string[];
  fingerprint: string;
  /** The matter's case link before this write (undefined: a new case). */
  link: MatterLink | undefined;
  /** The Smokeball stage had no Case Status stage: the case is written without one. */
  stageUnmapped: boolean;
}

export interface CaseDecisions {
  writes: CaseWrite[];
  /** Eligible matters that cannot become a case (their matter type has no practice area). */
  notMapped: { matter: SbMatter; matterTypeName: string }[];
}

/** Contacts whose mapped details differ from what was last written (each once). */
export function decideContactWrites(contacts: SbContact[], config: SyncConfig, links: LinkReader, ctx: RunContext): ContactWrite[] {
  const toWrite: ContactWrite[] = [];
  const seen = new Set<string>();
  for (const contact of contacts) {
    if (seen.has(contact.id)) continue;
    seen.add(contact.id);
    ctx.seeContactUpdated(contact.lastUpdated);
    const { input, problems } = mapContact(contact, config);
    for (const p of problems) ctx.addProblem(p);
    const fp = fingerprint(input);
    const link = links.contact(contact.id);
    if (link?.fingerprint === fp) continue;
    toWrite.push({ input, fp, version: contact.versionId ?? null, link });
  }
  return toWrite;
}

/** The clients of these matters, as contacts (those Smokeball returned). */
export function contactsOfMatters(items: MatterWithStage[], contacts: Map<string, SbContact>): SbContact[] {
  const ids = new Set(items.flatMap(({ matter }) => clientIdsOf(matter)));
  return [...ids].map((id) => contacts.get(id)).filter((c): c is SbContact => c !== undefined);
}

/**
 * Eligible matters → the case payloads to upsert. Counts unmapped matters as failed and unchanged payloads as
 * unchanged on `ctx`. `refusedClients` are clients Case Status refused in this run: left off the case, as are
 * clients Smokeball no longer has (either would make the whole case fail).
 */
export function decideCaseWrites(
  items: MatterWithStage[],
  contacts: Map<string, SbContact>,
  ref: ReferenceData,
  config: SyncConfig,
  links: LinkReader,
  ctx: RunContext,
  refusedClients: ReadonlySet<string>,
  /** The hold and the mass-change guard (the CaseWriter's StageGate); none for the initial import and the preview. */
  stageGate?: (link: MatterLink, move: { stageId: string | null; stageName: string | null; stageUpdated: string | null }) => string,
): CaseDecisions {
  const writes: CaseWrite[] = [];
  const notMapped: CaseDecisions['notMapped'] = [];
  for (const { matter, stage } of items.filter((i) => isEligible(i.matter, config))) {
    ctx.seeMatterVersion(matter.versionId);
    if (stage) ctx.seeStageUpdated(stage.lastUpdated);
    const { mapped, problems } = mapMatter(matter, stage, ref, config);
    for (const p of problems) ctx.addProblem(p);
    if (!mapped) {
      ctx.counts.failed += 1;
      const typeProblem = problems.find((p) => p.kind === 'unmapped_practice_area');
      notMapped.push({ matter, matterTypeName: typeProblem?.kind === 'unmapped_practice_area' ? typeProblem.matterTypeName : 'Unknown' });
      continue;
    }
    mapped.input.clientExternalIds = mapped.input.clientExternalIds.filter(
      (id) => !refusedClients.has(id) && (contacts.has(id) || links.contact(id) !== undefined),
    );
    const link = links.matter(matter.id);
    if (link && link.stageUpdated && mapped.stageUpdated && BigInt(link.stageUpdated) > BigInt(mapped.stageUpdated)) {
      // We already applied a newer stage than this read shows (a late event, or a lagging replica).
      mapped.input.stage = link.stageName;
      mapped.stageId = link.stageId;
      mapped.stageUpdated = link.stageUpdated;
    }
    if (
      link &&
      stageGate &&
      link.status !== 'Closed' &&
      stageGate(link, { stageId: mapped.stageId, stageName: mapped.input.stage, stageUpdated: mapped.stageUpdated }) === 'wait'
    ) {
      // Held: the other fields go out now, with the stage the client last saw.
      mapped.input.stage = link.stageName;
      mapped.stageId = link.stageId;
      mapped.stageUpdated = link.stageUpdated;
    }
    const fp = fingerprint(mapped.input);
    if (link && link.fingerprint === fp) {
      ctx.counts.casesUnchanged += 1;
      continue;
    }
    const stageUnmapped = problems.some((p) => p.kind === 'unmapped_stage') && mapped.input.stage === null;
    writes.push({
      matter,
      input: mapped.input,
      stageId: mapped.stageId,
      stageUpdated: mapped.stageUpdated,
      clientIds: clientIdsOf(matter),
      fingerprint: fp,
      link,
      stageUnmapped,
    });
  }
  return { writes, notMapped };
}
