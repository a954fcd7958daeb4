/* Review page keys: move between groups, accept, reject; the list shows with "?".
 * Every action is the board's own button (a real form post, upgraded by htmx), so the keys
 * add nothing the mouse cannot do. Keys are ignored while typing in a field.
 *   j / n  next group        k / p  previous group
 *   a      accept the group's first version   1-9  accept that lane's version
 *   r      reject all versions of the group   ?    show / hide the list of keys
 */
(function () {
  "use strict";

  let current = null; // id of the focused group form ("g0", "r2", ...), kept across swaps

  function groups() { return Array.from(document.querySelectorAll("#board form.rv-group")); }

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit", "hidden"].includes(el.type)));
  }

  function focusGroup(form) {
    groups().forEach((g) => g.classList.remove("rv-focus"));
    if (!form) return;
    current = form.id;
    form.classList.add("rv-focus");
    form.setAttribute("tabindex", "-1");
    form.focus({ preventScroll: true });
    form.scrollIntoView({ block: "nearest" });
  }

  function step(by) {
    const all = groups();
    if (!all.length) return;
    const at = all.findIndex((g) => g.id === current);
    const next = at < 0 ? (by > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + by, 0), all.length - 1);
    focusGroup(all[next]);
  }

  function focused() {
    return current ? document.getElementById(current) : null;
  }

  /** The accept buttons of a group, one per version, in lane order. */
  function acceptButtons(form) {
    return Array.from(form.querySelectorAll('button[name="stance"], button[name="relation"]:not([formaction])'));
  }

  function click(button) { if (button && !button.disabled) button.click(); }

  function onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    if (!document.getElementById("board")) return;
    const form = focused();
    if (ev.key === "?") {
      const keys = document.getElementById("review-keys");
      if (keys) keys.open = !keys.open;
    } else if (ev.key === "j" || ev.key === "n") step(1);
    else if (ev.key === "k" || ev.key === "p") step(-1);
    else if (ev.key === "a" && form) click(acceptButtons(form)[0]);
    else if (/^[1-9]$/.test(ev.key) && form) click(acceptButtons(form)[Number(ev.key) - 1]);
    else if (ev.key === "r" && form) click(form.querySelector('button[formaction$="/reject"]'));
    else return;
    ev.preventDefault();
  }

  /** After htmx swapped the board, the same group keeps the focus (its id is its position). */
  function afterSwap(ev) {
    if (!ev.detail.target || ev.detail.target.id !== "board" || !current) return;
    const offer = document.getElementById("offer-accept");
    if (offer) { offer.focus(); return; }
    focusGroup(document.getElementById(current));
  }

  function init() {
    document.addEventListener("keydown", onKey);
    document.body.addEventListener("htmx:afterSwap", afterSwap);
    document.addEventListener("focusin", (ev) => {
      const form = ev.target.closest && ev.target.closest("#board form.rv-group");
      if (form) current = form.id;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
