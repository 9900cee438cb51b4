import { describe, expect, it } from 'vitest';
import { isExpiredUrl, parseStorageError } from '../../../src/sync/writeback/document-uploader.js';

const body = (code: string, message: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>R1</RequestId></Error>`;

describe('an upload refused by the storage', () => {
  it('is an expired URL when S3 says AccessDenied with an expiry before its own clock', () => {
    const e = parseStorageError(
      body('AccessDenied', 'Request has expired', '<Expires>2026-12-07T04:00:00.000Z</Expires><ServerTime>2026-12-07T04:15:00.000Z</ServerTime>'),
    );
    expect(e).toMatchObject({ code: 'AccessDenied', expires: '2026-12-07T04:00:00.000Z', serverTime: '2026-12-07T04:15:00.000Z' });
    expect(isExpiredUrl(e)).toBe(true);
  });

  it('is not an expired URL for a bad signature, a missing parameter, or a message that only mentions expiry', () => {
    expect(isExpiredUrl(parseStorageError(body('SignatureDoesNotMatch', 'The request signature we calculated does not match')))).toBe(false);
    expect(
      isExpiredUrl(parseStorageError(body('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters'))),
    ).toBe(false);
    expect(isExpiredUrl(parseStorageError(body('AccessDenied', 'Request has expired')))).toBe(false); // no times: nothing says a new URL helps
    expect(
      isExpiredUrl(parseStorageError(body('AccessDenied', 'x', '<Expires>2026-12-07T05:00:00Z</Expires><ServerTime>2026-12-07T04:00:00Z</ServerTime>'))),
    ).toBe(false);
  });
});
