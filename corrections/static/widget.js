/* The corrections widget's loader: the script in the page's tag.
 *
 * It only watches: Ctrl+Enter (Cmd+Enter on a Mac) on a selection, the selection itself (to
 * fetch the dialog ahead of need, and for the floating button on touch screens), and the page's
 * own [data-corrections-open] links; and it asks the app once whether the article has published
 * corrections. The dialog (widget-dialog.js) and the corrections box (widget-box.js) are ES
 * modules fetched from the app, next to this script, only when wanted.
 *
 * This is the readable source. `make widget` minifies it with esbuild into widget.min.js, which
 * the app serves at /widget.js (corrections/views/widget.py). That build defines VERSIONS (the
 * chunks' content digests, by chunk and language), STYLE (widget.css, minified) and STRINGS
 * (the loader's words from widget-strings.json). Embedding, the host page's CSP: README.
 */
/* global VERSIONS, STYLE, STRINGS */
(() => {
  const doc = document;
  const script = doc.currentScript;
  if (!script || window.CorrectionsWidget) return; // loaded twice: the first copy does the work
  const config = script.dataset;
  // The app lives where this script came from, whatever page loaded it.
  const at = (path) => new URL(path, script.src).href;
  const chunks = {};
  let host, fab, fabRange, timer;

  // --- What a passage is, shared with the dialog and the box --------------------------------

  // data-article's element, when set and present: only selections inside it count.
  function only() {
    try {
      return config.article && doc.querySelector(config.article);
    } catch { /* an invalid selector: as if unset */ }
  }

  // The element whose text gives a passage at `node` its context and position: data-article's
  // element, else the nearest article or main, else the body. 0: outside data-article's element;
  // undefined: no place for a passage (form fields, editable text, the widget itself).
  function rootOf(node) {
    const element = node?.nodeType == 1 ? node : node?.parentElement;
    if (!element || !doc.body.contains(element) || element.isContentEditable
        || element.closest('input,textarea,select,corrections-widget,corrections-box')) return;
    const article = only();
    return article ? article.contains(element) && article : element.closest('article,main') || doc.body;
  }

  // The place of a range, as rootOf: a selection reaching into data-article's element counts.
  const placeOf = (range) => (only() && [range.startContainer, range.endContainer].map(rootOf).find((root) => root))
    ?? rootOf(range.commonAncestorContainer);

  // The reader's selection, if it holds some text.
  function selection() {
    const selected = doc.getSelection();
    if (selected?.rangeCount && selected.toString().trim()) return selected.getRangeAt(0);
  }

  // The text of `root` as readers see it: whitespace squashed, leading whitespace dropped.
  // map[i] is the index in `raw` (the text nodes' data, joined) of text[i]; nodes are the text
  // nodes with the index in `raw` where each starts.
  function text(root) {
    const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT, (node) => (node.parentElement
      .closest('script,style,noscript,template,textarea,corrections-widget,corrections-box') ? 2 : 1)); // reject : accept
    const nodes = [];
    const map = [];
    let raw = '';
    let squashed = '';
    let space = 0;
    for (let node; (node = walker.nextNode());) {
      nodes.push([node, raw.length]);
      raw += node.data;
    }
    for (let i = 0; i < raw.length; i++) {
      if (/\s/.test(raw[i])) {
        space = squashed.length > 0;
      } else {
        if (space) map.push(i - 1);
        if (space) squashed += ' ';
        space = 0;
        map.push(i);
        squashed += raw[i];
      }
    }
    if (space) map.push(raw.length - 1);
    if (space) squashed += ' ';
    map.push(raw.length);
    return { text: squashed, raw, map, nodes };
  }

  // The page's language: data-lang, else the page's lang, else English.
  const language = () => (config.lang || doc.documentElement.lang || 'en').toLowerCase().split('-')[0];

  // The words of a chunk's table ({code: {key: text}}) in the page's language, with the page's
  // own words over them: it may add or change languages with a JSON block,
  // <script type="application/json" id="corrections-strings">. Keys missing stay in English.
  function words(table) {
    const code = language();
    let page = {};
    try {
      page = JSON.parse(doc.getElementById('corrections-strings').textContent);
    } catch { /* none, or not JSON: the built-in languages */ }
    return {
      ...table.en, ...page.en, dir: 'ltr', ...table[code], ...page[code],
      code: table[code] || page[code] ? code : 'en',
    };
  }

  // The widget's element on the page, made when first needed: a shadow root holding the
  // floating button, and the dialog once it is wanted.
  function widget() {
    if (!host) {
      host = doc.createElement('corrections-widget');
      const root = host.attachShadow({ mode: 'open' });
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
      root.innerHTML = `<button class=fab hidden>${words(STRINGS).button}</button>`;
      fab = root.firstChild;
      fab.onclick = () => open(fabRange);
      doc.body.append(host);
    }
    return host.shadowRoot;
  }

  // Touch screens: a small button under the selection `range`, clear of the system's own
  // selection bar (above the selection) and of its handles (just below it). No range: hidden.
  function showFab(range) {
    if (!host && !range) return;
    widget();
    if ((fab.hidden = !range)) return;
    fabRange = range.cloneRange();
    // Placed in the viewport, then anchored to the page (the host is absolutely positioned),
    // so it scrolls with the passage, whichever element scrolls.
    const rect = range.getBoundingClientRect();
    const origin = host.getBoundingClientRect();
    const top = Math.min(rect.bottom + 36, innerHeight - fab.offsetHeight - 16);
    const left = Math.min(rect.left + (rect.width - fab.offsetWidth) / 2, innerWidth - fab.offsetWidth - 8);
    fab.style.top = `${Math.max(8, top) - origin.top}px`;
    fab.style.left = `${Math.max(8, left) - origin.left}px`;
  }

  // The page's title for the editors: og:title, else the first heading of the article (the
  // passage's `root`), else the document's title without the site's name (" | Site",
  // " – Site", " — Site", " · Site").
  function title(root) {
    const clean = (words) => words?.replace(/\s+/g, ' ').trim();
    const page = clean(doc.title);
    return (clean(doc.querySelector('meta[property="og:title"]')?.content)
      || clean((root || only() || doc).querySelector('h1')?.textContent)
      || page.replace(/ [|–—·] [^|–—·]+$/, '') || page).slice(0, 300);
  }

  const shared = {
    config, at, only, rootOf, placeOf, selection, text, words, widget, title, fab: showFab,
    // The page's address: its canonical link, else its location without the fragment.
    url: () => (doc.querySelector('link[rel=canonical]') || location).href.split('#')[0],
  };

  // A chunk, fetched and started once, in the page's language if it is built in, else in
  // English (with the page's own words over it); a failed fetch may be tried again.
  const load = (name) => {
    const versions = VERSIONS[name];
    const code = versions[language()] ? language() : 'en';
    return (chunks[name] ||= import(at(`widget/${name}.${code}.js?v=${versions[code]}`))
      .then((module) => module.default(shared), (error) => {
        delete chunks[name];
        throw error;
      }));
  };

  // Opens the dialog on `range` (or on nothing: the reader types the passage); if the dialog
  // cannot be fetched, `fallback` (the page's link to the form) is followed instead.
  function open(range, fallback) {
    range = range?.cloneRange();
    return load('dialog').then((dialog) => dialog.open(range), () => fallback && location.assign(fallback));
  }

  // --- Triggers ------------------------------------------------------------------------------

  addEventListener('keydown', (e) => {
    if (e.key != 'Enter' || !(e.ctrlKey || e.metaKey) || e.altKey || e.defaultPrevented) return;
    // Never in the page's text fields, nor on the widget's own text.
    const target = e.composedPath()[0];
    const range = selection();
    if (target.isContentEditable || target.closest?.('input,textarea,select,corrections-widget,corrections-box')
        || !range || placeOf(range) === undefined) return;
    e.preventDefault();
    open(range);
  }, true);

  // The page's own link or button: <a href="/suggest?…" data-corrections-open>.
  addEventListener('click', (e) => {
    const link = e.target.closest?.('[data-corrections-open]');
    if (link) {
      e.preventDefault();
      open(selection(), link.href);
    }
  });

  // A selection is the sign that the dialog may be wanted: fetch it now, so it opens at once.
  // On touch screens, show the floating button by the selection (hide it when it goes).
  doc.addEventListener('selectionchange', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const range = selection();
      const place = range && placeOf(range);
      // Not a pointer listener, which costs the page's loading: the device's main pointer.
      const touch = matchMedia('(pointer:coarse)').matches;
      if (place) load('dialog').catch(() => {});
      if (touch && !host?.shadowRoot.querySelector('dialog[open]')) showFab(place && range);
    }, 250);
  });

  window.CorrectionsWidget = { open: () => open(selection()) };

  // --- The corrections box -------------------------------------------------------------------

  // Asked once the page is idle: starting a request costs the main thread a millisecond or more,
  // which the page's own loading should not wait for.
  if (config.corrections != 'off') {
    (window.requestIdleCallback || setTimeout)(() => {
      const query = new URLSearchParams({ site: config.site, url: shared.url() });
      fetch(at(`api/v1/corrections?${query}`))
        .then((response) => response.json())
        .then(({ corrections }) => corrections?.length && load('box').then((box) => box(corrections)))
        .catch(() => { /* no box: the article reads as it is */ });
    }, { timeout: 2000 });
  }
})();
