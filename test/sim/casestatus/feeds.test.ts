import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AxiosInstance } from 'axios';
import type { CaseStatusSim } from '../../../src/sim/casestatus/server.js';
import type { MessageView } from '../../../src/sim/casestatus/wire.js';
import { CLIENT_1, MATTER_A, MATTER_B, MATTER_C, caseBody, clientBody, fixtureFirm, fixtureSha256 } from './fixtures.js';
import { api, startSim } from './helpers.js';

let sim: CaseStatusSim;
let client: AxiosInstance;
beforeAll(async () => {
  sim = await startSim();
  client = api(sim);
  await client.put(`/clients/${CLIENT_1}`, clientBody());
});
afterAll(() => sim.close());

async function pageAll(path: string, limit: number, after?: string): Promise<{ items: { id: string }[]; cursor: string }> {
  const items: { id: string }[] = [];
  let cursor = after;
  for (;;) {
    const res = await client.get(path, { params: { limit, ...(cursor ? { after: cursor } : {}) } });
    expect(res.status).toBe(200);
    items.push(...res.data.data);
    cursor = res.data.nextCursor;
    if (!res.data.hasMore) return { items, cursor: cursor as string };
  }
}

describe('messages', () => {
  it('are invisible until their case exists, then appear oldest first', async () => {
    const empty = await client.get('/messages');
    expect(empty.data).toMatchObject({ data: [], hasMore: false });
    expect(sim.control.pending().messages).toBe(4);
    // A message for a case not yet created waits with the seeds.
    const early = sim.control.addMessage({ matterId: MATTER_A, senderName: 'Pat Client', senderRole: 'client', body: 'early' });
    expect(early.visible).toBe(false);
    expect(early.threadId).toBe('thread-a'); // joins the case's existing thread

    await client.put(`/cases/${MATTER_A}`, caseBody());
    const res = await client.get('/messages', { params: { after: empty.data.nextCursor } });
    const bodies = res.data.data.map((m: MessageView) => m.body);
    expect(bodies).toEqual(['First message 👋', 'Second <b>bold</b> message', 'Reply from the firm', 'early']);
    const caseId = sim.control.cases().get(MATTER_A)?.id;
    expect(res.data.data[0]).toEqual({
      id: 'aaaaaaaa-0000-4000-8000-000000000001',
      caseId,
      caseExternalId: MATTER_A,
      threadId: 'thread-a',
      sender: { name: 'Pat Client', role: 'client' },
      body: 'First message 👋',
      createdAt: '2024-03-01T10:00:00.000Z',
    });
    // Matter B's seed is still hidden.
    expect(bodies).not.toContain('Hello from B');
    expect((await client.get(`/cases/${MATTER_A}/messages`)).data.data).toHaveLength(4);
    expect((await client.get(`/cases/${MATTER_B}/messages`)).status).toBe(404);
  });

  it('pages forward seeing every message exactly once while messages keep arriving', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let added = 0;
    await client.put(`/cases/${MATTER_C}`, caseBody({ readableId: 'C-1', practiceArea: 'Estate Planning', stage: null }));
    for (let round = 0; round < 200; round++) {
      const res = await client.get('/messages', { params: { limit: 7, ...(cursor ? { after: cursor } : {}) } });
      seen.push(...res.data.data.map((m: MessageView) => m.id));
      cursor = res.data.nextCursor;
      // New messages land between page requests, on an existing case and on a case created mid-paging.
      if (added < 60) {
        for (let k = 0; k < 3; k++, added++) {
          sim.control.addMessage({ matterId: added % 2 ? MATTER_A : MATTER_C, senderName: 'X', senderRole: 'staff', body: `live ${added}` });
        }
        if (added === 30) await client.put(`/cases/${MATTER_B}`, caseBody({ readableId: 'B-1', stage: null }));
      } else if (!res.data.hasMore) break;
    }
    const all = sim.control.messages().map((m) => m.id);
    expect(all.length).toBe(4 + 60 + 1);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
    // A stored cursor resumes later without repeats.
    sim.control.addMessage({ matterId: MATTER_B, senderName: 'Lee Client', senderRole: 'client', body: 'later' });
    const resumed = await client.get('/messages', { params: { after: cursor } });
    expect(resumed.data.data.map((m: MessageView) => m.body)).toEqual(['later']);
  });

  it('rejects a cursor from another list and an oversized limit', async () => {
    const docCursor = (await client.get('/documents')).data.nextCursor;
    const res = await client.get('/messages', { params: { after: docCursor } });
    expect(res.status).toBe(400);
    expect(res.data.error.code).toBe('invalid_request');
    expect((await client.get('/messages', { params: { limit: 201 } })).status).toBe(400);
    expect((await client.get('/messages', { params: { limit: 0 } })).status).toBe(400);
  });
});

