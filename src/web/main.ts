// The pages' entry point: signs the tab in (#token= or the token form), then renders the page the
// Worker's HTML shell names in <body data-page>.
import { setAuthFailureHandler, type ApiFailure } from "./lib/api";
import { $, h, icon, replace } from "./lib/dom";
import { captureTokenFromUrl, clearToken, decodeClaims, getToken, isAdmin, isExpired, setToken, type Claims } from "./lib/session";
import type { PageContext } from "./lib/page";
import { button } from "./lib/ui";
import { renderHome } from "./pages/home";
import { renderPasses } from "./pages/passes";
import { renderProfilePictures } from "./pages/profile-pictures/index";
import { renderStudent } from "./pages/student";
import { renderStudents } from "./pages/students";

type PageDef = { render: (ctx: PageContext) => Promise<void> | void; admin: boolean };

const PAGES: Record<string, PageDef> = {
  "profile-pictures": { render: renderProfilePictures, admin: true },
  students: { render: renderStudents, admin: true },
  student: { render: renderStudent, admin: true },
  passes: { render: renderPasses, admin: false },
};

let ended = false;

function root(): HTMLElement {
  return $("#app") ?? document.body;
}

function renderAccount(claims: Claims | null) {
  const host = $("#account");
  if (!host) return;
  for (const a of document.querySelectorAll<HTMLElement>(".mainnav a[data-admin]")) a.hidden = claims !== null && !isAdmin(claims);
  if (!claims) {
    host.replaceChildren();
    return;
  }
  replace(
    host,
    h(
      "span",
      { class: "account-chip", title: `Signed in as ${claims.sub}` },
      h("span", { class: "account-org" }, claims.org),
      h("span", { class: "account-role" }, claims.role),
    ),
    button("Sign out", {
      variant: "ghost",
      size: "sm",
      icon: "logOut",
      onClick: () => {
        clearToken();
        signIn("You signed out. Paste a token to sign in again.", "info");
      },
    }),
  );
}

/** The token form: paste a token (from the hall-pass app or `npm run token`) to sign this tab in. */
function signIn(message?: string, tone: "info" | "danger" = "danger") {
  ended = true;
  renderAccount(null);
  const field = h("textarea", {
    id: "token",
    name: "token",
    rows: 4,
    required: true,
    spellcheck: "false",
    autocomplete: "off",
    autocapitalize: "off",
    placeholder: "eyJhbGciOiJIUzI1NiIs…",
    "aria-describedby": "token-hint",
  });
  const error = h("p", { class: "field-error", id: "token-error", role: "alert" });
  const form = h(
    "form",
    {
      class: "signin-form",
      novalidate: true,
      onsubmit: (e: SubmitEvent) => {
        e.preventDefault();
        const token = field.value.trim().replace(/^Bearer\s+/i, "");
        const claims = decodeClaims(token);
        if (!claims) {
          error.textContent = "That does not look like a passpix token. It has three parts separated by dots.";
          field.setAttribute("aria-invalid", "true");
          field.focus();
          return;
        }
        if (isExpired(claims)) {
          error.textContent = "This token has expired. Ask for a new one.";
          field.setAttribute("aria-invalid", "true");
          field.focus();
          return;
        }
        setToken(token);
        void start();
      },
    },
    h(
      "div",
      { class: "field" },
      h("label", { for: "token" }, "Access token"),
      h(
        "p",
        { class: "hint", id: "token-hint" },
        "Your hall-pass app opens passpix with a token. To try passpix locally, run ",
        h("code", null, "npm run token -- --org demo --role admin"),
        " and paste what it prints.",
      ),
      field,
      error,
    ),
    h("div", { class: "form-actions" }, button("Sign in", { variant: "primary", type: "submit", icon: "key" })),
  );
  replace(
    root(),
    h(
      "div",
      { class: "signin" },
      h(
        "section",
        { class: "card signin-card", "aria-labelledby": "signin-title" },
        h("div", { class: "signin-icon" }, icon("lock")),
        h("h1", { id: "signin-title" }, "Sign in to passpix"),
        h("p", { class: "lead" }, "Your sign-in stays in this browser tab only and ends when you close it."),
        message
          ? h(
              "div",
              { class: `notice notice-${tone}`, role: tone === "danger" ? "alert" : "status" },
              icon(tone === "danger" ? "alert" : "info", "icon notice-icon"),
              h("div", { class: "notice-body" }, h("p", { class: "notice-title" }, message)),
            )
          : null,
        form,
      ),
    ),
  );
  field.focus();
}

function forbidden(claims: Claims | null, message?: string) {
  ended = true;
  replace(
    root(),
    h(
      "div",
      { class: "signin" },
      h(
        "section",
        { class: "card signin-card", "aria-labelledby": "forbidden-title" },
        h("div", { class: "signin-icon signin-icon-warn" }, icon("lock")),
        h("h1", { id: "forbidden-title" }, "This page needs an admin account"),
        h(
          "p",
          { class: "lead" },
          claims ? `You are signed in as ${claims.role === "teacher" ? "a teacher" : claims.role} at ${claims.org}. ` : "",
          message ?? "Ask your school's passpix administrator, or sign in with an admin token.",
        ),
        h(
          "div",
          { class: "form-actions" },
          h("a", { class: "btn btn-primary", href: "/passes" }, icon("users"), h("span", null, "Go to the pass view")),
          button("Use another token", {
            variant: "secondary",
            onClick: () => {
              clearToken();
              signIn("Paste an admin token to continue.", "info");
            },
          }),
        ),
      ),
    ),
  );
}

function onAuthFailure(failure: ApiFailure) {
  if (ended) return;
  if (failure.status === 401) {
    clearToken();
    signIn(failure.message || "Your sign-in has expired. Paste a new token.");
  } else {
    forbidden(decodeClaims(getToken() ?? ""), failure.message);
  }
}

async function start() {
  ended = false;
  const page = document.body.dataset.page ?? "home";
  if (page === "home") {
    renderHome(root(), decodeClaims(getToken() ?? ""));
    renderAccount(decodeClaims(getToken() ?? ""));
    return;
  }
  const def = PAGES[page];
  if (!def) return;
  const token = getToken();
  const claims = token ? decodeClaims(token) : null;
  if (!token || !claims) return signIn(token ? "The saved token could not be read. Paste it again." : undefined, "info");
  if (isExpired(claims)) {
    clearToken();
    return signIn("Your sign-in has expired. Paste a new token.");
  }
  renderAccount(claims);
  if (def.admin && !isAdmin(claims)) return forbidden(claims);
  const r = root();
  r.replaceChildren();
  try {
    await def.render({ claims, root: r });
  } catch (err) {
    if (ended) return;
    console.error(err);
    replace(
      r,
      h(
        "div",
        { class: "notice notice-danger", role: "alert" },
        icon("alert", "icon notice-icon"),
        h(
          "div",
          { class: "notice-body" },
          h("p", { class: "notice-title" }, "This page could not be loaded."),
          h("p", { class: "notice-text" }, err instanceof Error ? err.message : String(err)),
        ),
      ),
    );
  }
}

setAuthFailureHandler(onAuthFailure);
captureTokenFromUrl();
void start();
