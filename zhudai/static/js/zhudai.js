// Small behaviours shared by every page; everything else is HTMX attributes in the templates.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});
document.addEventListener("click", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (all) {
    document.querySelectorAll(all.dataset.selectAll).forEach((box) => { box.checked = all.checked; });
  }
  const toggle = event.target.closest("[data-toggle-menu]");
  if (toggle) document.querySelector(".sidebar").classList.toggle("open");
  // Export what the list shows now: its current filters (the URL HTMX keeps up to date).
  const exporter = event.target.closest("[data-export]");
  if (exporter) {
    const params = new URLSearchParams(window.location.search);
    params.delete("page");
    params.set("format", exporter.dataset.format);
    exporter.href = `${exporter.dataset.export}?${params}`;
  }
  const confirmable = event.target.closest("[data-confirm]");
  if (confirmable && !window.confirm(confirmable.dataset.confirm)) event.preventDefault();
});
// Forms inside cached fragments carry no CSRF token: add the page's own when they are submitted.
// Bulk actions also read the ticked rows, and remember the list's current query to return to.
function hidden(form, name, value) {
  form.querySelectorAll(`input[name="${name}"][data-added]`).forEach((el) => el.remove());
  const input = document.createElement("input");
  input.type = "hidden"; input.name = name; input.value = value; input.dataset.added = "1";
  form.appendChild(input);
}
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.matches("[data-csrf]")) {
    hidden(form, "csrfmiddlewaretoken", document.querySelector("meta[name=csrf-token]").content);
  }
  if (form.matches("[data-query]")) hidden(form, "query", window.location.search.replace(/^\?/, ""));
  if (!form.matches("[data-bulk]")) return;
  hidden(form, "next", window.location.pathname + window.location.search);
  form.querySelectorAll("input[name=ids]").forEach((el) => el.remove());
  const ticked = document.querySelectorAll("input.row-check:checked");
  if (!ticked.length) { event.preventDefault(); window.alert(form.dataset.empty); return; }
  ticked.forEach((box) => {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = "ids"; input.value = box.value; form.appendChild(input);
  });
});
