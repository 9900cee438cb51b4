/**
 * /matters/{id}/documents: folder listings, folder creation (duplicate names allowed, as in Smokeball),
 * the flat file list, and the two-step upload (POST → presigned URL → PUT bytes to the fake S3).
 *
 * Ids returned by an accepted folder or file POST can be used right away (a file into a folder created a
 * moment ago), although the folder itself only shows up after the write delay.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ChangeContext, NewFile } from '../domain.js';
import { pageOf, parsePaging } from '../paging.js';
import { badRequest, HttpProblem, notFound } from '../problem.js';
import { Query } from '../query.js';
import type { UploadSession } from '../s3.js';
import { compileSearch } from '../search.js';
import type { FileRecord, FolderRecord, StoredMatter } from '../state.js';
import type { StoredBlob } from '../blob-store.js';
import { accept, apiChange, pageContext, parseBody, parseSort, sortBy, type ApiContext } from './context.js';

const folderDto = z.looseObject({
  name: z
    .string({ error: 'The Name field is required.' })
    .min(1, 'The field Name must be between 1 and 256 characters.')
    .max(256, 'The field Name must be between 1 and 256 characters.'),
  parentFolderId: z.string().nullish(),
  userId: z.string().nullish(),
});

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'Must be an ISO 8601 date-time.');
const addFileDto = z.looseObject({
  fileName: z
    .string({ error: 'The FileName field is required.' })
    .min(1, 'The FileName field is required.')
    .max(256, 'The field FileName must be at most 256 characters.'),
  folderId: z.string().nullish(),
  folderPath: z.string().nullish(),
  userId: z.string().nullish(),
  dateCreated: isoDate.nullish(),
  dateModified: isoDate.nullish(),
});

interface PendingFile extends NewFile {
  folderPath: string | null;
}

export function registerDocumentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { state, wire, domain } = ctx;
  /** Accepted but not yet applied: usable as references, not yet listed. */
  const pendingFolders = new Map<string, string>(); // folder id → matter id
  const pendingFiles = new Map<string, PendingFile>();

  function matterOr404(id: string): StoredMatter {
    const m = state.matters.get(id);
    if (!m) throw notFound('Matter', id);
    return m;
  }

  function folderKnown(matterId: string, folderId: string): boolean {
    return state.folders.get(folderId)?.matterId === matterId || pendingFolders.get(folderId) === matterId;
  }

  function fileOr404(matterId: string, fileId: string): FileRecord {
    const f = state.files.get(fileId);
    if (!f || f.matterId !== matterId || f.isDeleted) throw notFound('File', fileId);
    return f;
  }

  /** Creates the file record (and folders named by folderPath) if it does not exist yet. */
  function materialise(pending: PendingFile, change: ChangeContext): FileRecord {
    const existing = state.files.get(pending.id);
    if (existing) return existing;
    const folderId = pending.folderPath ? domain.resolveFolderPath(pending.matterId, pending.folderPath) : pending.folderId;
    const file = domain.createFile({ ...pending, folderId }, change);
    pendingFiles.delete(pending.id);
    return file;
  }

  /** Called by the fake S3 when a PUT completed: the content shows up after the write delay. */
  const onUploaded = (session: UploadSession<ChangeContext>, blob: StoredBlob): void => {
    ctx.writes.enqueue(() => {
      const pending = pendingFiles.get(session.fileId);
      const file = state.files.get(session.fileId) ?? (pending ? materialise(pending, session.context) : undefined);
      if (!file) return; // the POST failed to apply (its error webhook was sent)
      domain.completeUpload(file, blob, session.context);
    }, session.context);
  };
  ctx.s3.register(app, onUploaded);

  /** A folder listing: sub-folders then files of one folder (null = root), paged over both. */
  function listing(matterId: string, folderId: string | null, q: Query, request: Parameters<typeof pageContext>[1]) {
    const paging = parsePaging(q);
    const docs = state.documentsOf(matterId);
    const folders = docs.folders.filter((f) => f.parentId === folderId);
    const files = docs.files.filter((f) => f.folderId === folderId && !f.isDeleted);
    const items: Array<FolderRecord | FileRecord> = [...folders, ...files];
    const page = pageOf(items, paging, pageContext(ctx, request, q), (x) => x);
    const value = [
      {
        folders: page.value.filter((x): x is FolderRecord => 'parentId' in x).map((f) => wire.folder(f)),
        files: page.value.filter((x): x is FileRecord => 'fileExtension' in x).map((f) => wire.file(f)),
      },
    ];
    const folder = folderId ? state.folders.get(folderId) : undefined;
    return { ...page, ...(folder ? { id: folder.id } : {}), parentId: folder?.parentId ?? null, name: folder?.name ?? null, value };
  }

  app.get('/matters/:matterId/documents/folders', async (request) => {
    const { matterId } = request.params as { matterId: string };
    matterOr404(matterId);
    return listing(matterId, null, new Query(request.url), request);
  });

  app.get('/matters/:matterId/documents/folders/:folderId', async (request) => {
    const { matterId, folderId } = request.params as { matterId: string; folderId: string };
    matterOr404(matterId);
    if (state.folders.get(folderId)?.matterId !== matterId) throw notFound('Folder', folderId);
    return listing(matterId, folderId, new Query(request.url), request);
  });

  app.post('/matters/:matterId/documents/folders', async (request, reply) => {
    const { matterId } = request.params as { matterId: string };
    matterOr404(matterId);
    const body = parseBody(folderDto, request.body);
    const parentId = body.parentFolderId ?? null;
    if (parentId !== null && !folderKnown(matterId, parentId)) throw notFound('Folder', parentId);
    const id = randomUUID();
    pendingFolders.set(id, matterId);
    return accept(ctx, request, reply, { id, href: wire.href(`/matters/${matterId}/documents/folders/${id}`) }, () => {
      pendingFolders.delete(id);
      domain.createFolder(matterId, id, body.name, parentId);
    });
  });

  app.get('/matters/:matterId/documents/files', async (request) => {
    const { matterId } = request.params as { matterId: string };
    matterOr404(matterId);
    const q = new Query(request.url);
    const paging = parsePaging(q);
    const docs = state.documentsOf(matterId);
    let items = docs.files.filter((f) => !f.isDeleted);
    const cursor = q.get('Cursor');
    if (cursor !== undefined) {
      // Cursor paging: files changed after the cursor, in change order; sort and search are ignored.
      if (!/^\d+$/.test(cursor)) throw badRequest('Cursor', `The value '${cursor}' is not a valid cursor.`);
      items = docs.files.filter((f) => f.changeSeq > Number(cursor)).sort((a, b) => a.changeSeq - b.changeSeq);
    } else {
      const terms = q.all('Search');
      if (terms.length > 0) {
        const search = compileSearch<FileRecord>(terms, {
          query: (f) => [f.name + f.fileExtension, f.name],
          fileExtension: (f) => [f.fileExtension, f.fileExtension.replace(/^\./, '')],
        });
        items = items.filter(search);
      }
      const sort = parseSort(q.get('Sort'), ['dateCreated']);
      items = sortBy([...items], sort, (f) => f.dateCreated);
    }
    const page = pageOf(items, paging, pageContext(ctx, request, q), (f) => wire.file(f));
    // [GUESS] where the cursor travels: the docs do not name the response field.
    return { ...page, cursor: String(docs.changeSeq) };
  });

  app.get('/matters/:matterId/documents/files/:fileId', async (request) => {
    const { matterId, fileId } = request.params as { matterId: string; fileId: string };
    matterOr404(matterId);
    return wire.file(fileOr404(matterId, fileId));
  });

  app.post('/matters/:matterId/documents/files', async (request, reply) => {
    const { matterId } = request.params as { matterId: string };
    matterOr404(matterId);
    const body = parseBody(addFileDto, request.body);
    const folderId = body.folderPath ? null : (body.folderId ?? null);
    if (folderId !== null && !folderKnown(matterId, folderId)) throw notFound('Folder', folderId);
    if (body.userId && !state.staffByUserId.has(body.userId)) throw badRequest('userId', `User ${body.userId} does not belong to this account.`);
    const change = apiChange(request);
    const fileId = randomUUID();
    const pending: PendingFile = {
      id: fileId,
      matterId,
      fileName: body.fileName,
      folderId,
      folderPath: body.folderPath ?? null,
      ownerId: body.userId ?? change.userId,
      ...(body.dateCreated ? { dateCreated: new Date(body.dateCreated).toISOString() } : {}),
      ...(body.dateModified ? { dateModified: new Date(body.dateModified).toISOString() } : {}),
    };
    pendingFiles.set(fileId, pending);
    ctx.writes.enqueue(() => {
      materialise(pending, change);
    }, change);
    const info = ctx.s3.presignUpload({ fileId, matterId, context: change });
    return reply.code(202).send({ fileId, ...info });
  });

  /** A fresh upload URL, e.g. for a new version of the file. */
  app.get('/matters/:matterId/documents/files/:fileId/upload', async (request) => {
    const { matterId, fileId } = request.params as { matterId: string; fileId: string };
    matterOr404(matterId);
    if (pendingFiles.get(fileId)?.matterId !== matterId) fileOr404(matterId, fileId);
    const info = ctx.s3.presignUpload({ fileId, matterId, context: apiChange(request) });
    return { fileId, ...info };
  });

  app.get('/matters/:matterId/documents/files/:fileId/download', async (request) => {
    const { matterId, fileId } = request.params as { matterId: string; fileId: string };
    matterOr404(matterId);
    const file = fileOr404(matterId, fileId);
    if (!file.isUploaded || file.blobPath === null) {
      throw new HttpProblem(404, `File '${fileId}' has no uploaded content yet.`); // [GUESS] status for this case
    }
    const { downloadUrl, expiry } = ctx.s3.presignDownload({
      blobPath: file.blobPath,
      fileName: file.name + file.fileExtension,
      sizeBytes: file.sizeBytes,
    });
    return { fileId, name: file.name, fileExtension: file.fileExtension, downloadUrl, expiry, sizeBytes: file.sizeBytes };
  });
}
