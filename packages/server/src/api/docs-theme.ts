/**
 * Parley's look for Swagger UI at /docs: the console's colours and type, a dark top bar with the Parley
 * mark, and a phone layout that wraps operations instead of running off the edge. Served as files from
 * this server (the page's CSP allows no other origin).
 */
export const DOCS_CSS = `body {
  margin: 0;
  background: #f5f6f8;
  color: #1b1f24;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
}
.swagger-ui,
.swagger-ui .info .title,
.swagger-ui .info p,
.swagger-ui .opblock-tag,
.swagger-ui .opblock .opblock-summary-description,
.swagger-ui .btn,
.swagger-ui select,
.swagger-ui label,
.swagger-ui table thead tr td,
.swagger-ui table thead tr th,
.swagger-ui .parameter__name,
.swagger-ui .response-col_status,
.swagger-ui .tab li,
.swagger-ui .model-title,
.swagger-ui section.models h4 {
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
}
.swagger-ui .topbar {
  background: #141a23;
  padding: 10px 0;
}
.swagger-ui .topbar .download-url-wrapper {
  display: none;
}
/* One row at every width (Swagger UI stacks its bar in a column on phones, the switch on a row of its own). */
.swagger-ui .topbar .topbar-wrapper {
  flex-direction: row;
  flex-wrap: nowrap;
  align-items: center;
  gap: 12px;
}
.swagger-ui .topbar a {
  max-width: none;
  flex: 0 1 auto;
  min-width: 0;
}
/* Swagger UI's dark-mode switch: at the end of the bar, on the same row, light on the dark bar. */
.swagger-ui .topbar .dark-mode-toggle {
  margin-left: auto;
}
.swagger-ui .topbar .dark-mode-toggle button {
  display: flex;
  padding: 6px;
  border: 0;
  border-radius: 8px;
  background: transparent;
  cursor: pointer;
}
.swagger-ui .topbar .dark-mode-toggle button:hover,
.swagger-ui .topbar .dark-mode-toggle button:focus-visible {
  background: #263140;
}
.swagger-ui .topbar .dark-mode-toggle svg {
  fill: #e6e9ee;
}
.swagger-ui .topbar-wrapper img {
  height: 32px;
}
.swagger-ui .wrapper {
  max-width: 1100px;
}
.swagger-ui .info {
  margin: 32px 0 24px;
}
.swagger-ui .info .title {
  color: #1b1f24;
}
.swagger-ui .info .title small {
  background: #1f5fd1;
}
.swagger-ui .info .title small.version-stamp {
  background: #17753a;
}
.swagger-ui .info a,
.swagger-ui a.nostyle,
.swagger-ui .info .base-url {
  color: #1f5fd1;
}
.swagger-ui .scheme-container {
  background: transparent;
  box-shadow: none;
  padding: 16px 0 0;
}
.swagger-ui .opblock-tag {
  color: #1b1f24;
  border-bottom-color: #dfe3e8;
}
.swagger-ui .opblock-tag small {
  color: #4f5966;
}
.swagger-ui .opblock {
  border-radius: 10px;
  box-shadow: 0 1px 2px rgb(16 24 40 / 6%);
}
.swagger-ui .btn {
  border-radius: 8px;
}
.swagger-ui .btn.execute,
.swagger-ui .btn.authorize {
  background: #1f5fd1;
  border-color: #1f5fd1;
  color: #fff;
}
.swagger-ui .btn.authorize svg {
  fill: #fff;
}
/* Swagger UI's dark mode inverts the button's text, which is then blue on blue. */
.dark-mode .swagger-ui .btn.authorize {
  background: #1f5fd1;
  border-color: #1f5fd1;
  color: #fff;
}
.dark-mode .swagger-ui .btn.authorize svg {
  fill: #fff;
}
.swagger-ui input[type='text'],
.swagger-ui textarea,
.swagger-ui select {
  border-radius: 8px;
}
.swagger-ui .filter-container .operation-filter-input {
  border-radius: 8px;
  border: 1px solid #b9c0ca;
}

/* Phones: full width, operations that wrap instead of running off the edge. */
@media (max-width: 640px) {
  .swagger-ui .wrapper {
    padding: 0 12px;
  }
  .swagger-ui .info .title {
    font-size: 26px;
  }
  .swagger-ui .opblock .opblock-summary {
    flex-wrap: wrap;
  }
  .swagger-ui .opblock .opblock-summary-path {
    max-width: 100%;
    word-break: break-all;
    font-size: 14px;
  }
  .swagger-ui .opblock .opblock-summary-description {
    flex-basis: 100%;
    font-size: 14px;
    padding: 4px 0 0;
  }
  .swagger-ui .opblock-tag {
    font-size: 20px;
  }
  .swagger-ui .opblock-tag small {
    display: block;
    padding: 4px 0 0;
    font-size: 14px;
  }
}
`;

/** The Parley mark and name, for the top bar (an <img>, so it carries its own text). */
export const DOCS_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="190" height="32" viewBox="0 0 190 32"><rect width="32" height="32" rx="8" fill="#1f5fd1"/><text x="16" y="22.5" text-anchor="middle" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="18" font-weight="700" fill="#fff">P</text><text x="44" y="22.5" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="18" font-weight="700" fill="#e6e9ee">Parley API</text></svg>`;

/** The tab's icon: the mark alone. */
export const DOCS_FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#1f5fd1"/><text x="16" y="22.5" text-anchor="middle" font-family="system-ui,sans-serif" font-size="18" font-weight="700" fill="#fff">P</text></svg>`;

/**
 * Swagger UI's top bar as assistive technology reads it: the dark-mode switch is a button holding only a
 * picture (a light bulb), and the logo the plugin puts in is an image without alternative text, so screen
 * readers said "button" and "link". This names the switch and says whether it is on, and gives the logo its
 * words, each time Swagger UI draws them or the page's `dark-mode` class changes. A file under the page's
 * CSP (no inline script).
 */
export const DOCS_JS = `(() => {
  const root = document.documentElement;
  const set = (element, name, value) => {
    if (element !== null && element.getAttribute(name) !== value) element.setAttribute(name, value);
  };
  const name = () => {
    const button = document.querySelector('.dark-mode-toggle button');
    set(button, 'aria-label', 'Dark mode');
    set(button, 'aria-pressed', String(root.classList.contains('dark-mode')));
    set(document.querySelector('.topbar a.link img'), 'alt', 'Parley API');
  };
  new MutationObserver(name).observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['class'] });
  name();
})();
`;
