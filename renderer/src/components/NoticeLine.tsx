import { useEffect, useState } from 'react';
import { useApp } from '../app-context.js';

/** The outcome of the last button pressed. Info clears itself after a while; errors stay until the next action. */
export function NoticeLine() {
  const { notice } = useApp();
  const [visible, setVisible] = useState(notice);

  useEffect(() => {
    setVisible(notice);
    if (notice?.tone !== 'info') return;
    const timer = setTimeout(() => setVisible(null), 10_000);
    return () => clearTimeout(timer);
  }, [notice]);

  return (
    <div className="notice-area">
      <p className="notice notice-info" role="status">
        {visible?.tone === 'info' ? visible.text : ''}
      </p>
      <p className="notice notice-error" role="alert">
        {visible?.tone === 'error' ? visible.text : ''}
      </p>
    </div>
  );
}
