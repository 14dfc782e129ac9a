// The landing page: where to go. It calls no API.
import { h, icon, replace, type IconName } from "../lib/dom";
import { isAdmin, type Claims } from "../lib/session";

export function renderHome(root: HTMLElement, claims: Claims | null) {
  const tiles: Array<{ href: string; title: string; text: string; icon: IconName; admin: boolean }> = [
    {
      href: "/admin/profile-pictures",
      title: "Profile Pictures",
      text: "Upload the photographer's pictures, review the matches and turn photos on for teachers.",
      icon: "image",
      admin: true,
    },
    {
      href: "/admin/students",
      title: "Students",
      text: "Find a student to add, replace or remove a photo; list who is missing one.",
      icon: "users",
      admin: true,
    },
    { href: "/passes", title: "Pass view", text: "See who is out of class, with their photo, as a teacher does.", icon: "mapPin", admin: false },
  ];
  replace(
    root,
    h(
      "div",
      { class: "home" },
      h(
        "div",
        { class: "home-hero" },
        h("h1", null, "Know who is in the hallway at a glance"),
        h(
          "p",
          { class: "lead" },
          "passpix puts students' profile pictures on digital hall passes — uploaded in bulk by the school, shown to teachers only when the school turns them on.",
        ),
      ),
      h(
        "ul",
        { class: "home-tiles" },
        tiles
          .filter((t) => !claims || isAdmin(claims) || !t.admin)
          .map((t) =>
            h(
              "li",
              null,
              h(
                "a",
                { class: "home-tile", href: t.href },
                h("span", { class: "home-tile-icon" }, icon(t.icon)),
                h("span", { class: "home-tile-title" }, t.title),
                h("span", { class: "home-tile-text" }, t.text),
                h("span", { class: "home-tile-go" }, "Open", icon("arrowRight")),
              ),
            ),
          ),
      ),
      h("p", { class: "muted small" }, "Developers: the API reference is at ", h("a", { href: "/docs" }, "/docs"), "."),
    ),
  );
}
