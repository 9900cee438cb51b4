/**
 * The few browser globals the tests read inside `page.evaluate` / `waitForFunction`. The test project is compiled
 * without the DOM library (it is Node code), so these callbacks reach the page's globals through this narrow type.
 */
export interface PageElement {
  readonly tagName: string;
  readonly className: string;
  readonly id: string;
  readonly textContent: string | null;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  getBoundingClientRect(): { right: number };
}

export interface PageGlobals {
  document: {
    documentElement: PageElement;
    activeElement: PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
  sessionStorage: { clear(): void };
  getComputedStyle(element: PageElement): { outlineStyle: string; outlineWidth: string };
}
