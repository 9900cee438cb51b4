/**
 * Write-back benchmark: Case Status messages → Smokeball memos, documents → the CaseStatus folder, against
 * the simulators with realistic latency (Smokeball 150 ± 50 ms, Case Status 60 ± 20 ms) at Smokeball's
 * documented 5 requests/second.
 *
 * Phases, each measured on its own after a firm of --matters matters is imported:
 *   history   the seeded message and document history of every case, written by the first run
 *   live      --messages new messages, each on a different existing thread (one memo update each)
 *   documents --documents new documents of --doc-kb KB each, on different matters
 * Prints messages/min, MB/s, Smokeball requests per message and per document, 429s and the peak requests
 * in any 1-second window, and checks that Smokeball holds every item exactly once.
 *
 *   npx tsx bench/writeback-bench.ts                     (about 3 minutes)
 *   npx tsx bench/writeback-bench.ts --messages 50 --documents 10 --doc-kb 512
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectToWorld, startWorld, type World } from '../src/testbed/world.js';
import { WritebackJob, type WritebackSummary } from '../src/sync/writeback/index.js';

const { values } = parseArgs({
  options: {
    matters: { type: 'string', default: '300' },
    messages: { type: 'string', default: '200' },
    documents: { type: 'string', default: '40' },
    'doc-kb': { type: 'string', default: '2048' },
    rate: { type: 'string', default: '5' },
  },
});
const matters = Number(values.matters);
const liveMessages = Number(values.messages);
const liveDocuments = Number(values.documents);
const docBytes = Number(values['doc-kb']) * 1024;
const rate = Number(values.rate);

interface PhaseResult {
  phase: string;
  messages: number;
  documents: number;
  bytes: number;
  wallS: number;
  sbRequests: number;
  throttled: number;
  peak: number;
  summary: WritebackSummary;
}

function markerCount(world: World): number {
  let n = 0;
  for (const m of world.firm.matters) for (const memo of world.smokeball.control.memos(m.id)) n += (memo.plainText.match(/^\[cs-msg:/gm) ?? []).length;
  return n;
}

function fileCount(world: World): number {
  let n = 0;
  for (const m of world.firm.matters) n += world.smokeball.control.files(m.id).filter((f) => f.isUploaded).length;
  return n;
}

const world = await startWorld({ matters, seed: 42, smokeball: { rateLimit: { ratePerSecond: rate, burst: 5 } } });
const stack = await connectToWorld(world, { ratePerSecond: rate, burst: 5 });
const job = new WritebackJob({ smokeball: stack.smokeball, caseStatus: stack.caseStatus, store: stack.store, tempDir: `${stack.dataDir}/staging` });
const results: PhaseResult[] = [];

async function phase(name: string, messages: number, documents: number, bytes: number): Promise<void> {
  world.smokeball.stats.reset();
  const started = performance.now();
  const summary = await job.run();
  const wallS = (performance.now() - started) / 1000;
  const byEndpoint = [...world.smokeball.stats.byEndpoint.entries()].map(([k, v]) => `${k} ${v.requests}`).join(', ');
  process.stderr.write(`  ${name} requests: ${byEndpoint}\n`);
  results.push({
    phase: name,
    messages,
    documents,
    bytes,
    wallS,
    sbRequests: world.smokeball.stats.total,
    throttled: world.smokeball.stats.throttled,
    peak: world.smokeball.stats.peakInWindow(1000),
    summary,
  });
  process.stderr.write(`  ${name}: ${wallS.toFixed(1)} s\n`);
}

try {
  process.stderr.write(`importing ${matters} matters…\n`);
  const imported = await stack.engine.initialImport();
  if (imported.outcome !== 'succeeded') throw new Error(`import ${imported.outcome}`);

  const history = world.caseStatus.control.messages();
  const historyDocs = await world.caseStatus.control.documents();
  await phase(
    'history',
    history.length,
    historyDocs.length,
    historyDocs.reduce((a, d) => a + d.sizeBytes, 0),
  );

  // Live traffic: one new message on each of many threads (the common case: one memo PUT per message).
  const threads = [...new Map(history.map((m) => [m.threadId, m])).values()];
  for (let i = 0; i < liveMessages; i++) {
    const t = threads[i % threads.length]!;
    world.caseStatus.control.addMessage({
      matterId: t.caseExternalId,
      threadId: t.threadId,
      senderName: 'Pat Client',
      senderRole: 'client',
      body: `Live message ${i}: any news on my case?`,
      createdAt: new Date(Date.now() + i).toISOString(),
    });
  }
  await phase('live', liveMessages, 0, 0);

  const linked = [...stack.store.links.allMatters()];
  for (let i = 0; i < liveDocuments; i++) {
    world.caseStatus.control.addDocument({
      matterId: linked[i % linked.length]!.matterId,
      fileName: `Scan ${i}.pdf`,
      sharedByName: 'Pat Client',
      sharedByRole: 'client',
      sizeBytes: docBytes,
      contentSeed: 1000 + i,
    });
  }
  await phase('documents', 0, liveDocuments, liveDocuments * docBytes);

  await world.smokeball.control.whenIdle();
  const expectedMessages = world.caseStatus.control.messages().length;
  const expectedFiles = (await world.caseStatus.control.documents()).length;
  const check = `exactly once: ${markerCount(world)}/${expectedMessages} message entries, ${fileCount(world)}/${expectedFiles} files`;

  const header = [
    'phase',
    'messages',
    'documents',
    'MB',
    'wall',
    'messages/min',
    'MB/s',
    'Smokeball req',
    'req/message',
    'req/document',
    'memos created/updated',
    '429s',
    'peak req in 1 s',
  ];
  const rows = results.map((r) => [
    r.phase,
    String(r.messages),
    String(r.documents),
    (r.bytes / 1048576).toFixed(1),
    `${r.wallS.toFixed(1)} s`,
    r.messages ? Math.round((r.messages / r.wallS) * 60).toLocaleString('en-US') : '—',
    r.bytes ? (r.bytes / 1048576 / r.wallS).toFixed(2) : '—',
    String(r.sbRequests),
    r.messages && !r.documents ? (r.sbRequests / r.messages).toFixed(2) : '—',
    r.documents && !r.messages ? (r.sbRequests / r.documents).toFixed(2) : '—',
    `${r.summary.memosCreated}/${r.summary.memosUpdated}`,
    String(r.throttled),
    String(r.peak),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  console.log([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n'));
  console.log(`\n${check}; failed ${results.reduce((a, r) => a + r.summary.failed, 0)}; Smokeball ${rate} req/s, ${matters} matters.`);
} finally {
  job.close();
  stack.close();
  rmSync(stack.dataDir, { recursive: true, force: true });
  await world.close();
}
