/**
 * The page frame every dashboard page shares: head (the stylesheet and script from /static only:
 * the CSP allows nothing inline), the navigation, and the signed-in user with a sign-out form.
 */
import { html } from '../html.js';
import type { SafeHtml } from '../html.js';

/** Who is signed in, for the frame's forms. */
export interface Viewer {
  readonly user: string;
  readonly csrf: string;
}

const NAV: readonly [string, string][] = [
  ['/', 'Overview'],
  ['/incidents', 'Incidents'],
  ['/tokens', 'Canaries'],
  ['/rules', 'Rules'],
  ['/alerts', 'Alerts'],
  ['/sources', 'Sources'],
  ['/check-key', 'What is this key?'],
];

/** A hidden CSRF field for a form. */
export function csrfField(viewer: Viewer): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${viewer.csrf}" />`;
}

/** A whole page. */
export function page(
  title: string,
  body: SafeHtml,
  viewer?: Viewer,
  scripts: readonly string[] = [],
): SafeHtml {
  const nav = viewer
    ? html`<nav>
        <span class="brand">Keysnare</span
        >${NAV.map(([href, label]) => html`<a href="${href}">${label}</a>`)}
        <form method="post" action="/logout" class="logout">
          ${csrfField(viewer)}<span>${viewer.user}</span><button type="submit">Sign out</button>
        </form>
      </nav>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        <title>${title} · Keysnare</title>
        <link rel="stylesheet" href="/static/app.css" />
        ${scripts.map((s) => html`<script src="/static/${s}" defer></script>`)}
      </head>
      <body>
        ${nav}
        <main>${body}</main>
      </body>
    </html>`;
}
