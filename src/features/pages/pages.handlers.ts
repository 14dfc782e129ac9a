import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../../http/env";

/**
 * src/features/pages/: the HTML shells of the pages people use. Each shell is static: the page's script
 * (public/assets/app.js, built from src/web by scripts/build-web.mjs and served by Workers Static
 * Assets) signs in with the token of the browser tab and calls only the public /v1 API. No data,
 * SQL or authentication here: a shell is the same for everyone.
 */

type Page = { key: string; title: string; nav: "profile-pictures" | "students" | "passes" | null };

const PAGES = {
  home: { key: "home", title: "passpix", nav: null },
  profilePictures: { key: "profile-pictures", title: "Profile Pictures", nav: "profile-pictures" },
  students: { key: "students", title: "Students", nav: "students" },
  student: { key: "student", title: "Student", nav: "students" },
  passes: { key: "passes", title: "Active passes", nav: "passes" },
} satisfies Record<string, Page>;

/** No inline script or style anywhere: everything comes from /assets on this origin. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const NAV: Array<{ key: Page["nav"]; href: string; label: string; admin: boolean }> = [
  { key: "profile-pictures", href: "/admin/profile-pictures", label: "Profile Pictures", admin: true },
  { key: "students", href: "/admin/students", label: "Students", admin: true },
  { key: "passes", href: "/passes", label: "Pass view", admin: false },
];

const LOGO = `<svg class="brand-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="8" fill="currentColor"/><circle cx="16" cy="12.5" r="5" fill="#fff"/><path d="M7 26c1.4-4.6 5-7 9-7s7.6 2.4 9 7" fill="#fff"/></svg>`;

function shell(page: Page) {
  const links = NAV.map((n) => `<a href="${n.href}"${n.admin ? " data-admin" : ""}${n.key === page.nav ? ' aria-current="page"' : ""}>${n.label}</a>`).join("");
  const title = page.key === "home" ? "passpix — profile pictures for hall passes" : `${page.title} · passpix`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light">
<title>${title}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body data-page="${page.key}">
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
  <div class="topbar-inner">
    <a class="brand" href="/">${LOGO}<span>passpix</span></a>
    <nav class="mainnav" aria-label="Main">${links}</nav>
    <div class="account" id="account"></div>
  </div>
</header>
<main id="main" tabindex="-1">
  <div class="container" id="app">
    <div class="boot" aria-live="polite"><span class="spinner" aria-hidden="true"></span>Loading…</div>
    <noscript><div class="card"><p>passpix needs JavaScript turned on to show this page.</p></div></noscript>
  </div>
</main>
<div class="toasts" id="toasts" role="status" aria-live="polite"></div>
</body>
</html>`;
}

function render(c: Context<AppEnv>, page: Page) {
  c.header("Content-Security-Policy", PAGE_CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  c.header("Cross-Origin-Opener-Policy", "same-origin");
  c.header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  // The shell holds no data (that comes from the API with the tab's token), but it names the current
  // asset URLs: revalidate on every load so a deploy is picked up at once.
  c.header("Cache-Control", "no-cache");
  return c.html(shell(page));
}

export const pagesRouter = new Hono<AppEnv>({ strict: false });

pagesRouter.get("/", (c) => render(c, PAGES.home));
pagesRouter.get("/admin", (c) => c.redirect("/admin/profile-pictures", 302));
pagesRouter.get("/admin/profile-pictures", (c) => render(c, PAGES.profilePictures));
pagesRouter.get("/admin/students", (c) => render(c, PAGES.students));
pagesRouter.get("/admin/students/:id", (c) => render(c, PAGES.student));
pagesRouter.get("/passes", (c) => render(c, PAGES.passes));
