/* The corrections widget's dialog: an ES module the loader (widget.js) fetches when a reader
 * selects text or asks to suggest a correction. Its default export takes what the loader shares
 * (see `shared` there) and returns { open(range) }; it lives in the loader's shadow root.
 *
 * This is the readable source; `make widget` builds widget-dialog.<language>.min.js from it for
 * each language, with STYLE defined as the minified widget-dialog.css and STRINGS as that
 * language's words from widget-strings.json ({code: {key: text}}).
 */
/* global STYLE, STRINGS */

const KINDS = ['typo', 'factual', 'clarification', 'broken_link', 'other'];
const WORD = /[\p{L}\p{N}\p{M}'’_]/u; // letters of a word, for widening a selection to words
const doc = document;

export default (shared) => {
  let root, dialog, form, fields, t, current, busy, sent, openedAt, returnFocus, returnRange;
  const $ = (selector) => root.querySelector(selector);

  // --- What the reader selected --------------------------------------------------------------

  // A W3C TextQuoteSelector (exact, prefix, suffix) and TextPositionSelector (start, end) of
  // `range` over the text of `root` (whitespace squashed), the range widened to whole words.
  function capture(range, root) {
    const { text, raw, map, nodes } = shared.text(root);
    let start = -1;
    let end = -1;
    for (const [node, at] of nodes) {
      if (range.intersectsNode(node)) {
        if (start < 0) start = at + (node == range.startContainer ? range.startOffset : 0);
        end = at + (node == range.endContainer ? range.endOffset : node.length);
      }
    }
    while (start < end && /\s/.test(raw[start])) start++;
    while (end > start && /\s/.test(raw[end - 1])) end--;
    if (start >= end) return {};
    while (start > 0 && WORD.test(raw[start - 1]) && WORD.test(raw[start])) start--;
    while (end < raw.length && WORD.test(raw[end]) && WORD.test(raw[end - 1])) end++;
    const squashed = (index) => map.findIndex((i) => i >= index);
    start = squashed(start);
    return quote(text, start, Math.min(squashed(end), start + 1000), root);
  }

  function quote(text, start, end, root) {
    return {
      text, start, end, root, exact: text.slice(start, end),
      prefix: text.slice(Math.max(0, start - 32), start), suffix: text.slice(end, end + 32),
    };
  }

  // A passage the reader typed: found once in the text of the page (or of data-article's
  // element), it gets its context and position as if selected there.
  function find(typed) {
    const scope = shared.only() || doc.body;
    const { text, map, nodes } = shared.text(scope);
    const start = text.indexOf(typed);
    if (start < 0 || start != text.lastIndexOf(typed)) return { exact: typed };
    const root = shared.rootOf(nodes.findLast(([, at]) => at <= map[start])[0]) || scope;
    const inner = shared.text(root).text;
    const at = inner.indexOf(typed);
    return at < 0 ? quote(text, start, start + typed.length, scope) : quote(inner, at, at + typed.length, root);
  }

  // --- The dialog ----------------------------------------------------------------------------

  function build() {
    t = shared.words(STRINGS);
    root = shared.widget();
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    // The form's fields have the names of the intake's, so the server's messages find them.
    const message = (name) => `<span class=m id=m-${name} aria-live=polite></span>`;
    root.append(doc.createRange().createContextualFragment(`<dialog aria-labelledby=t lang=${t.code} dir=${t.dir}>`
      + `<h2 id=t>${t.title}</h2><button class=x aria-label="${t.close}">×</button><form novalidate>`
      + `<p class=note role=status></p><span id=p>${t.passage}</span><p class=q><span class=c></span><mark></mark><span class=c></span></p>`
      + `<textarea name=quote aria-labelledby=p aria-describedby=m-quote maxlength=1000 dir=auto></textarea>${message('quote')}`
      + `<fieldset><legend>${t.kind}</legend>${KINDS.map((kind) =>
        `<label><input type=radio name=kind value=${kind}>${t[kind]}</label>`).join('')}</fieldset>`
      + `<label>${t.fix}<textarea name=suggestion rows=2 aria-describedby=m-suggestion maxlength=2000 dir=auto></textarea></label>${message('suggestion')}`
      + `<label>${t.comment}<textarea name=comment aria-describedby=m-comment maxlength=2000 dir=auto></textarea></label>${message('comment')}`
      + `<label>${t.email}<input type=email name=email aria-describedby=m-email maxlength=254></label>${message('email')}`
      + `<label class=check><input type=checkbox name=notify>${t.notify}</label><p class=error role=alert></p>`
      + `<div class=bar><button type=button class=x>${t.close}</button><button class=go>${t.send}</button></div></form>`
      + `<div class=done hidden><p tabindex=-1>${t.thanks} <b></b></p>`
      + `<div class=bar><button class="go x">${t.close}</button></div></div></dialog>`));
    dialog = $('dialog');
    form = $('form');
    fields = form.elements;
    form.onsubmit = send;
    // A message goes as soon as its field is corrected.
    form.oninput = ({ target: { name } }) => {
      if (name == 'notify') name = 'email';
      if (name == 'email' ? !emailProblem() : name != 'kind' && (name != 'quote' || typed())) say('', name);
    };
    for (const button of root.querySelectorAll('.x')) button.onclick = () => dialog.close();
    dialog.onclose = () => {
      // Back to where the reader was: the focused element, and the selection unless it was sent.
      returnFocus?.focus?.();
      if (returnRange && !sent) doc.getSelection().addRange(returnRange);
    };
    dialog.onkeydown = dialogKeys;
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

  // Each opening starts from the current selection, or from an empty passage to type; the
  // same passage reopened before sending keeps what the reader wrote.
  function open(range) {
    if (!dialog) build();
    if (dialog.open) return;
    shared.fab();
    const place = range && shared.placeOf(range);
    const passage = place ? capture(range, place) : {};
    if (sent || !current || current.exact != passage.exact || current.start != passage.start) {
      form.reset();
      fields.kind.value = 'typo';
      fields.suggestion.value = passage.exact || '';
      for (const name of ['quote', 'suggestion', 'comment', 'email']) say('', name);
      say('');
      sent = 0;
    }
    current = passage;
    returnRange = place && range;
    $('.note').textContent = place === false ? t.outside : '';
    // A selected passage is shown in its context, six words either side, dimmed; a passage
    // to type has its field instead.
    const quote = $('.q');
    quote.hidden = !passage.exact;
    fields.quote.hidden = !!passage.exact;
    if (passage.exact) {
      const before = passage.text.slice(0, passage.start).split(' ');
      const after = passage.text.slice(passage.end).split(' ');
      const [head, mark, tail] = quote.children;
      head.textContent = before.slice(-7).join(' ');
      mark.textContent = passage.exact;
      tail.textContent = after.slice(0, 7).join(' ');
    }
    $('form').hidden = 0;
    $('.done').hidden = 1;
    returnFocus = doc.activeElement;
    openedAt = Date.now();
    dialog.showModal();
    (passage.exact ? fields.suggestion : fields.quote).focus();
  }

  // The passage the reader typed, whitespace squashed.
  const typed = () => fields.quote.value.replace(/\s+/g, ' ').trim();

  function emailProblem() {
    return !fields.email.validity.valid || (fields.notify.checked && !fields.email.value.trim());
  }

  // Shows `message` by the field called `name`, or in the dialog's alert without a name.
  function say(message, name) {
    $(name ? `#m-${name}` : '.error').textContent = message;
    if (name) fields[name].ariaInvalid = !!message;
  }

  async function send(e) {
    e.preventDefault();
    if (busy) return;
    let passage = current;
    if (!passage.exact) passage = typed() ? find(typed()) : {};
    const problems = [
      !passage.exact && ['quote', t.needPassage],
      emailProblem() && ['email', t.needEmail],
    ].filter(Boolean);
    if (problems.length) {
      for (const [name, message] of problems) say(message, name);
      return fields[problems[0][0]].focus();
    }
    const button = $('form .go');
    const status = (text, state) => {
      button.textContent = text;
      busy = button.ariaDisabled = form.ariaBusy = state;
    };
    status(t.sending, true);
    say('');
    let message = t.failed;
    try {
      const response = await fetch(shared.at('api/v1/suggestions'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        signal: AbortSignal.timeout(20000),
        body: JSON.stringify({
          site: shared.config.site,
          url: shared.url(),
          title: shared.title(passage.root),
          lang: t.code,
          quote: { exact: passage.exact, prefix: passage.prefix, suffix: passage.suffix },
          position: passage.end && { start: passage.start, end: passage.end },
          kind: fields.kind.value,
          suggestion: fields.suggestion.value == passage.exact ? '' : fields.suggestion.value,
          comment: fields.comment.value,
          email: fields.email.value.trim(),
          notify: fields.notify.checked,
          elapsed_ms: Date.now() - openedAt,
        }),
      });
      const { error, reference } = await response.json().catch(() => ({}));
      const code = response.status;
      if (response.ok) {
        sent = 1;
        form.hidden = 1;
        $('.done').hidden = 0;
        $('b').textContent = reference;
        $('.done p').focus();
      } else if (code == 429) {
        message = t.tooMany;
      } else if (code == 503) {
        // Retry-After: seconds, or an HTTP date.
        const header = response.headers.get('Retry-After');
        const seconds = Math.ceil(+header >= 0 ? +header : (Date.parse(header) - Date.now()) / 1000);
        const when = seconds > 0 ? ` ${new Intl.RelativeTimeFormat(t.code)
          .format(...(seconds < 90 ? [seconds, 'second'] : [Math.round(seconds / 60), 'minute']))}` : '';
        message = t.busy.replace(/ ?\{when\}/, when);
      } else if (code < 500 && error?.message) {
        // The server's words, in the language the dialog asked for: by their fields, or here.
        message = [error.message];
        for (const [key, text] of Object.entries(error.fields || {})) {
          const name = key.split('.')[0];
          if (root.getElementById(`m-${name}`) && !(name == 'quote' && current.exact)) say(text, name);
          else message.push(text);
        }
        message = message.join(' ');
      }
    } catch { /* unreachable: the message says so */ }
    status(sent ? t.send : t.retry, null);
    if (!sent) say(message);
  }

  return { open };
};
