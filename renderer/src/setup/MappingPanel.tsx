import { PreviewState } from '../preview/PreviewState.js';
import { StageSuggestions } from '../preview/StageSuggestions.js';
import { usePreview } from '../preview/use-preview.js';

/** Set-up step 5: matter types → practice areas and stages in use → Case Status stages, with their matters. */
export function MappingPanel() {
  const { preview, error, loading, load } = usePreview();
  return (
    <>
      <p>
        Which Case Status practice area each matter type becomes, and which Case Status stage each Smokeball stage in use becomes. Case Status texts the client
        on every stage change, so check these before the import. What is not mapped comes first, with a suggestion where a name is close.
      </p>
      <PreviewState preview={preview} error={error} loading={loading} retry={load} />
      {preview && <StageSuggestions preview={preview} onSaved={() => void load()} />}
    </>
  );
}
