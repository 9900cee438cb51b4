import type { SyncPreview } from '../../../src/contract/preview.js';

/** While a panel's dry run reads Smokeball, or why it could not (not signed in yet, a sync running). */
export function PreviewState(props: { preview: SyncPreview | null; error: string | null; loading: boolean; retry(): Promise<void> }) {
  if (props.loading) return <p role="status">Reading Smokeball…</p>;
  if (!props.error) return null;
  return (
    <div role="alert">
      <p className="form-error">Could not read the matters: {props.error}</p>
      {!props.preview && (
        <button type="button" onClick={() => void props.retry()}>
          Try again
        </button>
      )}
    </div>
  );
}
