import { useRef, type KeyboardEvent } from 'react';
import { ConnectionsSettings } from './ConnectionsSettings.js';
import { MattersSettings } from './MattersSettings.js';
import { ScheduleSettings } from './ScheduleSettings.js';
import { StageMappingSettings } from './StageMappingSettings.js';

export const SETTINGS_TABS = [
  { id: 'connections', label: 'Connections', Panel: ConnectionsSettings },
  { id: 'mapping', label: 'Stage mapping', Panel: StageMappingSettings },
  { id: 'matters', label: 'Matters', Panel: MattersSettings },
  { id: 'schedule', label: 'Schedule', Panel: ScheduleSettings },
] as const;

export type SettingsTab = (typeof SETTINGS_TABS)[number]['id'];

/**
 * Settings in tabs that follow the ARIA tabs pattern: one Tab stop for the tab list, arrow keys move between tabs.
 */
export function SettingsPage({ tab, onTab }: { tab: SettingsTab; onTab(tab: SettingsTab): void }) {
  const tabRefs = useRef(new Map<SettingsTab, HTMLButtonElement>());
  const current = SETTINGS_TABS.find((t) => t.id === tab) ?? SETTINGS_TABS[0];

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const index = SETTINGS_TABS.findIndex((t) => t.id === tab);
    const last = SETTINGS_TABS.length - 1;
    const next = { ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1, Home: 0, End: last }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const target = SETTINGS_TABS[(next + SETTINGS_TABS.length) % SETTINGS_TABS.length]!;
    onTab(target.id);
    tabRefs.current.get(target.id)?.focus();
  };

  return (
    <div className="settings">
      <h1 className="page-title">Settings</h1>
      <div className="tabs" role="tablist" aria-label="Settings sections" onKeyDown={onKeyDown}>
        {SETTINGS_TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              if (el) tabRefs.current.set(t.id, el);
              else tabRefs.current.delete(t.id);
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={t.id === tab}
            aria-controls={`panel-${t.id}`}
            tabIndex={t.id === tab ? 0 : -1}
            onClick={() => onTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="tab-panel" role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`}>
        <current.Panel />
      </div>
    </div>
  );
}
