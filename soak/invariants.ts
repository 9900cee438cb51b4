import type { World } from '../src/testbed/world.js';
import { STAGES_MISSING_IN_CASE_STATUS } from '../src/testbed/world.js';

/** One checked promise of the product: what was expected, whether it held, and the evidence. */
export interface InvariantResult {
  name: string;
  ok: boolean;
  detail: string;
}

const result = (name: string, problems: string[], summary: string): InvariantResult => ({
  name,
  ok: problems.length === 0,
  detail: problems.length === 0 ? summary : `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
});

/** Every matter the sync should carry (open or pending, not a lead) is one case with the right stage, clients and status. */
export function casesMatchSmokeball(world: World, matterIds: string[]): InvariantResult {
  const sb = world.smokeball.control;
  const cases = world.caseStatus.control.cases();
  const contacts = new Map(world.firm.contacts.map((c) => [c.id, c]));
  const stageNames = new Map(world.firm.stageSets.flatMap((s) => s.stages.map((st) => [st.id, st.name] as const)));
  // A stage Case Status does not have in the matter's practice area is unmapped: the case keeps what it had and
  // staff get an item, so only stages Case Status knows are compared.
  const areaStages = new Map(world.caseStatus.control.practiceAreas().map((a) => [a.name, new Set(a.stages.map((st) => st.name))]));
  const typeNames = new Map(world.firm.matterTypes.map((t) => [t.id, t.name]));
  const problems: string[] = [];
  let eligible = 0;
  for (const id of matterIds) {
    const m = sb.matter(id);
    const open = !m.isLead && (m.status === 'Open' || m.status === 'Pending');
    const c = cases.get(id);
    if (!open) {
      // A matter closed during the day must have closed its case; one never eligible has none.
      if (c && c.status !== 'closed' && !m.isLead) problems.push(`${m.number}: ${m.status} in Smokeball, ${c.status} in Case Status`);
      continue;
    }
    eligible += 1;
    if (!c) {
      problems.push(`${m.number}: no case`);
      continue;
    }
    const stageName = m.stage ? (stageNames.get(m.stage.stageId) ?? null) : null;
    const known = areaStages.get(typeNames.get(m.matterTypeId) ?? '');
    const wantStage = stageName && !STAGES_MISSING_IN_CASE_STATUS.includes(stageName) && known?.has(stageName) ? stageName : null;
    // An unmapped stage leaves the case where it was (and raises an item); only a mapped one must match.
    if (wantStage !== null && c.stage !== wantStage) problems.push(`${m.number}: stage "${c.stage}" in Case Status, "${wantStage}" in Smokeball`);
    const wantStatus = m.status === 'Open' ? 'open' : 'pending';
    if (c.status !== wantStatus) problems.push(`${m.number}: status ${c.status}, want ${wantStatus}`);
    const wantClients = [...new Set(m.clientIds)].filter((cid) => !contacts.get(cid)?.isDeleted).sort();
    const gotClients = [...c.clientExternalIds].sort();
    if (wantClients.join() !== gotClients.join()) problems.push(`${m.number}: clients [${gotClients.join()}], want [${wantClients.join()}]`);
  }
  const extra = [...cases.keys()].filter((id) => !matterIds.includes(id));
  for (const id of extra) problems.push(`case ${id} has no Smokeball matter`);
  return result('every eligible matter is exactly one case with the right stage', problems, `${eligible} eligible matters, ${cases.size} cases, all match`);
}

/**
 * Case Status never showed a client an older stage after a newer one: for each case, the stages sent are in the
 * order Smokeball had them (a later change may overtake an earlier one; going back is the failure).
 */
export function noStageRegressions(world: World, stageHistory: Map<string, string[]>): { result: InvariantResult; duplicates: number; changes: number } {
  const problems: string[] = [];
  let duplicates = 0;
  const changes = world.caseStatus.control.stageChanges().filter((c) => c.source === 'api' && c.from !== null);
  const lastIndex = new Map<string, number>();
  for (const change of changes) {
    const history = stageHistory.get(change.caseExternalId);
    if (!history) continue; // the soak never moved this matter: its one stage was set when the case was made
    const idx = history.lastIndexOf(change.to ?? '');
    const prev = lastIndex.get(change.caseExternalId) ?? 0;
    if (idx < 0) problems.push(`${change.caseExternalId}: sent "${change.to}", never a stage in Smokeball`);
    else if (idx < prev) problems.push(`${change.caseExternalId}: sent "${change.to}" after "${history[prev]}"`);
    else if (idx === prev) duplicates += 1;
    lastIndex.set(change.caseExternalId, Math.max(prev, idx));
  }
  return {
    result: result('no stage ever sent backwards', problems, `${changes.length} stage changes sent, none backwards`),
    duplicates,
    changes: changes.length,
  };
}

/** Each visible Case Status message is in exactly one memo entry, in its matter's memo for its thread. */
export function messagesExactlyOnce(world: World, matterIds: string[]): InvariantResult {
  const sb = world.smokeball.control;
  const hits = new Map<string, Array<{ matterId: string; thread: string | undefined }>>();
  for (const id of matterIds) {
    for (const memo of sb.memos(id)) {
      if (memo.isDeleted) continue;
      const thread = /^\[cs-thread:([^\]]+):\d+\]$/m.exec(memo.plainText)?.[1];
      for (const hit of memo.plainText.matchAll(/^\[cs-msg:([^\]#]+)\]$/gm)) {
        hits.set(hit[1]!, [...(hits.get(hit[1]!) ?? []), { matterId: id, thread }]);
      }
    }
  }
  const messages = world.caseStatus.control.messages();
  const problems: string[] = [];
  for (const msg of messages) {
    const found = hits.get(msg.id) ?? [];
    if (found.length !== 1) problems.push(`message ${msg.id}: in ${found.length} memo entries`);
    else if (found[0]!.matterId !== msg.caseExternalId || found[0]!.thread !== msg.threadId) problems.push(`message ${msg.id}: in the wrong matter or thread`);
  }
  const unknown = [...hits.keys()].filter((id) => !messages.some((m) => m.id === id));
  for (const id of unknown) problems.push(`memo entry for unknown message ${id}`);
  return result('every message in exactly one memo entry', problems, `${messages.length} messages, each in one memo entry`);
}

/** Each visible document is exactly one file in the matter's one CaseStatus folder, byte-identical. */
export async function documentsExactlyOnce(world: World): Promise<InvariantResult> {
  const docs = await world.caseStatus.control.documents();
  const sb = world.smokeball.control;
  const byMatter = new Map<string, typeof docs>();
  for (const d of docs) byMatter.set(d.caseExternalId, [...(byMatter.get(d.caseExternalId) ?? []), d]);
  const problems: string[] = [];
  for (const [matterId, want] of byMatter) {
    const folders = sb.folders(matterId).filter((f) => f.name === 'CaseStatus');
    if (folders.length !== 1) {
      problems.push(`${matterId}: ${folders.length} CaseStatus folders`);
      continue;
    }
    const files = sb.files(matterId).filter((f) => f.folderId === folders[0]!.id);
    if (files.length !== want.length) problems.push(`${matterId}: ${files.length} files for ${want.length} documents`);
    if (files.some((f) => !f.isUploaded)) problems.push(`${matterId}: a file without content`);
    const got = files
      .map((f) => f.sha256)
      .sort()
      .join();
    if (
      got !==
      want
        .map((d) => d.sha256)
        .sort()
        .join()
    )
      problems.push(`${matterId}: file contents differ from Case Status`);
  }
  return result(
    'every document exactly once and byte-identical',
    problems,
    `${docs.length} documents in ${byMatter.size} matters, each once and byte-identical`,
  );
}

/** Whether a moment (performance.now() of the soak) is in a storm or its wake: its effect on the server's bucket lasts a moment after it ends, so 2 s are allowed for it to refill. */
export function inStorms(storms: Array<{ from: number; to: number }>): (at: number) => boolean {
  return (at) => storms.some((s) => at >= s.from && at <= s.to + 2_000);
}

/** Outside the deliberate 429 storms, Smokeball never had to refuse a request: the app kept to the limit. */
export function withinRateLimit(
  world: World,
  storms: Array<{ from: number; to: number }>,
): { result: InvariantResult; throttledInStorms: number; peakPerSecond: number } {
  const log = world.smokeball.stats.log;
  const inStorm = inStorms(storms);
  const outside = log.filter((e) => e.status === 429 && !inStorm(e.at) && !e.route.startsWith('/_sim'));
  const throttledInStorms = log.filter((e) => e.status === 429 && inStorm(e.at)).length;
  const peakPerSecond = world.smokeball.stats.peakInWindow(1000, (e) => e.status !== 429 && !inStorm(e.at) && !e.route.startsWith('/_sim'));
  // When, in seconds of the soak process's clock (the same clock the log lines count from, give or take its start-up).
  const problems = outside.map((e) => `429 on ${e.method} ${e.route} at ${(e.at / 1000).toFixed(1)} s`);
  return {
    result: result(
      'no request above the rate limit (outside the 429 storms)',
      problems,
      `${log.length} Smokeball requests, 0 refused outside the storms, peak ${peakPerSecond} in any 1 s`,
    ),
    throttledInStorms,
    peakPerSecond,
  };
}
