import type { AppNotification } from '../src/app/ports.js';

/**
 * Shows the core's notifications natively. Which ones to show, and how often, is decided in the core
 * (src/app/notifier.ts); this only draws them.
 */
export interface NotificationLike {
  show(): void;
  on(event: 'click' | 'close' | 'failed', listener: () => void): unknown;
}

export interface NotificationDeps {
  isSupported(): boolean;
  create(options: { title: string; body: string; silent: boolean }): NotificationLike;
  /** Clicking a notification opens the window. */
  onClick(): void;
}

export function createNotificationPresenter(deps: NotificationDeps): (n: AppNotification) => void {
  // Keep a reference until the notification is dismissed: otherwise it can be garbage-collected while on screen,
  // and its click handler is lost.
  const live = new Set<NotificationLike>();
  return (n) => {
    if (!deps.isSupported()) return;
    const notification = deps.create({ title: n.title, body: n.body, silent: n.kind !== 'attention' });
    live.add(notification);
    const release = () => live.delete(notification);
    notification.on('click', () => {
      release();
      deps.onClick();
    });
    notification.on('close', release);
    notification.on('failed', release);
    notification.show();
  };
}
