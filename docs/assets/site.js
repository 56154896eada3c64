// The language selector links to this page's twin in the other language. Carry the configurator's
// selection (the query) and the place on the page (the hash) along. They are read when the link is
// used, because the configurator changes the query with history.pushState, without a reload.
function carryLocation(event) {
  const link = event.target instanceof Element && event.target.closest("a[hreflang]");
  if (!link) return;
  const url = new URL(link.href);
  url.search = location.search;
  url.hash = location.hash;
  link.href = url.href;
}
for (const type of ["pointerover", "focusin", "click", "auxclick", "contextmenu"]) {
  document.addEventListener(type, carryLocation, true);
}