describe('documents', () => {
  it('lists visible documents with sha256 and streams their exact bytes', async () => {
    const { items } = await pageAll('/documents', 2);
    const firm = fixtureFirm();
    expect(items.map((d) => d.id)).toEqual(firm.documents.map((d) => d.id)); // A's two (revealed first), then B's
    for (const seed of firm.documents) {
      const listed = items.find((d) => d.id === seed.id) as unknown as { sha256: string; sizeBytes: number; contentType: string };
      expect(listed.sha256).toBe(await fixtureSha256(seed));
      const res = await fetch(`${sim.url}/v1/documents/${seed.id}/content`, { headers: { authorization: 'Bearer cs-sim-key' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(seed.sizeBytes));
      expect(res.headers.get('content-type')).toBe(listed.contentType);
      const hash = createHash('sha256');
      let received = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        received += chunk.length;
      }
      expect(received).toBe(seed.sizeBytes);
      expect(hash.digest('hex')).toBe(listed.sha256);
    }
    const awkward = await fetch(`${sim.url}/v1/documents/dddddddd-0000-4000-8000-000000000002/content`, {
      headers: { authorization: 'Bearer cs-sim-key' },
    });
    expect(awkward.headers.get('content-type')).toBe('image/jpeg');
    expect(awkward.headers.get('content-disposition')).toContain("filename*=UTF-8''CON%3A%20%22scan%22%20%E2%9C%93.jpeg");
    await awkward.arrayBuffer();
  });

  it('streams a large generated document with the advertised length and digest', async () => {
    const size = 24 * 1024 * 1024 + 3;
    const doc = sim.control.addDocument({
      matterId: MATTER_A,
      fileName: 'big.bin',
      sizeBytes: size,
      contentSeed: 99,
      sharedByName: 'Pat Client',
      sharedByRole: 'client',
    });
    expect(doc.visible).toBe(true);
    const res = await fetch(`${sim.url}/v1/documents/${doc.id}/content`, { headers: { authorization: 'Bearer cs-sim-key' } });
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      received += chunk.length;
    }
    expect(received).toBe(size);
    expect(hash.digest('hex')).toBe(res.headers.get('x-content-sha256'));
  });

  it('serves documents added with explicit bytes, and hides those of uncreated cases', async () => {
    const bytes = Buffer.from('%PDF-1.4 hello');
    const added = sim.control.addDocument({ matterId: MATTER_B, fileName: 'note.pdf', content: bytes, sharedByName: 'Lee Client', sharedByRole: 'client' });
    const meta = (await client.get(`/documents/${added.id}`)).data;
    expect(meta).toMatchObject({ sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), contentType: 'application/pdf' });
    const content = await client.get(`/documents/${added.id}/content`, { responseType: 'arraybuffer' });
    expect(Buffer.from(content.data).equals(bytes)).toBe(true);

    const hidden = sim.control.addDocument({
      matterId: '55555555-0000-4000-8000-000000000000',
      fileName: 'x.txt',
      content: 'x',
      sharedByName: 'S',
      sharedByRole: 'staff',
    });
    expect(hidden.visible).toBe(false);
    expect((await client.get(`/documents/${hidden.id}/content`)).status).toBe(404);
    expect((await client.get(`/cases/${MATTER_B}/documents`)).data.data.map((d: { id: string }) => d.id)).toContain(added.id);
  });
});
