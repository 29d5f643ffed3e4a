/* The corrections widget: a reader selects a passage of an article and presses Ctrl+Enter
 * (Cmd+Enter on a Mac), or taps the floating button on a touch screen, and suggests a correction.
 *
 * This is the readable source. The app serves it minified and gzipped at /widget.js
 * (corrections/views/widget.py); the test suite keeps that at most 5,120 bytes.
 * Embedding, the JavaScript call, the host's Content-Security-Policy: README, "The widget".
 */
(() => {
  // Every word the widget shows, one table per language, chosen by data-lang or the page's
  // lang. To add a language, copy `en`, translate the values, and add dir: 'rtl' for a
  // right-to-left script; missing keys fall back to English. A page can also add or override
  // languages without changing this file: README, "The widget", "Languages".
  const STRINGS = {
    en: {
      title: 'Suggest a correction',
      passage: 'The passage',
      kind: 'What is wrong?',
      typo: 'Typo or spelling',
      factual: 'Factual error',
      clarification: 'Needs clarification',
      broken_link: 'Broken link',
      other: 'Something else',
      fix: 'How it should read',
      comment: 'Note for the editors (optional)',
      email: 'Your email (optional)',
      notify: 'Email me the outcome',
      send: 'Send',
      sending: 'Sending…',
      retry: 'Try again',
      close: 'Close',
      thanks: 'Thank you! Your reference number:',
      needPassage: 'Type or paste the words to correct.',
      needEmail: 'Enter a valid email address.',
      failed: 'Not sent: the newsroom could not be reached. Your text is kept; try again.',
      tooMany: 'Too many suggestions from your network. Please try again later.',
    },
    uk: {
      title: 'Запропонувати виправлення',
      passage: 'Фрагмент',
      kind: 'Що не так?',
      typo: 'Одрук чи правопис',
      factual: 'Фактична помилка',
      clarification: 'Потрібне уточнення',
      broken_link: 'Неробоче посилання',
      other: 'Інше',
      fix: 'Як має бути',
      comment: 'Примітка для редакції (за бажанням)',
      email: 'Ваша пошта (за бажанням)',
      notify: 'Повідомте мені про результат',
      send: 'Надіслати',
      sending: 'Надсилаємо…',
      retry: 'Спробувати ще',
      close: 'Закрити',
      thanks: 'Дякуємо! Номер звернення:',
      needPassage: 'Введіть слова, які треба виправити.',
      needEmail: 'Вкажіть правильну адресу пошти.',
      failed: 'Не надіслано: немає зв’язку з редакцією. Текст збережено, спробуйте ще.',
      tooMany: 'Забагато пропозицій з вашої мережі. Спробуйте згодом.',
    },
  };
  const KINDS = ['typo', 'factual', 'clarification', 'broken_link', 'other'];
  const WORD = /[\p{L}\p{N}\p{M}'’_]/u; // letters of a word, for widening a selection to words

  const doc = document;
  const script = doc.currentScript;
  if (!script || window.CorrectionsWidget) return; // loaded twice: the first copy does the work
  const config = script.dataset;
  // The API lives next to this script, wherever the page loaded it from.
  const endpoint = new URL('api/v1/suggestions', script.src).href;

  let host, root, dialog, form, fields, fab, words, current, busy, sent, returnFocus, returnRange, fabRange, fabTimer, pointer;
  const $ = (selector) => root.querySelector(selector);

  // --- What the reader selected --------------------------------------------------------

  const squash = (text) => text.replace(/\s+/g, ' ').trimStart();

  // The article element (DESIGN.md: data-article, else article, main, body) where `range`
  // starts or ends; without a range, the page's first one.
  function articleOf(range) {
    let selector = 'body';
    try {
      selector = [config.article, 'article', 'main', selector].find((s) => s && doc.querySelector(s));
    } catch { /* an invalid data-article selector: the body */ }
    const around = (node) => (node.nodeType == 1 ? node : node.parentElement)?.closest(selector);
    return range ? around(range.startContainer) || around(range.endContainer) : doc.querySelector(selector);
  }

  // The selected range if it is a passage of the article, else undefined.
  function selectedRange() {
    const selection = doc.getSelection();
    const range = selection?.rangeCount && !selection.isCollapsed && selection.getRangeAt(0);
    if (range && articleOf(range)) return range;
  }

  // A W3C TextQuoteSelector (exact, prefix, suffix) and TextPositionSelector (start, end)
  // over the article's text with whitespace squashed (`full`), the range widened to whole words.
  function capture(range) {
    const walker = doc.createTreeWalker(articleOf(range), NodeFilter.SHOW_TEXT,
      (node) => (node.parentElement.closest('script,style,noscript,template,textarea') ? 2 : 1)); // reject : accept
    let raw = '', start = -1, end = -1;
    for (let node; (node = walker.nextNode());) {
      if (range?.intersectsNode(node)) {
        if (start < 0) start = raw.length + (node == range.startContainer ? range.startOffset : 0);
        end = raw.length + (node == range.endContainer ? range.endOffset : node.length);
      }
      raw += node.data;
    }
    const full = squash(raw);
    const at = (index) => squash(raw.slice(0, index)).length;
    while (start < end && /\s/.test(raw[start])) start++;
    while (end > start && /\s/.test(raw[end - 1])) end--;
    if (start >= end) return quote(full, 0, 0);
    while (start > 0 && WORD.test(raw[start - 1]) && WORD.test(raw[start])) start--;
    while (end < raw.length && WORD.test(raw[end]) && WORD.test(raw[end - 1])) end++;
    start = at(start);
    return quote(full, start, Math.min(at(end), start + 1000));
  }

  function quote(full, start, end) {
    return {
      full, start, end, exact: full.slice(start, end),
      prefix: full.slice(Math.max(0, start - 32), start), suffix: full.slice(end, end + 32),
    };
  }

  // --- The dialog ------------------------------------------------------------------------

  function language() {
    const code = (config.lang || doc.documentElement.lang || 'en').toLowerCase().split('-')[0];
    try {
      // The page's own languages: <script type="application/json" id="corrections-strings">
      const extra = JSON.parse(doc.getElementById('corrections-strings').textContent);
      for (const key in extra) STRINGS[key] = { ...STRINGS[key], ...extra[key] };
    } catch { /* none, or not JSON: the built-in languages */ }
    return { ...STRINGS.en, dir: 'ltr', ...STRINGS[code], code: STRINGS[code] ? code : 'en' };
  }

  function build() {
    const t = (words = language());
    host = doc.createElement('corrections-widget');
    root = host.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = `<button class=fab hidden>${t.title}</button><dialog aria-labelledby=t lang=${t.code} dir=${t.dir}>`
      + `<h2 id=t>${t.title}</h2><button class=x aria-label="${t.close}">×</button><form novalidate>`
      + `<label>${t.passage}<textarea name=passage maxlength=1000 dir=auto></textarea></label>`
      + `<fieldset><legend>${t.kind}</legend>${KINDS.map((kind) =>
        `<label><input type=radio name=kind value=${kind}>${t[kind]}</label>`).join('')}</fieldset>`
      + `<label>${t.fix}<textarea name=fix rows=2 maxlength=2000 dir=auto></textarea></label>`
      + `<label>${t.comment}<textarea name=comment maxlength=2000 dir=auto></textarea></label>`
      + `<label>${t.email}<input type=email name=email maxlength=254></label>`
      + `<label class=check><input type=checkbox name=notify>${t.notify}</label><p class=error role=alert></p>`
      + `<div class=bar><button type=button class=x>${t.close}</button><button class=go>${t.send}</button></div></form>`
      + `<div class=done hidden><p tabindex=-1>${t.thanks} <b></b></p>`
      + `<div class=bar><button class="go x">${t.close}</button></div></div></dialog>`;
    dialog = $('dialog');
    form = $('form');
    fields = form.elements;
    fab = $('.fab');
    form.onsubmit = send;
    fab.onclick = () => open(fabRange);
    for (const button of root.querySelectorAll('.x')) button.onclick = () => dialog.close();
    dialog.onclose = () => {
      // Back to where the reader was: the focused element and the selection.
      returnFocus.focus?.();
      if (returnRange) doc.getSelection().addRange(returnRange);
    };
    dialog.onkeydown = dialogKeys;
    doc.body.append(host);
  }

  // Tab and Shift+Tab cycle through the dialog's controls, from the close button at the top
  // to the last button shown at the bottom; Ctrl+Enter sends.
  function dialogKeys(e) {
    if (e.key == 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
    if (e.key != 'Tab') return;
    const buttons = [...dialog.querySelectorAll('button')].filter((button) => button.getClientRects().length);
    const [first, last] = e.shiftKey ? [buttons.at(-1), buttons[0]] : [buttons[0], buttons.at(-1)];
    if (root.activeElement == last) {
      e.preventDefault();
      first.focus();
    }
  }

  function open(range) {
    if (!host) build();
    if (dialog.open) return;
    fab.hidden = true;
    returnRange = range || selectedRange();
    const passage = capture(returnRange);
    // Reopened on the same passage before sending: keep what the reader typed.
    if (sent || current?.exact != passage.exact || current.start != passage.start) {
      form.reset();
      fields.kind.value = 'typo';
      fields.fix.value = fields.passage.value = passage.exact;
      sent = 0;
    }
    current = passage;
    fields.passage.readOnly = !!passage.exact;
    form.hidden = 0;
    $('.done').hidden = 1;
    returnFocus = doc.activeElement;
    dialog.showModal();
    (passage.exact ? fields.fix : fields.passage).focus();
  }

  function say(message, field) {
    $('.error').textContent = message;
    field?.focus();
  }

  async function send(e) {
    e.preventDefault();
    if (busy) return;
    let passage = current;
    const typed = squash(fields.passage.value).trim();
    if (!passage.exact) {
      // A passage the reader typed: find it in the article to give it its context.
      const start = passage.full.indexOf(typed);
      passage = start >= 0 && start == passage.full.lastIndexOf(typed)
        ? quote(passage.full, start, start + typed.length) : { exact: typed };
    }
    if (!passage.exact) return say(words.needPassage, fields.passage);
    const email = fields.email.value.trim();
    const notify = fields.notify.checked;
    if ((fields.email.ariaInvalid = !fields.email.validity.valid || (notify && !email))) {
      return say(words.needEmail, fields.email);
    }
    const button = $('form .go');
    const status = (text, state) => {
      button.textContent = text;
      busy = button.ariaDisabled = form.ariaBusy = state;
    };
    status(words.sending, true);
    say('');
    let message = words.failed;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        signal: AbortSignal.timeout(20000),
        body: JSON.stringify({
          site: config.site,
          url: (doc.querySelector('link[rel=canonical]') || location).href.split('#')[0],
          title: doc.title.slice(0, 300),
          quote: { exact: passage.exact, prefix: passage.prefix, suffix: passage.suffix },
          position: passage.end && { start: passage.start, end: passage.end },
          kind: fields.kind.value,
          suggestion: fields.fix.value == passage.exact ? '' : fields.fix.value,
          comment: fields.comment.value,
          email,
          notify,
        }),
      });
      const { error, reference } = await response.json().catch(() => ({}));
      if (response.ok) {
        sent = 1;
        form.hidden = 1;
        $('.done').hidden = 0;
        $('b').textContent = reference;
        $('.done p').focus();
      } else if (response.status == 429) {
        message = words.tooMany;
      } else if (response.status < 500 && error?.message) {
        message = [error.message, ...Object.values(error.fields || {})].join(' ');
      }
    } catch { /* unreachable: the message says so */ }
    status(sent ? words.send : words.retry, null);
    if (!sent) say(message);
  }

  // --- Triggers --------------------------------------------------------------------------

  addEventListener('keydown', (e) => {
    const path = e.composedPath();
    // Never in the page's text fields, nor on the widget itself.
    if (e.key == 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.defaultPrevented
        && !path.includes(host) && !path[0].closest?.('input,textarea,select,[contenteditable]')
        && capture(selectedRange()).exact) {
      e.preventDefault();
      open();
    }
  }, true);

  // The page's own link or button: <a href="/suggest?…" data-corrections-open>.
  addEventListener('click', (e) => {
    if (e.target.closest?.('[data-corrections-open]')) {
      e.preventDefault();
      open();
    }
  });

  // Touch screens: a small button under the selection, clear of the system's own selection
  // bar (above the selection) and of the selection handles (just below it).
  addEventListener('pointerdown', (e) => { pointer = e.pointerType; }, { capture: true, passive: true });
  doc.addEventListener('selectionchange', () => {
    if (pointer ? pointer == 'touch' : matchMedia('(pointer:coarse)').matches) {
      clearTimeout(fabTimer);
      fabTimer = setTimeout(showFab, 250);
    }
  });

  function showFab() {
    const range = selectedRange();
    if (!host && !range) return;
    if (!host) build();
    fab.hidden = !range || dialog.open;
    if (fab.hidden) return;
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

  window.CorrectionsWidget = { open: () => open() };

  // The widget's own styles, inside its shadow root: no page style reaches in, none leaks out.
  const STYLE = /*css*/`
    :host { all: initial !important; position: absolute !important; z-index: 2147483647 !important;
      color-scheme: light; --ink: #222; --paper: #fff; --line: #778; --accent: #05a; --error: #b00; }
    /* The reader's choice of a dark or light theme, whatever the page's colours. */
    @media (prefers-color-scheme: dark) {
      :host { color-scheme: dark; --ink: #eee; --paper: #222; --accent: #6af; --error: #f77; }
    }
    * { box-sizing: border-box; font: inherit; color: inherit; }
    dialog, .fab { font: 16px/1.5 system-ui, sans-serif; color: var(--ink); }
    dialog { width: 36em; max-width: calc(100% - 16px); max-height: calc(100% - 16px); padding: 20px;
      border: 1px solid var(--line); border-radius: 12px; background: var(--paper); }
    ::backdrop { background: #000a; }
    h2 { margin: 0 0 16px; padding-inline-end: 48px; font-size: 20px; font-weight: 700; line-height: 1.3; }
    label, fieldset { display: block; margin: 0 0 14px; padding: 0; border: 0; font-weight: 600; }
    fieldset { display: flex; flex-wrap: wrap; column-gap: 20px; }
    legend { padding: 0; }
    fieldset label, .check { display: flex; align-items: center; gap: 10px; margin: 0; min-height: 36px;
      font-weight: 400; }
    textarea, [type=email] { display: block; width: 100%; margin-top: 4px; padding: 8px 10px;
      border: 1px solid var(--line); border-radius: 6px; background: var(--paper); font-weight: 400; }
    [readonly] { border: 0; border-inline-start: 4px solid var(--accent); border-radius: 0; resize: none;
      field-sizing: content; }
    [type=radio], [type=checkbox] { width: 20px; height: 20px; margin: 0; flex: none;
      accent-color: var(--accent); }
    [aria-invalid=true] { border-color: var(--error); }
    :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
    p { margin: 0 0 16px; }
    .error { color: var(--error); font-weight: 600; }
    .error:empty { display: none; }
    .bar { display: flex; flex-wrap: wrap; justify-content: flex-end; gap: 8px; }
    button { min-height: 44px; padding: 8px 18px; border: 1px solid var(--line); border-radius: 6px;
      background: var(--paper); font-weight: 600; cursor: pointer; }
    .go, .fab { border-color: var(--accent); background: var(--accent); color: var(--paper); }
    h2+.x { position: absolute; top: 10px; inset-inline-end: 10px; width: 44px; padding: 0; border: 0;
      background: none; font-size: 28px; line-height: 1; }
    b { font-size: 20px; white-space: nowrap; }
    .fab { position: absolute; border-radius: 22px; white-space: nowrap; }
  `;
})();
