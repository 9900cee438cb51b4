import { createHash, randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { smallFirm } from './fixtures.js';
import { sleep, startTestSim, type TestSim } from './helpers.js';
import { startReceiver } from './receiver.js';

let t: TestSim | undefined;
afterEach(async () => {
  await t?.sim.close();
  t = undefined;
});

const firm = smallFirm({ matters: 5 });
const matterId = firm.matters[0]!.id;
const base = `/matters/${matterId}/documents`;

interface UploadInfo {
  fileId: string;
  uploadUrl: string;
  expiry: string;
}

async function addFile(sim: TestSim, body: Record<string, unknown>): Promise<UploadInfo> {
  const res = await sim.api(`${base}/files`, { method: 'POST', json: body });
  expect(res.status).toBe(202);
  return (await res.json()) as UploadInfo;
}

/** PUT with an empty Content-Type header, as Smokeball says to. */
function put(url: string, body: Uint8Array | ReadableStream<Uint8Array>, contentType = ''): Promise<Response> {
  return fetch(url, {
    method: 'PUT',
    body,
    headers: { 'content-type': contentType },
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

describe('folders', () => {
  it('creates folders after the delay; duplicate names are allowed; listings show folders and files', async () => {
    // The listing right after the POST must fall inside the delay: 100 ms was overrun by a loaded CI machine.
    t = await startTestSim({ firm, writeDelayMs: 2_000 });
    const first = await t.api(`${base}/folders`, { method: 'POST', json: { name: 'CaseStatus' } });
    expect(first.status).toBe(202);
    const { id, href } = (await first.json()) as { id: string; href: string };
    expect(href).toBe(`${t.sim.url}${base}/folders/${id}`);
    expect((await t.get(`${base}/folders`)).value[0].folders).toEqual([]);
    const second = await t.api(`${base}/folders`, { method: 'POST', json: { name: 'CaseStatus' } });
    expect(second.status).toBe(202);
    // A sub-folder of the folder that is still being created: the returned id is usable at once.
    expect((await t.api(`${base}/folders`, { method: 'POST', json: { name: 'Sub', parentFolderId: id } })).status).toBe(202);
    await t.sim.control.whenIdle();
    const root = await t.get(`${base}/folders`);
    expect(root.value[0].folders.map((f: { name: string }) => f.name)).toEqual(['CaseStatus', 'CaseStatus']);
    expect(root.parentId).toBeNull();
    const sub = await t.get(`${base}/folders/${id}`);
    expect(sub.name).toBe('CaseStatus');
    expect(sub.value[0].folders.map((f: { name: string; parentId: string }) => [f.name, f.parentId])).toEqual([['Sub', id]]);
    expect(t.sim.control.folders(matterId)).toHaveLength(3);
  });

  it('validates folder names (1..256) and parent ids', async () => {
    t = await startTestSim({ firm });
    expect((await t.api(`${base}/folders`, { method: 'POST', json: { name: '' } })).status).toBe(400);
    expect((await t.api(`${base}/folders`, { method: 'POST', json: { name: 'x'.repeat(257) } })).status).toBe(400);
    expect((await t.api(`${base}/folders`, { method: 'POST', json: { name: 'x'.repeat(256) } })).status).toBe(202);
    expect((await t.api(`${base}/folders`, { method: 'POST', json: { name: 'a', parentFolderId: 'dddddddd-0000-4000-8000-000000000000' } })).status).toBe(404);
    expect((await t.api(`${base}/folders/dddddddd-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await t.api('/matters/dddddddd-0000-4000-8000-000000000000/documents/folders')).status).toBe(404);
  });
});

describe('file upload and download', () => {
  it('rejects a PUT with a non-empty Content-Type (SignatureDoesNotMatch); an empty one stores the bytes', async () => {
    t = await startTestSim({ firm, writeDelayMs: 100 });
    const info = await addFile(t, { fileName: 'Letter to Client.pdf' });
    expect(new Date(info.expiry).getTime()).toBeGreaterThan(Date.now() + 800_000); // default 900 s
    const bytes = randomBytes(300_000);

    const typed = await put(info.uploadUrl, bytes, 'application/pdf');
    expect(typed.status).toBe(403);
    const xml = await typed.text();
    expect(xml).toContain('<Code>SignatureDoesNotMatch</Code>');

    const ok = await put(info.uploadUrl, bytes);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe(`"${createHash('md5').update(bytes).digest('hex')}"`);
    await t.sim.control.whenIdle();

    const [file] = t.sim.control.files(matterId);
    expect(file).toMatchObject({ id: info.fileId, name: 'Letter to Client', fileExtension: '.pdf', folderId: null, sizeBytes: bytes.length, isUploaded: true });
    expect(file!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));

    const listed = await t.get(`${base}/files`);
    expect(listed.value[0]).toMatchObject({ id: info.fileId, name: 'Letter to Client', fileExtension: '.pdf', isUploaded: true, sizeBytes: bytes.length });
    const download = await t.get(`${base}/files/${info.fileId}/download`);
    expect(download).toMatchObject({ fileId: info.fileId, name: 'Letter to Client', fileExtension: '.pdf', sizeBytes: bytes.length });
    const content = Buffer.from(await (await fetch(download.downloadUrl)).arrayBuffer());
    expect(content.equals(bytes)).toBe(true);
  });

  it('the file record appears after the delay (isUploaded false) and becomes uploaded after the PUT + delay', async () => {
    // Each "not yet" check falls inside the delay on a loaded machine; each "now" waits for the writes to apply.
    t = await startTestSim({ firm, writeDelayMs: 1_500 });
    const info = await addFile(t, { fileName: 'notes', folderPath: 'CaseStatus/2024' });
    expect((await t.get(`${base}/files`)).size).toBe(0);
    await t.sim.control.whenIdle();
    const pending = await t.get(`${base}/files/${info.fileId}`);
    expect(pending).toMatchObject({ name: 'notes', fileExtension: '', isUploaded: false });
    expect(t.sim.control.folders(matterId).map((f) => f.name)).toEqual(['CaseStatus', '2024']);
    expect((await t.api(`${base}/files/${info.fileId}/download`)).status).toBe(404);
    expect((await put(info.uploadUrl, Buffer.from('hello'))).status).toBe(200);
    expect((await t.get(`${base}/files/${info.fileId}`)).isUploaded).toBe(false);
    await t.sim.control.whenIdle();
    expect((await t.get(`${base}/files/${info.fileId}`)).isUploaded).toBe(true);
  });

  it('fires files.updated with the RequestId of the POST that created the upload, and a usable Cursor', async () => {
    t = await startTestSim({ firm });
    const receiver = await startReceiver();
    try {
      await t.api('/webhooks', { method: 'POST', json: { eventTypes: ['files.updated'], eventNotificationUrl: receiver.url } });
      const res = await t.api(`${base}/files`, { method: 'POST', json: { fileName: 'a.txt' }, headers: { RequestId: 'upload-1' } });
      const info = (await res.json()) as UploadInfo;
      await t.sim.control.whenIdle();
      const cursor = (await t.get(`${base}/files`)).cursor as string;
      expect((await put(info.uploadUrl, Buffer.from('abc'))).status).toBe(200);
      await t.sim.control.whenIdle();
      const hooks = await receiver.waitFor(2);
      expect(hooks.map((h) => h.headers.requestid)).toEqual(['upload-1', 'upload-1']);
      expect(hooks.every((h) => h.body.payload.matterId === matterId && h.body.source === 'API')).toBe(true);
      const changed = await t.get(`${base}/files?Cursor=${cursor}`);
      expect(changed.value.map((f: { id: string; isUploaded: boolean }) => [f.id, f.isUploaded])).toEqual([[info.fileId, true]]);
    } finally {
      await receiver.close();
    }
  });

  it('rejects an expired upload URL with 403 AccessDenied "Request has expired"', async () => {
    t = await startTestSim({ firm, uploadUrlTtlS: 1 });
    const info = await addFile(t, { fileName: 'late.txt' });
    await sleep(2100);
    const res = await put(info.uploadUrl, Buffer.from('too late'));
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain('Request has expired');
    // A fresh URL for the same file works.
    const fresh = await t.get(`${base}/files/${info.fileId}/upload`);
    expect((await put(fresh.uploadUrl, Buffer.from('on time'))).status).toBe(200);
  });

  it('rejects a tampered URL', async () => {
    t = await startTestSim({ firm });
    const info = await addFile(t, { fileName: 'a.txt' });
    const url = new URL(info.uploadUrl);
    url.searchParams.set('Expires', String(Number(url.searchParams.get('Expires')) + 3600));
    const res = await put(url.toString(), Buffer.from('x'));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('SignatureDoesNotMatch');
  });

  it('validates AddFileDto and references', async () => {
    t = await startTestSim({ firm });
    expect((await t.api(`${base}/files`, { method: 'POST', json: {} })).status).toBe(400);
    expect((await t.api(`${base}/files`, { method: 'POST', json: { fileName: 'a.txt', folderId: 'eeeeeeee-0000-4000-8000-000000000000' } })).status).toBe(404);
    expect((await t.api(`${base}/files/eeeeeeee-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('streams a large upload to disk while it arrives (not buffered in memory)', async () => {
    t = await startTestSim({ firm });
    const info = await addFile(t, { fileName: 'big.bin' });
    const chunk = randomBytes(1024 * 1024);
    const total = 64; // MB
    const hash = createHash('sha256');
    let sent = 0;
    let partialOnDisk = 0;
    const dir = t.sim.control.storageDir;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === total / 2) {
          // Halfway through, the bytes so far must already be on disk: wait for the partial file.
          const deadline = Date.now() + 5000;
          while (partialOnDisk < 16 * 1024 * 1024 && Date.now() < deadline) {
            const sizes = await Promise.all((await readdir(dir)).map((f) => stat(join(dir, f)).then((s) => s.size)));
            partialOnDisk = Math.max(0, ...sizes);
            await sleep(10);
          }
        }
        if (sent === total) return controller.close();
        sent += 1;
        hash.update(chunk);
        controller.enqueue(new Uint8Array(chunk));
      },
    });
    const res = await put(info.uploadUrl, stream);
    expect(res.status).toBe(200);
    expect(partialOnDisk).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    await t.sim.control.whenIdle();
    const [file] = t.sim.control.files(matterId);
    expect(file!.sizeBytes).toBe(total * 1024 * 1024);
    expect(file!.sha256).toBe(hash.digest('hex'));
  });
});
