// Shared pieces: buttons, notices, progress bars, avatars, confirmation dialogs, toasts, downloads.
import { getBlob, messageOf } from "./api";
import { h, icon, uid, type Child, type IconName } from "./dom";
import { initials } from "./format";

type Variant = "primary" | "secondary" | "ghost" | "danger" | "danger-ghost";

export function button(
  label: string,
  opts: {
    variant?: Variant;
    icon?: IconName;
    onClick?: (e: MouseEvent) => void;
    type?: "button" | "submit";
    disabled?: boolean;
    ariaLabel?: string;
    focusKey?: string;
    size?: "sm";
  } = {},
): HTMLButtonElement {
  return h(
    "button",
    {
      type: opts.type ?? "button",
      class: `btn btn-${opts.variant ?? "secondary"}${opts.size ? ` btn-${opts.size}` : ""}`,
      disabled: opts.disabled,
      "aria-label": opts.ariaLabel,
      "data-focus": opts.focusKey ?? label,
      onclick: opts.onClick,
    },
    opts.icon ? icon(opts.icon) : null,
    h("span", null, label),
  );
}

/** Runs an async action with the button showing it is busy (and not clickable twice). */
export async function busy<T>(btn: HTMLButtonElement, fn: () => Promise<T>): Promise<T> {
  btn.disabled = true;
  btn.setAttribute("aria-busy", "true");
  btn.classList.add("is-busy");
  try {
    return await fn();
  } finally {
    btn.disabled = false;
    btn.removeAttribute("aria-busy");
    btn.classList.remove("is-busy");
  }
}

export type Tone = "neutral" | "info" | "success" | "warning" | "danger";

const TONE_ICON: Record<Tone, IconName> = { neutral: "info", info: "info", success: "checkCircle", warning: "alert", danger: "xCircle" };

export function notice(tone: Tone, title: Child, body?: Child, actions?: Child): HTMLElement {
  return h(
    "div",
    { class: `notice notice-${tone}`, role: tone === "danger" ? "alert" : null },
    icon(TONE_ICON[tone], "icon notice-icon"),
    h(
      "div",
      { class: "notice-body" },
      h("p", { class: "notice-title" }, title),
      body ? h("div", { class: "notice-text" }, body) : null,
      actions ? h("div", { class: "notice-actions" }, actions) : null,
    ),
  );
}

export function badge(text: string, tone: Tone = "neutral"): HTMLElement {
  return h("span", { class: `badge badge-${tone}` }, text);
}

/** A real progress bar: role="progressbar" with aria-valuenow/min/max and a visible label. */
export function progressBar(label: string) {
  const labelId = uid("pl");
  const text = h("span", { class: "progress-text" });
  const fill = h("span", { class: "progress-fill" });
  const bar = h(
    "div",
    { class: "progress", role: "progressbar", "aria-labelledby": labelId, "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 },
    fill,
  );
  const title = h("span", { class: "progress-label", id: labelId }, label);
  const el = h("div", { class: "progress-block" }, h("div", { class: "progress-head" }, title, text), bar);
  return {
    el,
    update(percent: number, valueText: string, newLabel?: string) {
      const p = Math.max(0, Math.min(100, Math.round(percent)));
      bar.setAttribute("aria-valuenow", String(p));
      bar.setAttribute("aria-valuetext", valueText);
      fill.style.width = `${p}%`;
      text.textContent = valueText;
      if (newLabel !== undefined) title.textContent = newLabel;
      el.classList.toggle("is-complete", p >= 100);
    },
    setTone(tone: "default" | "warning" | "danger") {
      el.dataset.tone = tone;
    },
  };
}

/** A student's picture, or their initials when there is none (decorative then: the name is beside it). */
export function avatar(name: string, url: string | null | undefined, size: "sm" | "md" | "lg" | "card" = "md"): HTMLElement {
  const placeholder = () => h("span", { class: `avatar avatar-${size} avatar-initials`, "aria-hidden": "true" }, initials(name));
  if (!url) return placeholder();
  const img = h("img", { class: `avatar avatar-${size}`, src: url, alt: name, decoding: "async", draggable: "false" });
  img.addEventListener("error", () => img.replaceWith(placeholder()), { once: true });
  return img;
}

/** A modal confirmation (native <dialog>: focus trapped, Escape cancels). */
export function confirmDialog(opts: { title: string; body: Child; confirm: string; cancel?: string; danger?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = uid("dlg");
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId });
    const close = (value: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const ok = button(opts.confirm, { variant: opts.danger ? "danger" : "primary", onClick: () => close(true) });
    const cancel = button(opts.cancel ?? "Cancel", { variant: "secondary", onClick: () => close(false) });
    dialog.append(
      h("h2", { id: titleId, class: "dialog-title" }, opts.title),
      h("div", { class: "dialog-body" }, opts.body),
      h("div", { class: "dialog-actions" }, cancel, ok),
    );
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

export function toast(message: string, tone: Tone = "success"): void {
  const host = document.getElementById("toasts");
  if (!host) return;
  const el = h("div", { class: `toast toast-${tone}` }, icon(TONE_ICON[tone]), h("span", null, message));
  host.append(el);
  setTimeout(() => {
    el.classList.add("is-leaving");
    setTimeout(() => el.remove(), 300);
  }, 5000);
}

/** Saves a blob as a file through a temporary link (no server round trip, no token in a URL). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: fileName, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Downloads an API file (`path`) as `fileName`, `btn` busy meanwhile; a failure is a toast. */
export async function downloadFile(btn: HTMLButtonElement, path: string, fileName: string): Promise<void> {
  try {
    saveBlob(await busy(btn, () => getBlob(path)), fileName);
  } catch (err) {
    toast(messageOf(err), "danger");
  }
}

export function spinner(label = "Loading…"): HTMLElement {
  return h("div", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), label);
}

export function card(attrs: { class?: string; label?: string; id?: string } | null, ...children: Child[]): HTMLElement {
  return h("section", { class: `card${attrs?.class ? ` ${attrs.class}` : ""}`, "aria-label": attrs?.label, id: attrs?.id }, ...children);
}

export function pageHead(title: string, lead?: Child, actions?: Child, crumbs?: Array<{ label: string; href?: string }>): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    crumbs
      ? h(
          "nav",
          { class: "crumbs", "aria-label": "Breadcrumb" },
          h(
            "ol",
            null,
            crumbs.map((c, i) =>
              h("li", null, c.href ? h("a", { href: c.href }, c.label) : h("span", { "aria-current": i === crumbs.length - 1 ? "page" : null }, c.label)),
            ),
          ),
        )
      : null,
    h(
      "div",
      { class: "page-head-row" },
      h("div", { class: "page-head-text" }, h("h1", null, title), lead ? h("p", { class: "lead" }, lead) : null),
      actions ? h("div", { class: "page-head-actions" }, actions) : null,
    ),
  );
}
