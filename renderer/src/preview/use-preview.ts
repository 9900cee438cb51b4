import { useCallback, useEffect, useState } from 'react';
import type { SyncPreview } from '../../../src/contract/preview.js';
import { errorText, useApp } from '../app-context.js';

/**
 * The dry run for a panel that shows its numbers (set-up steps 4 and 5): read once when the panel opens, again after
 * the panel saved a choice that changes them. A failure (not signed in yet, a sync running) is kept as the panel's
 * message instead of a passing notice, since the panel has nothing else to show.
 */
export function usePreview() {
  const { bridge } = useApp();
  const [preview, setPreview] = useState<SyncPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const load = useCallback(async () => {
    setLoading(true);
    try {
      setPreview(await bridge.invoke('previewSync'));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, [bridge]);
  useEffect(() => {
    void load();
  }, [load]);
  return { preview, error, loading, load };
}
